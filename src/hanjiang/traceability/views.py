"""The catalogue pages: public browsing of brands and products; certifications with their expiry."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hanjiang.accounts.access import public_page, roles_required
from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.forms import attempt, form_input
from hanjiang.registry.models import Division, DivisionLevel
from hanjiang.traceability.catalogue import (
    EXPIRY_WARNING_DAYS,
    CertificationInput,
    certification_save,
    expiring,
    valid_on,
)
from hanjiang.traceability.models import (
    COMMITMENTS,
    TWO_PRODUCTS_ONE_LABEL,
    Brand,
    BrandLevel,
    Certification,
    CertificationKind,
    Industry,
    ProduceCertificate,
    Product,
    TestResult,
)

WRITERS = (Role.CITY_ADMIN, Role.COUNTY_OFFICER, Role.ENTERPRISE)


@public_page
def catalogue(request: HttpRequest) -> HttpResponse:
    """Brands by level, products by county, industry and brand (public)."""
    products = Product.objects.select_related("county").prefetch_related("brands")
    county, industry, brand = (request.GET.get(k, "") for k in ("county", "industry", "brand"))
    if county.isdecimal():
        products = products.filter(county__code__startswith=county[:6])
    if industry in Industry.values:
        products = products.filter(industry=industry)
    if brand.isdecimal():
        products = products.filter(brands__pk=int(brand))
    today = timezone.localdate()
    products = products.annotate(
        certified=Count(
            "certifications",
            filter=Q(certifications__in=valid_on(today).values("pk")),
        )
    )
    brands = Brand.objects.select_related("county")
    role = scope_of(request.user).role
    links = [
        (reverse(name), label)
        for name, label, roles in (
            ("traceability:producer", _("Producer's workbench"), {Role.ENTERPRISE}),
            ("traceability:brands", _("Brands"), set(WRITERS)),
            ("traceability:certifications", _("Certifications"), set(Role) - {None}),
            ("traceability:regulator", _("Traceability supervision"), set(REGULATORS)),
        )
        if role in roles
    ]
    return render(
        request,
        "traceability/catalogue.html",
        {
            "links": links,
            "levels": [
                (label, [b for b in brands if b.level == value])
                for value, label in BrandLevel.choices
            ],
            "products": products,
            "counties": Division.objects.filter(level=DivisionLevel.COUNTY),
            "industries": Industry.choices,
            "brands": brands,
            "filters": request.GET,
            "two_products": valid_on(today).filter(kind__in=TWO_PRODUCTS_ONE_LABEL).count(),
        },
    )


@roles_required(Role.CITY_ADMIN, Role.REVIEWER, Role.COUNTY_OFFICER, Role.ENTERPRISE)
def certifications(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    items = Certification.objects.select_related("holder", "holder__division", "product")
    if scope.role == Role.COUNTY_OFFICER:
        items = items.filter(holder__division__code__startswith=scope.county_prefix or "-")
    elif scope.role == Role.ENTERPRISE:
        items = items.filter(holder_id=scope.organisation_id or 0)
    errors: list[Any] = []
    if request.method == "POST":
        if scope.role not in WRITERS:
            raise PermissionDenied
        saved, errors = attempt(
            lambda: certification_save(
                actor=request.user, data=form_input(CertificationInput, request.POST)
            )
        )
        if saved is not None:
            messages.success(request, _("Certification recorded."))
            return redirect("traceability:certifications")
    today = timezone.localdate()
    soon = set(expiring(today).values_list("pk", flat=True))
    valid = set(valid_on(today).values_list("pk", flat=True))
    return render(
        request,
        "traceability/certifications.html",
        {
            "rows": [
                {"item": item, "expiring": item.pk in soon, "valid": item.pk in valid}
                for item in items
            ],
            "kinds": CertificationKind.choices,
            "products": Product.objects.prefetch_related(Prefetch("brands")),
            "errors": errors,
            "values": request.POST if errors else None,
            "can_write": scope.role in WRITERS,
            "warning_days": EXPIRY_WARNING_DAYS,
        },
        status=422 if errors else 200,
    )


@roles_required(*WRITERS)
def brands(request: HttpRequest) -> HttpResponse:
    """Register brands and put them on products (the dual-brand model: public + enterprise)."""
    from hanjiang.traceability.catalogue import (
        BrandInput,
        brand_save,
        product_brand_add,
    )

    scope = scope_of(request.user)
    products = Product.objects.prefetch_related("brands").select_related("county")
    if scope.role == Role.ENTERPRISE:
        products = products.filter(producers__pk=scope.organisation_id or 0)
    elif scope.role != Role.CITY_ADMIN:
        products = products.none()
    errors: list[Any] = []
    if request.method == "POST":
        post = request.POST
        done: object
        if post.get("form") == "product_brand":
            done, errors = attempt(
                lambda: product_brand_add(
                    actor=request.user,
                    product_id=post.get("product", ""),
                    brand_id=post.get("brand", ""),
                )
            )
            notice = _("Brand put on the product.")
        else:
            done, errors = attempt(
                lambda: brand_save(actor=request.user, data=form_input(BrandInput, post))
            )
            notice = _("Brand registered.")
        if done is not None:
            messages.success(request, notice)
            return redirect("traceability:brands")
    levels = BrandLevel.choices
    if scope.role == Role.ENTERPRISE:
        levels = [(BrandLevel.ENTERPRISE.value, BrandLevel.ENTERPRISE.label)]
    elif scope.role == Role.COUNTY_OFFICER:
        levels = [choice for choice in levels if choice[0] != BrandLevel.CITY]
    usable = Brand.objects.select_related("county", "holder")
    if scope.role == Role.ENTERPRISE:
        usable = usable.filter(
            Q(holder_id=scope.organisation_id or 0) | ~Q(level=BrandLevel.ENTERPRISE)
        )
    return render(
        request,
        "traceability/brands.html",
        {
            "brands": Brand.objects.select_related("county", "holder").annotate(
                carried=Count("products")
            ),
            "usable": usable,
            "products": products,
            "levels": levels,
            "is_enterprise": scope.role == Role.ENTERPRISE,
            "counties": Division.objects.filter(level=DivisionLevel.COUNTY),
            "industries": Industry.choices,
            "errors": errors,
            "values": request.POST if errors else None,
        },
        status=422 if errors else 200,
    )


# The resolver and the public trace page -------------------------------------------------------

BIZ_STEPS = {
    "commissioning": gettext_lazy("Commissioning (harvest or production of the lot)"),
    "inspecting": gettext_lazy("Inspection"),
    "sampling": gettext_lazy("Sampling"),
    "packing": gettext_lazy("Packing"),
    "unpacking": gettext_lazy("Unpacking"),
    "storing": gettext_lazy("Storage"),
    "stocking": gettext_lazy("Stocking"),
    "shipping": gettext_lazy("Shipping"),
    "transporting": gettext_lazy("Transport"),
    "receiving": gettext_lazy("Receiving"),
    "retail_selling": gettext_lazy("Retail sale"),
    "holding": gettext_lazy("Held"),
    "destroying": gettext_lazy("Destroyed"),
}


DISPOSITIONS = {
    "active": gettext_lazy("Active"),
    "in_transit": gettext_lazy("In transit"),
    "in_progress": gettext_lazy("In progress"),
    "conformant": gettext_lazy("Conformant"),
    "non_conformant": gettext_lazy("Not conformant"),
    "retail_sold": gettext_lazy("Sold"),
    "sellable_accessible": gettext_lazy("On sale"),
    "recalled": gettext_lazy("Recalled"),
    "destroyed": gettext_lazy("Destroyed"),
    "expired": gettext_lazy("Expired"),
}


def _term(value: str) -> str:
    """The CBV term of a value written bare, as a URN or as a web URI."""
    return value.rsplit("-", 1)[-1].rsplit(":", 1)[-1]


def _label(value: str) -> str:
    return str(BIZ_STEPS.get(_term(value), value or "—"))


def _state(value: str) -> str:
    return str(DISPOSITIONS.get(_term(value), value)) if value else ""


def _lot(gtin: str, lot: str) -> tuple[str, list[str]]:
    """The lot's Digital Link, and the identifiers an event may name it by."""
    from hanjiang.traceability.identifiers import IdentifierError, link

    try:
        canonical = link(gtin_value=gtin, lot=lot)
    except IdentifierError as error:
        raise Http404(str(error.message)) from error
    own = f"/01/{canonical.gtin}/10/{lot}"
    return canonical.uri(), [canonical.uri(), own]


@public_page
def lot_page(request: HttpRequest, gtin: str, lot: str) -> HttpResponse:
    """What a consumer sees on scanning the lot's code: the product, its certificates, and the
    chain of events from origin to shop."""
    from hanjiang.traceability.repository import lineage, temperatures

    uri, names = _lot(gtin, lot)
    chains = [lineage(name) for name in names]
    chain = max(chains, key=lambda found: len(found.events))
    today = timezone.localdate()
    products = Product.objects.filter(gtin=uri.split("/01/")[1][:14]).prefetch_related("brands")
    steps = [
        {
            "time": event.event_time,
            "offset": event.time_zone_offset,
            "type": event.event_type,
            "step": _label(event.biz_step),
            "where": event.biz_location or event.read_point,
            "disposition": _state(event.disposition),
            "failed": _term(event.disposition) == "non_conformant",
            "sensors": len(event.body.get("sensorElementList") or []),
            "temperatures": temperatures(event.body),
            "alerted": event.alerts.exists(),
            "certificates": event.body.get("certificationInfo"),
            "erroneous": event.error_declaration is not None,
        }
        for event in chain.events
    ]
    return render(
        request,
        "traceability/lot.html",
        {
            "uri": uri,
            "gtin": gtin,
            "lot": lot,
            "products": products,
            "certifications": valid_on(today).filter(product__in=products),
            "steps": steps,
            "upstream": chain.upstream,
            "downstream": chain.downstream,
        },
    )


@public_page
def lot_qr(request: HttpRequest, gtin: str, lot: str) -> HttpResponse:
    from hanjiang.traceability.identifiers import qr_code

    uri, _names = _lot(gtin, lot)
    kind = "png" if request.GET.get("format") == "png" else "svg"
    return HttpResponse(
        qr_code(uri, kind=kind), content_type="image/png" if kind == "png" else "image/svg+xml"
    )


# The regulator's view -------------------------------------------------------------------------

REGULATORS = (Role.CITY_ADMIN, Role.REVIEWER, Role.COUNTY_OFFICER)


@roles_required(*REGULATORS)
def regulator(request: HttpRequest) -> HttpResponse:
    """Events per day, failed inspections (each leading to its recall list), expiring
    certificates."""
    from django.db.models.functions import TruncDate

    from hanjiang.traceability.models import ColdChainAlert, Event
    from hanjiang.traceability.repository import failed_inspections

    today = timezone.localdate()
    per_day = (
        Event.objects.annotate(day=TruncDate("event_time"))
        .values("day")
        .annotate(count=Count("id"))
        .order_by("-day")[:30]
    )
    failed = [
        {
            "event": event,
            "step": _label(event.biz_step),
            "identifiers": [
                item.identifier
                for item in event.identifiers.all()
                if item.role in {"epc", "parent"}
            ],
        }
        for event in failed_inspections().prefetch_related("identifiers")[:100]
    ]
    return render(
        request,
        "traceability/regulator.html",
        {
            "per_day": per_day,
            "failed": failed,
            "expiring": expiring(today).select_related("holder", "product"),
            "alerts": ColdChainAlert.objects.select_related("event", "product")[:100],
        },
    )


@roles_required(*REGULATORS)
def recall_list(request: HttpRequest) -> HttpResponse:
    """Every lot and item downstream of an identifier, where it went and who held it; Excel."""
    from hanjiang.core.http import download
    from hanjiang.core.spreadsheets import Column, write_table
    from hanjiang.traceability.repository import recall

    identifier = request.GET.get("identifier", "").strip()
    reached = recall(identifier) if identifier else []
    if request.GET.get("format") == "xlsx" and identifier:
        columns = [
            Column("identifier", gettext_lazy("Lot or item"), width=60),
            Column("places", gettext_lazy("Places"), width=60),
            Column("parties", gettext_lazy("Holders"), width=60),
            Column("last_seen", gettext_lazy("Last seen"), width=20),
        ]
        rows = [
            {
                "identifier": item.identifier,
                "places": "\n".join(item.places),
                "parties": "\n".join(item.parties),
                "last_seen": item.last_seen.isoformat() if item.last_seen else "",
            }
            for item in reached
        ]
        return download(write_table(str(_("Recall list")), columns, rows), "recall.xlsx")
    return render(
        request,
        "traceability/recall.html",
        {"identifier": identifier, "reached": reached},
    )


def _producer_post(request: HttpRequest, products: Any) -> HttpResponse:
    """What a producer's workbench form does (the `form` field names it)."""
    from hanjiang.traceability.catalogue import (
        CertificateInput,
        PackingInput,
        ProcessingInput,
        ProductInput,
        StepInput,
        certificate_issue,
        lot_commission,
        packing_record,
        processing_record,
        product_register,
        step_record,
    )

    post, actor = request.POST, request.user
    form = post.get("form")
    if form == "certificate":
        issued = certificate_issue(actor=actor, data=form_input(CertificateInput, post))
        return redirect("traceability:certificate", issued.number)
    if form == "packing":
        children = (*post.getlist("children"), *post.get("other_children", "").splitlines())
        unit = packing_record(actor=actor, data=form_input(PackingInput, post, children=children))
        messages.success(request, _("Packing recorded: %(uri)s") % {"uri": unit})
    elif form == "processing":
        inputs = (*post.getlist("inputs"), *post.get("other_inputs", "").splitlines())
        made = processing_record(actor=actor, data=form_input(ProcessingInput, post, inputs=inputs))
        messages.success(request, _("Processing recorded: %(uri)s") % {"uri": made})
    elif form == "step":
        lot = post.get("other_lot", "").strip() or post.get("lot", "")
        step_record(actor=actor, data=form_input(StepInput, post, lot=lot))
        messages.success(request, _("Step recorded."))
    elif form == "lot":
        product = products.filter(pk=post.get("product") or 0).first()
        if product is None:
            raise PermissionDenied
        uri = lot_commission(
            actor=actor,
            product=product,
            lot=post.get("lot", ""),
            harvested_on=post.get("harvested_on", ""),
            quantity=post.get("quantity", ""),
        )
        messages.success(request, _("Lot recorded: %(uri)s") % {"uri": uri})
    else:
        product_register(actor=actor, data=form_input(ProductInput, post))
        messages.success(request, _("Product registered."))
    return redirect("traceability:producer")


@roles_required(Role.ENTERPRISE)
def producer(request: HttpRequest) -> HttpResponse:
    """A producer's workbench: its products, their lots, registering a product, recording a lot."""
    from hanjiang.traceability.catalogue import RESULTS, STEPS
    from hanjiang.traceability.models import Event, EventIdentifier

    scope = scope_of(request.user)
    products = Product.objects.filter(producers__pk=scope.organisation_id or 0).prefetch_related(
        "brands"
    )
    errors: list[Any] = []
    if request.method == "POST":
        response, errors = attempt(lambda: _producer_post(request, products))
        if response is not None:
            return response
    # The lots of all the producer's products, looked up together (one scan of the identifiers).
    paths = [f"/01/{product.gtin}/10/" for product in products if product.gtin]
    found: set[str] = set()
    if paths:
        wanted = Q()
        for path in paths:
            wanted |= Q(identifier__contains=path)
        found = set(
            EventIdentifier.objects.filter(wanted, is_class=True).values_list(
                "identifier", flat=True
            )
        )
    rows: list[dict[str, Any]] = []
    own_lots: list[str] = []
    for product in products:
        path = f"/01/{product.gtin}/10/"
        lots = sorted(uri for uri in found if product.gtin and path in uri)
        rows.append(
            {
                "product": product,
                "lots": [(uri, uri.split("/10/", 1)[1]) for uri in lots],
            }
        )
        own_lots += lots
    recent = (
        Event.objects.filter(identifiers__identifier__in=own_lots)
        .distinct()
        .order_by("-event_time", "-id")[:20]
        if own_lots
        else []
    )
    return render(
        request,
        "traceability/producer.html",
        {
            "rows": rows,
            "steps": [(key, _label(key)) for key in STEPS],
            "results": RESULTS,
            "recent": [
                {"event": event, "step": _label(event.biz_step), "state": _state(event.disposition)}
                for event in recent
            ],
            "errors": errors,
            "counties": Division.objects.filter(level=DivisionLevel.COUNTY),
            "industries": Industry.choices,
            "brands": Brand.objects.all(),
            "commitments": list(enumerate(COMMITMENTS)),
            "test_results": TestResult.choices,
            "certificates": ProduceCertificate.objects.filter(
                producer_id=scope.organisation_id or 0
            ).select_related("product")[:50],
        },
        status=422 if errors else 200,
    )


@public_page
def certificate(request: HttpRequest, number: str) -> HttpResponse:
    """A 食用农产品合格证, printable, with the lot's QR code."""
    from django.shortcuts import get_object_or_404

    item = get_object_or_404(
        ProduceCertificate.objects.select_related("product", "producer"), number=number
    )
    lot = item.lot.split("/10/", 1)[1] if "/10/" in item.lot else ""
    return render(
        request,
        "traceability/certificate.html",
        {"item": item, "commitments": COMMITMENTS, "gtin": item.product.gtin, "lot": lot},
    )

"""The catalogue: the brands the plan names, certifications with their validity, and the count of
valid 二品一标 published to the statistics.

Rules:
- the brands of the plan (data/brands.csv) are registered once, with the plan's sentence as their
  source; a city or county brand gets a specialty product of the same name; nothing else is
  invented (no GTIN, producer or certificate number);
- a certification has a kind, a certificate number (unique within its kind), an issuer, a holder
  (a registered organisation), optionally a product, a scope, and a validity from a date until a
  date (or without end); it is valid on a day within that period;
- a county officer records certifications of holders registered in its county, an enterprise
  user its own, the city administrator any; every change is audited;
- a certification ending within 90 days is flagged as expiring;
- published under `traceability-catalogue`: `TWO_PRODUCTS_ONE_LABEL`, the valid green-food,
  organic and geographical-indication certifications (二品一标), on 31 December of each year from
  the first certificate (the current year today), per county of the holder and for the city.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.audit import audit_record, snapshot
from hanjiang.core.errors import ErrorItem, PermissionDeniedError, ValidationFailed
from hanjiang.core.fields import date_field, decimal_field
from hanjiang.core.models import AuditAction, AuditChannel
from hanjiang.registry.models import Division, DivisionLevel, Organisation
from hanjiang.reporting.publishing import (
    DerivedValue,
    ElementDefinition,
    derived_source_register,
    derived_values_publish,
    elements_define,
)
from hanjiang.traceability.models import (
    TWO_PRODUCTS_ONE_LABEL,
    Brand,
    Certification,
    CertificationKind,
    Product,
)
from hanjiang.traceability.repository import EARLIEST

BRANDS = Path(__file__).resolve().parent / "data" / "brands.csv"
EXPIRY_WARNING_DAYS = 90
SOURCE = "traceability-catalogue"


def load_plan_brands() -> int:
    """Register the brands (and the products of city and county brands) the plan names."""
    created = 0
    with BRANDS.open(encoding="utf-8", newline="") as handle, transaction.atomic():
        for row in csv.DictReader(handle):
            county = (
                Division.objects.get(code=row["county_code"].ljust(12, "0"))
                if row["county_code"]
                else None
            )
            brand, new = Brand.objects.get_or_create(
                name=row["name"],
                defaults={
                    "level": row["level"],
                    "county": county,
                    "industry": row["industry"],
                    "source": f"规划{row['source']}",
                    "note": row["note"],
                },
            )
            if not new:
                continue
            created += 1
            audit_record(
                actor=None,
                action=AuditAction.CREATE,
                instance=brand,
                before=None,
                after=snapshot(brand),
                channel=AuditChannel.SYSTEM,
            )
            if row["product"]:
                product, _made = Product.objects.get_or_create(
                    name=row["product"],
                    county=county,
                    defaults={"industry": row["industry"], "source": brand.source},
                )
                product.brands.add(brand)
    return created


@dataclass(frozen=True)
class CertificationInput:
    kind: str
    number: str
    issuer: str
    holder_uscc: str
    valid_from: str
    valid_until: str = ""
    product: str = ""  # a product id
    scope: str = ""


def _enterprise(actor: Any, refusal: Any) -> int:
    """The organisation an enterprise user acts for, or 403 with `refusal`."""
    scope = scope_of(actor)
    if scope.role != Role.ENTERPRISE or scope.organisation_id is None:
        raise PermissionDeniedError("forbidden", refusal)
    return scope.organisation_id


def _own_product(producer: int, product_id: str) -> Product | None:
    """The product of this id that the enterprise produces, if any."""
    if not product_id.isdecimal():
        return None
    return Product.objects.filter(pk=int(product_id), producers__pk=producer).first()


def _holder(uscc: str, errors: list[ErrorItem]) -> Organisation | None:
    """The organisation of a credit code, or the error `unknown_organisation`."""
    holder = (
        Organisation.objects.select_related("division").filter(uscc=uscc.strip().upper()).first()
    )
    if holder is None:
        errors.append(
            ErrorItem(
                "unknown_organisation",
                _("No organisation with credit code %(code)s.") % {"code": uscc},
                field="holder_uscc",
            )
        )
    return holder


def certification_save(
    *, actor: Any, data: CertificationInput, certification: Certification | None = None
) -> Certification:
    scope = scope_of(actor)
    if scope.role not in {Role.CITY_ADMIN, Role.COUNTY_OFFICER, Role.ENTERPRISE}:
        raise PermissionDeniedError("forbidden", _("Your role may not record certifications."))
    errors: list[ErrorItem] = []
    if data.kind not in CertificationKind.values:
        errors.append(
            ErrorItem("invalid_choice", _("Unknown kind of certification."), field="kind")
        )
    for name in ("number", "issuer"):
        if not getattr(data, name).strip():
            errors.append(ErrorItem("required", _("This field is required."), field=name))
    holder = _holder(data.holder_uscc, errors)
    if holder is not None and (
        (scope.role == Role.COUNTY_OFFICER and not scope.covers_code(holder.division.code))
        or (scope.role == Role.ENTERPRISE and holder.pk != scope.organisation_id)
    ):
        errors.append(
            ErrorItem(
                "outside_scope",
                _("You may only record certifications of holders in your scope."),
                field="holder_uscc",
            )
        )
    start = date_field(
        data.valid_from, "valid_from", None, errors, required=_("This field is required.")
    )
    end = date_field(data.valid_until, "valid_until", None, errors)
    if start and end and end < start:
        errors.append(
            ErrorItem(
                "ends_before_start",
                _("A certificate cannot end before it starts."),
                field="valid_until",
            )
        )
    product = None
    if data.product.strip():
        product = (
            Product.objects.filter(pk=int(data.product)).first()
            if data.product.isdecimal()
            else None
        )
        if product is None:
            errors.append(ErrorItem("unknown_product", _("Unknown product."), field="product"))
    duplicate = Certification.objects.filter(kind=data.kind, number=data.number.strip())
    if certification is not None:
        duplicate = duplicate.exclude(pk=certification.pk)
    if data.number.strip() and duplicate.exists():
        errors.append(
            ErrorItem(
                "duplicate",
                _("A certificate of this kind with this number is already recorded."),
                field="number",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    assert holder is not None and start is not None  # noqa: S101 - checked above
    with transaction.atomic():
        before = snapshot(certification) if certification else None
        target = certification or Certification()
        target.kind, target.number = data.kind, data.number.strip()
        target.issuer, target.scope = data.issuer.strip(), data.scope.strip()
        target.holder, target.product = holder, product
        target.valid_from, target.valid_until = start, end
        target.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
            instance=target,
            before=before,
            after=snapshot(target),
        )
        transaction.on_commit(lambda: publish(timezone.localdate()))
    return target


def valid_on(day: datetime.date) -> QuerySet[Certification]:
    return Certification.objects.filter(valid_from__lte=day).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=day)
    )


def expiring(day: datetime.date) -> QuerySet[Certification]:
    return valid_on(day).filter(valid_until__lte=day + datetime.timedelta(days=EXPIRY_WARNING_DAYS))


def publish(today: datetime.date) -> int:
    derived_source_register(
        code=SOURCE,
        name_zh="特色农产品目录",
        name_en="Specialty product catalogue",
        module="traceability",
        citation="由认证登记按有效期计算（绿色食品、有机农产品、农产品地理标志）",
    )
    elements_define(
        [
            ElementDefinition(
                "TWO_PRODUCTS_ONE_LABEL",
                "“二品一标”农产品",
                "Two products, one label",
                "个",
                "integer",
                "last",
                "development",
            )
        ]
    )
    city = Division.objects.filter(level=DivisionLevel.CITY).first()
    first = (
        Certification.objects.filter(kind__in=TWO_PRODUCTS_ONE_LABEL)
        .order_by("valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )
    values: list[DerivedValue] = []
    years: set[str] = set()
    if first is not None and city is not None:
        for year in range(first.year, today.year + 1):
            day = min(datetime.date(year, 12, 31), today)
            years.add(str(year))
            counted = valid_on(day).filter(kind__in=TWO_PRODUCTS_ONE_LABEL)
            per_county = (
                counted.values(county=Substr("holder__division__code", 1, 6))
                .order_by()
                .annotate(n=Count("id"))
            )
            for row in per_county:
                values.append(
                    DerivedValue("TWO_PRODUCTS_ONE_LABEL", str(year), row["county"], row["n"])
                )
            values.append(
                DerivedValue("TWO_PRODUCTS_ONE_LABEL", str(year), city.code, counted.count())
            )
    summary = derived_values_publish(
        source_code=SOURCE, elements={"TWO_PRODUCTS_ONE_LABEL"}, periods=years, values=values
    )
    return summary.imported + summary.updated + summary.deleted


@dataclass(frozen=True)
class ProductInput:
    name: str
    county: str = ""
    industry: str = ""
    gtin: str = ""
    brand: str = ""  # a brand id
    min_celsius: str = ""  # the cold-chain limits of the product, if it has any
    max_celsius: str = ""


def product_register(*, actor: Any, data: ProductInput) -> Product:
    """An enterprise registers a product it produces (it becomes a producer of it)."""
    from hanjiang.traceability.identifiers import IdentifierError, gtin
    from hanjiang.traceability.models import Industry

    producer = _enterprise(actor, _("Only a producer registers its products."))
    errors: list[ErrorItem] = []
    if not data.name.strip() or len(data.name.strip()) > 100:
        errors.append(
            ErrorItem("required", _("The name (up to 100 characters) is required."), field="name")
        )
    county = None
    if data.county.strip():
        county = Division.objects.filter(
            code=data.county.strip()[:6].ljust(12, "0"), level=DivisionLevel.COUNTY
        ).first()
        if county is None:
            errors.append(ErrorItem("unknown_county", _("Unknown county."), field="county"))
    if data.industry and data.industry not in Industry.values:
        errors.append(ErrorItem("invalid_choice", _("Unknown industry."), field="industry"))
    code = ""
    if data.gtin.strip():
        try:
            code = gtin(data.gtin)
        except IdentifierError as error:
            errors.append(ErrorItem(error.code, error.message, field="gtin"))
    if code and Product.objects.filter(gtin=code).exists():
        errors.append(
            ErrorItem("duplicate", _("A product with this GTIN is registered."), field="gtin")
        )
    brand = Brand.objects.filter(pk=int(data.brand)).first() if data.brand.isdecimal() else None
    if data.brand and brand is None:
        errors.append(ErrorItem("unknown_brand", _("Unknown brand."), field="brand"))
    limits = {
        name: decimal_field(
            getattr(data, name), name, None, errors, low=Decimal(-80), high=Decimal(80), places=1
        )
        for name in ("min_celsius", "max_celsius")
    }
    low, high = limits["min_celsius"], limits["max_celsius"]
    if low is not None and high is not None and low > high:
        errors.append(
            ErrorItem(
                "invalid_range",
                _("The lowest temperature is above the highest."),
                field="max_celsius",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        product, _created = Product.objects.get_or_create(
            name=data.name.strip(),
            county=county,
            defaults={
                "industry": data.industry,
                "gtin": code,
                "source": str(_("Registered by the producer")),
                **limits,
            },
        )
        if code and not product.gtin:
            product.gtin = code
            product.save(update_fields=["gtin"])
        product.producers.add(producer)
        if brand is not None:
            product.brands.add(brand)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE if not _created else AuditAction.CREATE,
            instance=product,
            before=None,
            after=snapshot(product),
        )
    return product


def capture_one(actor: Any, event: dict[str, Any], field: str = "lot") -> None:
    """Capture one event recorded on a page, as an EPCISDocument of its own; its errors are
    reported on the page's `field`."""
    from hanjiang.traceability.repository import capture

    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": timezone.now().isoformat(timespec="seconds"),
        "epcisBody": {"eventList": [event]},
    }
    job = capture(actor=actor, data=orjson.dumps(document))
    if not job.success:
        raise ValidationFailed(
            [ErrorItem(e["code"], e["message"], field=field) for e in job.errors]
        )


def lot_commission(
    *, actor: Any, product: Product, lot: str, harvested_on: str, quantity: str, unit: str = "KGM"
) -> str:
    """Record a new lot of a product as a commissioning ObjectEvent (harvest or production:
    CBV 2.0 has no harvesting step); returns the lot's Digital Link."""
    from hanjiang.traceability.identifiers import IdentifierError, link

    scope = scope_of(actor)
    if (
        scope.role != Role.ENTERPRISE
        or not product.producers.filter(pk=scope.organisation_id or 0).exists()
    ):
        raise PermissionDeniedError("forbidden", _("Only the product's producer records its lots."))
    errors: list[ErrorItem] = []
    uri = ""
    if not product.gtin:
        errors.append(ErrorItem("no_gtin", _("Give the product a GTIN first."), field="product"))
    else:
        try:
            uri = link(gtin_value=product.gtin, lot=lot.strip()).uri()
        except IdentifierError as error:
            errors.append(ErrorItem(error.code, error.message, field="lot"))
    day = date_field(
        harvested_on, "harvested_on", None, errors, required=_("This field is required.")
    )
    try:
        amount = Decimal(quantity)
        if not amount.is_finite() or amount <= 0:
            raise InvalidOperation
    except InvalidOperation:
        errors.append(
            ErrorItem("invalid_number", _("The quantity is a number above zero."), field="quantity")
        )
    if errors:
        raise ValidationFailed(errors)
    assert day is not None  # noqa: S101
    event = {
        "type": "ObjectEvent",
        "eventTime": f"{day.isoformat()}T08:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "quantityList": [{"epcClass": uri, "quantity": float(amount), "uom": unit}],
    }
    capture_one(actor, event)
    return uri


@dataclass(frozen=True)
class CertificateInput:
    product: str  # a product id
    lot: str  # the lot code (within the product's GTIN)
    quantity: str
    unit: str
    origin: str
    contact: str
    commitments: tuple[str, ...]  # the indexes of the commitments ticked
    test_result: str = "none"
    test_note: str = ""


def certificate_issue(*, actor: Any, data: CertificateInput) -> Any:
    """Issue a 食用农产品合格证 for a lot of the producer's product; it is also recorded as an EPCIS
    TransactionEvent naming the certificate (business transaction type `cert`)."""
    from hanjiang.traceability.identifiers import IdentifierError, link
    from hanjiang.traceability.models import COMMITMENTS, ProduceCertificate, TestResult

    producer = _enterprise(actor, _("Only a producer issues certificates."))
    errors: list[ErrorItem] = []
    product = _own_product(producer, data.product)
    uri = ""
    if product is None:
        errors.append(ErrorItem("unknown_product", _("Not one of your products."), field="product"))
    elif not product.gtin:
        errors.append(ErrorItem("no_gtin", _("Give the product a GTIN first."), field="product"))
    else:
        try:
            uri = link(gtin_value=product.gtin, lot=data.lot.strip()).uri()
        except IdentifierError as error:
            errors.append(ErrorItem(error.code, error.message, field="lot"))
    try:
        quantity = Decimal(data.quantity)
        if not quantity.is_finite() or quantity <= 0:
            raise InvalidOperation
    except InvalidOperation:
        quantity = Decimal(0)
        errors.append(
            ErrorItem("invalid_number", _("The quantity is a number above zero."), field="quantity")
        )
    for name in ("unit", "origin", "contact"):
        if not getattr(data, name).strip():
            errors.append(ErrorItem("required", _("This field is required."), field=name))
    if sorted(set(data.commitments)) != [str(n) for n in range(len(COMMITMENTS))]:
        errors.append(
            ErrorItem(
                "commitment",
                _("The producer commits to every statement of the certificate."),
                field="commitments",
            )
        )
    if data.test_result not in TestResult.values:
        errors.append(ErrorItem("invalid_choice", _("Unknown test result."), field="test_result"))
    if errors:
        raise ValidationFailed(errors)
    assert product is not None  # noqa: S101
    today = timezone.localdate()
    with transaction.atomic():
        count = ProduceCertificate.objects.filter(issued_on=today).count() + 1
        certificate = ProduceCertificate.objects.create(
            number=f"HG{today:%Y%m%d}{producer:05d}{count:04d}",
            product=product,
            lot=uri,
            quantity=quantity,
            unit=data.unit.strip(),
            producer_id=producer,
            origin=data.origin.strip(),
            contact=data.contact.strip(),
            issued_on=today,
            test_result=data.test_result,
            test_note=data.test_note.strip(),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=certificate,
            before=None,
            after=snapshot(certificate),
        )
        event = {
            "type": "TransactionEvent",
            "eventTime": timezone.localtime().isoformat(timespec="seconds"),
            "eventTimeZoneOffset": timezone.localtime().strftime("%z")[:3]
            + ":"
            + timezone.localtime().strftime("%z")[3:],
            "action": "ADD",
            "bizTransactionList": [
                {"type": "cert", "bizTransaction": f"urn:hanjiang:certificate:{certificate.number}"}
            ],
            "quantityList": [{"epcClass": uri, "quantity": float(quantity)}],
        }
        capture_one(actor, event)
    return certificate


# The steps an enterprise records on a lot from its workbench: business step, disposition.
STEPS = {
    "shipping": ("shipping", "in_transit"),
    "receiving": ("receiving", "in_progress"),
    "storing": ("storing", "in_progress"),
    "inspecting": ("inspecting", ""),  # conformant or non_conformant, from the result
    "retail_selling": ("retail_selling", "retail_sold"),
}
RESULTS = ("conformant", "non_conformant")


@dataclass(frozen=True)
class StepInput:
    lot: str  # the lot's Digital Link
    step: str  # a key of STEPS
    at: str  # local date and time, YYYY-MM-DDTHH:MM (UTC+8)
    place: str = ""  # a GLN
    celsius: str = ""  # a temperature reading
    result: str = ""  # for an inspection: conformant or non_conformant
    report: str = ""  # for an inspection: the report's number


def _lot_link(text: str, field_name: str, errors: list[ErrorItem]) -> str:
    """A lot's Digital Link as given, or an error: it must name a lot (/10/)."""
    from hanjiang.traceability.identifiers import IdentifierError, parse

    try:
        found = parse(text)
        if not found.lot:
            raise IdentifierError("not_a_lot", _("Choose a lot (a link with /10/)."))
    except IdentifierError as error:
        errors.append(ErrorItem(error.code, error.message, field=field_name))
        return ""
    return found.uri()  # written as everyone writes it: GTIN-14, the same encoding


def _unit_link(text: str, field_name: str, errors: list[ErrorItem]) -> tuple[str, bool]:
    """A lot (its Digital Link, a class) or a logistic unit (an SSCC, as digits or its Digital
    Link, an instance), or an error."""
    from hanjiang.traceability.identifiers import IdentifierError, parse, sscc

    text = text.strip()
    try:
        if text.isdecimal():
            return f"https://id.gs1.org/00/{sscc(text)}", False
        found = parse(text)
        if found.sscc:
            return found.uri(), False
        if not found.lot:
            raise IdentifierError(
                "not_a_lot", _("Choose a lot (a link with /10/) or a pallet or case (an SSCC).")
            )
    except IdentifierError as error:
        errors.append(ErrorItem(error.code, error.message, field=field_name))
        return "", True
    return found.uri(), True


def _moment(text: str, errors: list[ErrorItem]) -> datetime.datetime | None:
    """A local date and time (UTC+8) not in the future."""
    try:
        moment = datetime.datetime.fromisoformat(text.strip())
        if (
            moment.tzinfo is not None
            or not moment.year > EARLIEST
            or moment.date() > timezone.localdate()
        ):
            raise ValueError
    except ValueError:
        errors.append(
            ErrorItem(
                "invalid_time",
                _("Give the date and time of the step (YYYY-MM-DD HH:MM), not in the future."),
                field="at",
            )
        )
        return None
    return moment


def _place(text: str, errors: list[ErrorItem]) -> str:
    """A place given by its GLN, as the GLN's Digital Link; empty when not given."""
    from hanjiang.traceability.identifiers import IdentifierError, gln

    if not text.strip():
        return ""
    try:
        return f"https://id.gs1.org/414/{gln(text)}"
    except IdentifierError as error:
        errors.append(ErrorItem(error.code, error.message, field="place"))
        return ""


def _when(moment: datetime.datetime) -> dict[str, str]:
    return {
        "eventTime": f"{moment.isoformat(timespec='minutes')}:00+08:00",
        "eventTimeZoneOffset": "+08:00",
    }


def step_record(*, actor: Any, data: StepInput) -> None:
    """Record a later step of a lot's chain (shipping, receiving, storage, inspection, retail
    sale) as an EPCIS ObjectEvent OBSERVE of the lot, or of the pallet or case (SSCC) it travels
    in: place as a GLN's Digital Link, a
    temperature as a sensor report, an inspection's result as its disposition and its report
    as certification information."""
    _enterprise(actor, _("Only enterprises record steps of a chain."))
    errors: list[ErrorItem] = []
    unit, is_lot = _unit_link(data.lot, "lot", errors)
    if data.step not in STEPS:
        errors.append(ErrorItem("invalid_choice", _("Unknown step."), field="step"))
    moment = _moment(data.at, errors)
    place = _place(data.place, errors)
    celsius = decimal_field(
        data.celsius, "celsius", None, errors, low=Decimal(-80), high=Decimal(80), places=1
    )
    if data.step == "inspecting" and data.result not in RESULTS:
        errors.append(ErrorItem("required", _("An inspection needs its result."), field="result"))
    if len(data.report.strip()) > 60:
        errors.append(
            ErrorItem("too_long", _("The report number has at most 60 characters."), field="report")
        )
    if errors:
        raise ValidationFailed(errors)
    biz_step, disposition = STEPS[data.step]
    if data.step == "inspecting":
        disposition = data.result
    assert moment is not None  # noqa: S101 - checked above
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        **_when(moment),
        "action": "OBSERVE",
        "bizStep": biz_step,
        **({"quantityList": [{"epcClass": unit}]} if is_lot else {"epcList": [unit]}),
    }
    if disposition:
        event["disposition"] = disposition
    if place:
        event["bizLocation"] = {"id": place}
    if celsius is not None:
        event["sensorElementList"] = [
            {"sensorReport": [{"type": "gs1:Temperature", "value": float(celsius), "uom": "CEL"}]}
        ]
    if data.step == "inspecting" and data.report.strip():
        event["certificationInfo"] = f"urn:hanjiang:inspection-report:{quote(data.report.strip())}"
    capture_one(actor, event)


@dataclass(frozen=True)
class BrandInput:
    name: str
    level: str  # a BrandLevel
    county: str = ""  # 6-digit county code, for a county brand
    holder_uscc: str = ""  # the holding organisation, for an enterprise brand
    industry: str = ""
    note: str = ""


def brand_save(*, actor: Any, data: BrandInput) -> Brand:
    """Register a brand: the city's administrators any brand; a county officer its county's
    public brand or an enterprise brand of a holder in the county; an enterprise its own
    enterprise brand."""
    from hanjiang.traceability.models import BrandLevel, Industry

    scope = scope_of(actor)
    if scope.role not in {Role.CITY_ADMIN, Role.COUNTY_OFFICER, Role.ENTERPRISE}:
        raise PermissionDeniedError("forbidden", _("Your role may not register brands."))
    errors: list[ErrorItem] = []
    name = data.name.strip()
    if not name or len(name) > 100:
        errors.append(
            ErrorItem("required", _("The name (up to 100 characters) is required."), field="name")
        )
    elif Brand.objects.filter(name=name).exists():
        errors.append(ErrorItem("duplicate", _("A brand with this name exists."), field="name"))
    level = BrandLevel.ENTERPRISE if scope.role == Role.ENTERPRISE else data.level
    if level not in BrandLevel.values or (
        scope.role == Role.COUNTY_OFFICER and level == BrandLevel.CITY
    ):
        errors.append(ErrorItem("invalid_choice", _("Choose the brand's level."), field="level"))
    if data.industry and data.industry not in Industry.values:
        errors.append(ErrorItem("invalid_choice", _("Unknown industry."), field="industry"))
    county = None
    if level == BrandLevel.COUNTY or data.county.strip():
        county = Division.objects.filter(
            code=data.county.strip()[:6].ljust(12, "0"), level=DivisionLevel.COUNTY
        ).first()
        if county is None:
            errors.append(
                ErrorItem("unknown_county", _("Choose the brand's county."), field="county")
            )
        elif not scope.covers_code(county.code) and scope.role != Role.ENTERPRISE:
            errors.append(
                ErrorItem("outside_scope", _("That county is outside your scope."), field="county")
            )
    holder = None
    if scope.role == Role.ENTERPRISE:
        holder = Organisation.objects.filter(pk=scope.organisation_id or 0).first()
    elif level == BrandLevel.ENTERPRISE or data.holder_uscc.strip():
        holder = _holder(data.holder_uscc, errors)
        if (
            holder is not None
            and scope.role == Role.COUNTY_OFFICER
            and not scope.covers_code(holder.division.code)
        ):
            errors.append(
                ErrorItem(
                    "outside_scope",
                    _("That organisation is outside your scope."),
                    field="holder_uscc",
                )
            )
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        brand = Brand.objects.create(
            name=name,
            level=level,
            county=county,
            holder=holder,
            industry=data.industry,
            note=data.note.strip(),
            source=str(_("Registered on the platform")),
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=brand,
            before=None,
            after=snapshot(brand),
        )
    return brand


def product_brand_add(*, actor: Any, product_id: str, brand_id: str) -> Product:
    """Put a brand on a product (公用品牌+企业品牌): a producer on its own products, with public
    brands and its own enterprise brands; the city's administrators on any."""
    from hanjiang.traceability.models import BrandLevel

    scope = scope_of(actor)
    products = Product.objects.all()
    if scope.role == Role.ENTERPRISE:
        products = products.filter(producers__pk=scope.organisation_id or 0)
    elif scope.role != Role.CITY_ADMIN:
        raise PermissionDeniedError("forbidden", _("Your role may not brand products."))
    errors: list[ErrorItem] = []
    product = products.filter(pk=int(product_id)).first() if product_id.isdecimal() else None
    if product is None:
        errors.append(ErrorItem("unknown_product", _("Unknown product."), field="product"))
    brand = Brand.objects.filter(pk=int(brand_id)).first() if brand_id.isdecimal() else None
    if brand is None:
        errors.append(ErrorItem("unknown_brand", _("Unknown brand."), field="brand"))
    elif (
        scope.role == Role.ENTERPRISE
        and brand.level == BrandLevel.ENTERPRISE
        and brand.holder_id != scope.organisation_id
    ):
        errors.append(
            ErrorItem(
                "not_your_brand",
                _("Another enterprise's brand cannot go on your product."),
                field="brand",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    assert product is not None and brand is not None  # noqa: S101 - checked above
    with transaction.atomic():
        before = snapshot(product) | {"brands": sorted(product.brands.values_list("pk", flat=True))}
        product.brands.add(brand)
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=product,
            before=before,
            after=snapshot(product)
            | {"brands": sorted(product.brands.values_list("pk", flat=True))},
        )
    return product


@dataclass(frozen=True)
class ProcessingInput:
    inputs: tuple[str, ...]  # the Digital Links of the lots processed
    product: str  # the id of the producer's product made
    lot: str  # the new lot's code
    quantity: str  # kg
    at: str
    place: str = ""


def processing_record(*, actor: Any, data: ProcessingInput) -> str:
    """Record processing — lots going in, a new lot of one of the producer's products coming
    out — as an EPCIS TransformationEvent; returns the new lot's Digital Link."""
    from hanjiang.traceability.identifiers import IdentifierError, link

    producer = _enterprise(actor, _("Only enterprises record processing."))
    errors: list[ErrorItem] = []
    inputs = [text.strip() for text in data.inputs if text.strip()]
    if not inputs:
        errors.append(
            ErrorItem("required", _("Name the lots that went into processing."), field="inputs")
        )
    inputs = [_lot_link(text, "inputs", errors) for text in inputs]
    product = _own_product(producer, data.product)
    output = ""
    if product is None:
        errors.append(
            ErrorItem("unknown_product", _("Choose one of your products."), field="product")
        )
    elif not product.gtin:
        errors.append(ErrorItem("no_gtin", _("Give the product a GTIN first."), field="product"))
    else:
        try:
            output = link(gtin_value=product.gtin, lot=data.lot.strip()).uri()
        except IdentifierError as error:
            errors.append(ErrorItem(error.code, error.message, field="lot"))
    if output and output in inputs:
        errors.append(
            ErrorItem(
                "same_lot", _("The new lot cannot be one of the lots processed."), field="lot"
            )
        )
    amount = decimal_field(
        data.quantity, "quantity", None, errors, low=Decimal("0.001"), high=Decimal(10**9), places=3
    )
    if amount is None and not data.quantity.strip():
        errors.append(ErrorItem("required", _("This field is required."), field="quantity"))
    moment = _moment(data.at, errors)
    place = _place(data.place, errors)
    if errors:
        raise ValidationFailed(errors)
    assert moment is not None and amount is not None  # noqa: S101 - checked above
    event: dict[str, Any] = {
        "type": "TransformationEvent",
        **_when(moment),
        "bizStep": "commissioning",
        "disposition": "active",
        "inputQuantityList": [{"epcClass": uri} for uri in inputs],
        "outputQuantityList": [{"epcClass": output, "quantity": float(amount), "uom": "KGM"}],
    }
    if place:
        event["bizLocation"] = {"id": place}
    capture_one(actor, event)
    return output


@dataclass(frozen=True)
class PackingInput:
    parent: str  # the pallet's or case's SSCC (digits or Digital Link)
    children: tuple[str, ...]  # lots (Digital Links) and units (SSCCs) packed or unpacked
    action: str  # pack or unpack
    at: str
    place: str = ""


def packing_record(*, actor: Any, data: PackingInput) -> str:
    """Record lots and cases packed into (or unpacked from) a pallet or case as an EPCIS
    AggregationEvent; returns the pallet's or case's Digital Link."""
    _enterprise(actor, _("Only enterprises record packing."))
    errors: list[ErrorItem] = []
    parent, parent_is_lot = _unit_link(data.parent, "parent", errors)
    if parent and parent_is_lot:
        errors.append(
            ErrorItem("not_a_unit", _("A pallet or case is named by its SSCC."), field="parent")
        )
    children = [_unit_link(text, "children", errors) for text in data.children if text.strip()]
    if not children:
        errors.append(ErrorItem("required", _("Name the lots or cases packed."), field="children"))
    if parent and any(child == parent for child, _is_lot in children):
        errors.append(
            ErrorItem("same_unit", _("A pallet cannot be packed into itself."), field="children")
        )
    if data.action not in {"pack", "unpack"}:
        errors.append(ErrorItem("invalid_choice", _("Pack or unpack."), field="action"))
    moment = _moment(data.at, errors)
    place = _place(data.place, errors)
    if errors:
        raise ValidationFailed(errors)
    assert moment is not None  # noqa: S101 - checked above
    event: dict[str, Any] = {
        "type": "AggregationEvent",
        **_when(moment),
        "action": "ADD" if data.action == "pack" else "DELETE",
        "bizStep": "packing" if data.action == "pack" else "unpacking",
        "parentID": parent,
    }
    units = [child for child, is_lot in children if not is_lot]
    lots = [child for child, is_lot in children if is_lot]
    if units:
        event["childEPCs"] = units
    if lots:
        event["childQuantityList"] = [{"epcClass": lot} for lot in lots]
    if place:
        event["bizLocation"] = {"id": place}
    capture_one(actor, event)
    return parent

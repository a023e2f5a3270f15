"""Pages of the cross-border platform: the city's overview, an enterprise's workbench and upload,
filing and its review, a message's problems and receipt, a trade's full document chain."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from hanjiang.accounts.access import roles_required
from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.audit import audit_record
from hanjiang.core.errors import DomainError, ErrorItem, ValidationFailed
from hanjiang.core.forms import attempt, form_input
from hanjiang.core.http import download
from hanjiang.core.models import AuditAction
from hanjiang.core.selectors import record_in_scope
from hanjiang.crossborder import compose, statistics, summary, tax, workbook
from hanjiang.crossborder.exchange import declare
from hanjiang.crossborder.filings import (
    FilingInput,
    GoodsInput,
    filing_review,
    filing_save,
    goods_add,
)
from hanjiang.crossborder.intake import messages_receive
from hanjiang.crossborder.matching import trade_of
from hanjiang.crossborder.models import (
    Channel,
    Filing,
    FilingRole,
    FilingStatus,
    Message,
    MessageStatus,
    Order,
    TaxBill,
    TaxBillStatus,
    TradeMode,
)
from hanjiang.registry.models import Division, DivisionLevel

CITY = (Role.CITY_ADMIN, Role.REVIEWER)
SENT = (Channel.API, Channel.WEB, Channel.FOLDER, Channel.COMPOSED)
MAX_FILES = 200


def _own_filing(request: HttpRequest) -> Filing | None:
    scope = scope_of(request.user)
    return (
        Filing.objects.select_related("organisation")
        .filter(organisation_id=scope.organisation_id or 0)
        .first()
    )


def codes_in_scope(user: Any) -> set[str] | None:
    """The filed codes of the enterprises whose trades the user sees: a county officer's, those
    registered in its county; an enterprise's, its own; the city's, all (None)."""
    scope = scope_of(user)
    if scope.reads_everything:
        return None
    filings = Filing.objects.all()
    if scope.role == Role.COUNTY_OFFICER:
        # Codes the city approved: a code typed into a filing under review proves nothing.
        filings = filings.filter(
            organisation__division__code__startswith=scope.county_prefix or "-",
            status=FilingStatus.APPROVED,
        )
    elif scope.role == Role.ENTERPRISE:
        filings = filings.filter(organisation_id=scope.organisation_id or 0)
    else:
        return set()
    pairs = filings.values_list("customs_code", "organisation__uscc")
    return {code for pair in pairs for code in pair if code}  # as `Filing.codes`


def orders_in_scope(user: Any) -> QuerySet[Order]:
    """The city sees every trade; a county officer the trades of enterprises registered in its
    county; an enterprise the trades it is a party to (by its filed codes)."""
    return orders_of(codes_in_scope(user))


def orders_of(codes: set[str] | None) -> QuerySet[Order]:
    """The trades these codes (`codes_in_scope`; None: all) are a party to."""
    orders = Order.objects.all()
    if codes is None:
        return orders
    return orders.filter(Q(ebp_code__in=codes) | Q(ebc_code__in=codes) | Q(pay_code__in=codes))


@roles_required(Role.CITY_ADMIN, Role.REVIEWER, Role.COUNTY_OFFICER, Role.ENTERPRISE)
def index(request: HttpRequest) -> HttpResponse:
    if scope_of(request.user).role == Role.ENTERPRISE:
        return redirect("crossborder:workbench")
    codes = codes_in_scope(request.user)
    if request.GET.get("format") == "xlsx":
        content = workbook.overview_workbook(*workbook.in_scope(codes))
        return download(content, f"crossborder-{timezone.localdate():%Y%m%d}.xlsx")
    orders = orders_of(codes)
    inventories = workbook.in_scope(codes)[0].filter(cancelled=False)
    by_month: dict[str, dict[str, Any]] = defaultdict(dict)
    for row in (
        inventories.annotate(month=TruncMonth("declared_on"))
        .values("month", "trade_mode")
        .annotate(count=Count("id", distinct=True), value=Sum(statistics.net_value("items__")))
        .order_by("month", "trade_mode")
    ):
        by_month[row["month"].strftime("%Y-%m")][row["trade_mode"]] = row
    top = (
        orders.filter(withdrawn=False)
        .values("ebc_code", "ebc_name")
        .annotate(count=Count("id"), value=Sum("goods_value"))
        .order_by("-value")[:10]
    )
    breakdown = statistics.breakdown()
    names = {
        division.code[:6]: division.name
        for division in Division.objects.filter(level=DivisionLevel.COUNTY)
    }
    breakdown["county"] = {
        names.get(code, code): value for code, value in breakdown["county"].items()
    }
    # Tax customs billed for those inventories (void bills left out).
    taxes = (
        TaxBill.objects.filter(inventory__in=inventories)
        .exclude(status=TaxBillStatus.VOID)
        .aggregate(
            count=Count("id"),
            duty=Sum("customs_tax"),
            vat=Sum("value_added_tax"),
            consumption=Sum("consumption_tax"),
        )
    )
    # Declarations sent by enterprises (receipts from customs are not counted).
    totals = Message.objects.exclude(channel=Channel.EXCHANGE).aggregate(
        all=Count("id"), refused=Count("id", filter=Q(status=MessageStatus.REFUSED))
    )
    return render(
        request,
        "crossborder/index.html",
        {
            "modes": TradeMode.choices,
            "months": [
                (month, [cells.get(code) for code in TradeMode.values])
                for month, cells in sorted(by_month.items())
            ],
            "top": top,
            "totals": totals,
            "taxes": taxes,
            "refused_rate": 100 * totals["refused"] / totals["all"] if totals["all"] else None,
            "pending": Filing.objects.filter(status=FilingStatus.SUBMITTED).count(),
            "without_rate": sorted(statistics.exports_without_rate().items())
            if scope_of(request.user).reads_everything
            else [],
            "orders": orders.order_by("-declared_on", "-id")[:50],
            "is_city": scope_of(request.user).reads_everything,
            "parts": [
                (label, sorted(values.items(), key=lambda pair: -pair[1]))
                for label, values in (
                    (_("By county of the enterprise"), breakdown["county"]),
                    (_("By origin country (code)"), breakdown["country"]),
                    (_("By HS chapter"), breakdown["chapter"]),
                )
            ]
            if scope_of(request.user).reads_everything
            else [],
        },
    )


@roles_required(Role.ENTERPRISE)
def workbench(request: HttpRequest) -> HttpResponse:
    filing = _own_filing(request)
    outcomes: list[Any] = []
    waiting = Message.objects.filter(
        filing=filing, status=MessageStatus.ACCEPTED, sent_at__isnull=True, channel__in=SENT
    )
    if request.method == "POST" and request.POST.get("action") == "declare":
        if filing is None or filing.status != FilingStatus.APPROVED:
            raise PermissionDenied
        applied = declare(list(waiting.order_by("received_at", "id")))
        flash.success(
            request,
            _("Sent to customs; %(count)s receipts came back.") % {"count": len(applied)},
        )
        return redirect("crossborder:workbench")
    if request.GET.get("template") == "orders":
        return download(compose.template(), "ceb311-orders.xlsx")
    errors: list[Any] = []
    if request.method == "POST" and request.POST.get("action") == "compose":
        if filing is None or filing.status != FilingStatus.APPROVED:
            raise PermissionDenied
        try:
            composed = compose.compose_orders(
                filing, compose.read_orders(request.FILES.get("sheet"))
            )
            outcomes = messages_receive(
                actor=request.user,
                files=[(f"{item.order_no}.xml", item.data) for item in composed],
                channel=Channel.COMPOSED,
            )
        except ValidationFailed as error:
            errors = error.errors
    elif request.method == "POST" and request.POST.get("action") == "summarize":
        if filing is None or filing.status != FilingStatus.APPROVED:
            raise PermissionDenied
        try:
            start = datetime.date.fromisoformat(request.POST.get("start", ""))
            end = datetime.date.fromisoformat(request.POST.get("end", ""))
        except ValueError:
            errors = [ErrorItem("invalid_date", _("Give the period as two dates."), field="start")]
        else:
            flag = "2" if request.POST.get("summary_flag") == "2" else "1"
            applications = [
                summary.application(group, filing, flag)
                for group in summary.groups(filing, start, end, flag)
            ]
            outcomes = (
                messages_receive(
                    actor=request.user,
                    files=[(f"CEB701-{n}.xml", data) for n, data in enumerate(applications, 1)],
                    channel=Channel.COMPOSED,
                )
                if applications
                else []
            )
            if not applications:
                flash.info(request, _("No concluded summary inventories in that period."))
    elif request.method == "POST":
        files = request.FILES.getlist("files")[:MAX_FILES]
        try:
            outcomes = messages_receive(
                actor=request.user,
                files=[(upload.name or "upload.xml", upload.read()) for upload in files],
                channel=Channel.WEB,
            )
        except DomainError as error:
            raise PermissionDenied from error
    received = Message.objects.filter(filing=filing) if filing else Message.objects.none()
    return render(
        request,
        "crossborder/workbench.html",
        {
            "filing": filing,
            "outcomes": outcomes,
            "received": received[:100],
            "waiting": waiting.count(),
            "errors": errors,
            "orders": orders_in_scope(request.user).order_by("-declared_on", "-id")[:50],
        },
        status=422 if errors or any(o.status == "refused" for o in outcomes) else 200,
    )


@roles_required(Role.CITY_ADMIN, Role.REVIEWER, Role.ENTERPRISE)
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    scope = scope_of(request.user)
    visible = Message.objects.select_related("filing__organisation")
    if not scope.reads_everything:
        visible = visible.filter(filing__organisation_id=scope.organisation_id or 0)
    message = record_in_scope(visible, message_id)
    if request.GET.get("format") == "receipt" and message.receipt:
        response = HttpResponse(message.receipt, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="{message.guid}.CEB900.xml"'
        return response
    return render(request, "crossborder/message.html", {"message": message})


@roles_required(Role.ENTERPRISE)
def filing_edit(request: HttpRequest) -> HttpResponse:
    filing = _own_filing(request)
    errors: list[Any] = []
    post = request.POST
    if request.method == "POST" and post.get("form") == "goods":
        _goods, errors = attempt(
            lambda: goods_add(actor=request.user, data=form_input(GoodsInput, post))
        )
        notice = _("Goods record filed.")
    elif request.method == "POST":
        _filing, errors = attempt(
            lambda: filing_save(actor=request.user, data=form_input(FilingInput, post))
        )
        notice = _("Filing submitted for review.")
    if request.method == "POST" and not errors:
        flash.success(request, notice)
        return redirect("crossborder:filing")
    return render(
        request,
        "crossborder/filing.html",
        {
            "filing": filing,
            "errors": errors,
            "values": request.POST if errors else None,
            "roles": FilingRole.choices,
            "modes": TradeMode.choices,
            "goods": filing.goods.all() if filing else [],
            "certificates_pem": "".join(c["pem"] for c in filing.certificates) if filing else "",
        },
        status=422 if errors else 200,
    )


@roles_required(Role.CITY_ADMIN, Role.REVIEWER)
def filing_list(request: HttpRequest) -> HttpResponse:
    filings = Filing.objects.select_related("organisation").annotate(goods_count=Count("goods"))
    if request.method == "POST":
        if scope_of(request.user).role != Role.CITY_ADMIN:
            raise PermissionDenied
        filing = get_object_or_404(Filing, pk=request.POST.get("filing", 0))
        try:
            filing_review(
                actor=request.user,
                filing=filing,
                approve=request.POST.get("decision") == "approve",
                note=request.POST.get("note", ""),
            )
        except DomainError as error:
            flash.error(request, " ".join(str(item.message) for item in error.errors))
        else:
            flash.success(request, _("Filing reviewed."))
        return redirect("crossborder:filings")
    return render(
        request,
        "crossborder/filings.html",
        {"filings": filings, "can_review": scope_of(request.user).role == Role.CITY_ADMIN},
    )


@roles_required(Role.CITY_ADMIN, Role.REVIEWER, Role.COUNTY_OFFICER, Role.ENTERPRISE)
def trade(request: HttpRequest, order_id: int) -> HttpResponse:
    order = record_in_scope(orders_in_scope(request.user), order_id)
    chain = trade_of(order)
    reveal = False
    if request.method == "POST":
        # Full personal numbers: only the declaring enterprise, and every look is audited.
        filing = _own_filing(request)
        if filing is None or not ({order.ebc_code, order.ebp_code} & filing.codes):
            raise PermissionDenied
        audit_record(
            actor=request.user,
            action=AuditAction.VIEW,
            instance=order,
            before=None,
            after={"fields": ["buyer_id", "buyer_telephone", "consignee_telephone"]},
        )
        reveal = True
    try:
        computed = tax.order_tax(order)
    except LookupError:
        computed = None
    computed_tax = computed.tax if computed is not None else None
    bills = [
        (bill, bill.total - computed_tax if computed_tax is not None else None)
        for bill in (chain.inventory.tax_bills.all() if chain.inventory is not None else [])
    ]
    filing = _own_filing(request)

    def show(document: Any, field: str) -> str:
        return str(document.clear(field) if reveal else document.masked(field))

    people = {
        "buyer_id": show(order, "buyer_id"),
        "buyer_telephone": show(order, "buyer_telephone"),
        "consignee_telephone": show(order, "consignee_telephone"),
        "payer_id": show(chain.payment, "payer_id") if chain.payment else "",
        "waybill_telephone": show(chain.waybill, "consignee_telephone") if chain.waybill else "",
    }
    return render(
        request,
        "crossborder/trade.html",
        {
            "trade": chain,
            "people": people,
            "tax": computed,
            "bills": bills,
            "reveal": reveal,
            "can_reveal": filing is not None
            and bool({order.ebc_code, order.ebp_code} & filing.codes),
        },
    )


@roles_required(*CITY)
def rates(request: HttpRequest) -> HttpResponse:
    """The exchange rates export values are converted by (the city's administrators record
    them, with their source)."""
    from hanjiang.crossborder.currency import RateInput, rate_save
    from hanjiang.crossborder.models import ExchangeRate

    errors: list[ErrorItem] = []
    if request.method == "POST":
        _saved, errors = attempt(
            lambda: rate_save(actor=request.user, data=form_input(RateInput, request.POST))
        )
        if not errors:
            flash.success(request, _("Exchange rate recorded."))
            return redirect("crossborder:rates")
    return render(
        request,
        "crossborder/rates.html",
        {
            "rates": ExchangeRate.objects.all(),
            "without_rate": sorted(statistics.exports_without_rate().items()),
            "can_write": scope_of(request.user).role == Role.CITY_ADMIN,
            "errors": errors,
            "values": request.POST if errors else None,
        },
        status=422 if errors else 200,
    )

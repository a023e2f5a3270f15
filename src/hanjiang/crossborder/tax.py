"""Retail import tax of an import order, and the buyer's yearly quota.

Rules (财关税〔2016〕18号 and 〔2018〕49号, kept as dated `TaxPolicy` rows so that a change of
policy is a change of data):
- the dutiable price of an item is its total price plus its share of the order's freight (in
  proportion to its total price); of the order, the sum of its items (goods value + freight);
- within the limits — the order's dutiable price at most the single-transaction limit, and the
  buyer's dutiable total of the calendar year, this order included, at most the annual limit — the
  customs duty rate is the policy's (0 %) and VAT and consumption tax are levied at the policy's
  share (70 %) of the statutory amount: tax = dutiable × (VAT + CT) / (1 − CT) × share, per item,
  with the VAT and consumption-tax rates of the filed good (by SKU; 13 % and 0 % when not filed);
- above the single limit, an order of exactly one item line of quantity 1 may still be declared
  but pays full duty, VAT and consumption tax; its duty rate depends on the tariff and is not
  computed here;
- otherwise above a limit the order is general trade, not retail import: a warning before it is
  declared.
Amounts are rounded to the cent: VAT and consumption tax each, the tax being their sum (as a
customs tax bill adds them up).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from hanjiang.crossborder.models import GoodsRecord, Order, TaxPolicy

CENT = Decimal("0.01")
DEFAULT_RATES = (Decimal("0.13"), Decimal("0"))


@dataclass(frozen=True)
class Line:
    sku: str
    qty: Decimal
    total_price: Decimal


@dataclass
class TaxResult:
    dutiable: Decimal
    tax: Decimal | None
    year_total: Decimal  # the buyer's dutiable total in the year, this order included
    policy: TaxPolicy
    treatment: str  # within_limits, single_item_full_tax, general_trade
    notes: list[str] = field(default_factory=list)
    vat: Decimal | None = None  # the tax's VAT part
    consumption: Decimal | None = None  # the tax's consumption-tax part
    # Per line, in order: (dutiable price with its share of freight, VAT, consumption tax).
    lines: list[tuple[Decimal, Decimal, Decimal]] = field(default_factory=list)


def policy_on(day: datetime.date) -> TaxPolicy:
    policy = TaxPolicy.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
    if policy is None:
        raise LookupError(f"No retail import tax policy is in force on {day}.")
    return policy


def rates(skus: set[str]) -> dict[str, tuple[Decimal, Decimal]]:
    found = GoodsRecord.objects.filter(item_no__in=skus).values_list(
        "item_no", "vat_rate", "consumption_rate"
    )
    return {sku: (Decimal(vat), Decimal(ct)) for sku, vat, ct in found}


def year_total(buyer_digest: str, year: int, exclude: int | None = None) -> Decimal:
    orders = Order.objects.filter(
        buyer_id_digest=buyer_digest, declared_on__year=year, withdrawn=False
    )
    if exclude is not None:
        orders = orders.exclude(pk=exclude)
    totals = orders.aggregate(goods=Sum("goods_value"), freight=Sum("freight"))
    return (totals["goods"] or Decimal(0)) + (totals["freight"] or Decimal(0))


def year_totals(buyer_digests: list[str], year: int) -> list[tuple[str, Decimal, Decimal]]:
    """(buyer, goods, freight) of the year's live orders, for many buyers in one query each
    500; buyers without orders are left out."""
    found: list[tuple[str, Decimal, Decimal]] = []
    for first in range(0, len(buyer_digests), 500):
        found += [
            (row["buyer_id_digest"], row["goods"] or Decimal(0), row["freight"] or Decimal(0))
            for row in Order.objects.filter(
                buyer_id_digest__in=buyer_digests[first : first + 500],
                declared_on__year=year,
                withdrawn=False,
            )
            .values("buyer_id_digest")
            .annotate(goods=Sum("goods_value"), freight=Sum("freight"))
            .order_by()
        ]
    return found


@dataclass
class Limits:
    """Where an order stands against the retail import limits."""

    dutiable: Decimal  # goods value + freight
    year_total: Decimal  # the buyer's dutiable total in the year, this order included
    treatment: str  # within_limits, single_item_full_tax, general_trade
    notes: list[str] = field(default_factory=list)


def limits(
    goods: Decimal,
    freight: Decimal,
    single_item: bool,
    earlier_in_year: Decimal,
    policy: TaxPolicy,
) -> Limits:
    """The order's treatment under the limits (see the module's rules): its goods value, its
    freight, whether it is one item line of quantity 1, the buyer's dutiable total earlier in
    the year."""
    dutiable = goods + freight
    total = earlier_in_year + dutiable
    over_single = dutiable > policy.single_limit
    if total > policy.annual_limit or (over_single and not single_item):
        note = _(
            "Above the limits (single %(single)s, annual %(annual)s; this year with this "
            "order %(total)s): general trade, not retail import."
        ) % {
            "single": policy.single_limit,
            "annual": policy.annual_limit,
            "total": total.quantize(CENT),
        }
        return Limits(dutiable, total, "general_trade", [str(note)])
    if over_single:
        full = _(
            "One item above the single limit: full duty, VAT and consumption tax; the "
            "duty, which depends on the tariff, is not included."
        )
        return Limits(dutiable, total, "single_item_full_tax", [str(full)])
    return Limits(dutiable, total, "within_limits")


def compute(
    lines: list[Line],
    freight: Decimal,
    day: datetime.date,
    earlier_in_year: Decimal,
    policy: TaxPolicy | None = None,
    known: dict[str, tuple[Decimal, Decimal]] | None = None,
) -> TaxResult:
    """The order's tax; `policy` and `known` rates may be given when already looked up."""
    policy = policy or policy_on(day)
    goods = sum((line.total_price for line in lines), Decimal(0))
    single_item = len(lines) == 1 and lines[0].qty == 1
    bounds = limits(goods, freight, single_item, earlier_in_year, policy)
    result = TaxResult(
        dutiable=bounds.dutiable.quantize(CENT),
        tax=None,
        year_total=bounds.year_total,
        policy=policy,
        treatment=bounds.treatment,
        notes=bounds.notes,
    )
    if bounds.treatment == "general_trade":
        return result
    if known is None:
        known = rates({line.sku for line in lines if line.sku})
    share = Decimal(1) if bounds.treatment == "single_item_full_tax" else policy.within_limit_share
    vat_total = consumption_total = Decimal(0)
    for line in lines:
        vat, ct = known.get(line.sku, DEFAULT_RATES)
        part = line.total_price + (freight * line.total_price / goods if goods else Decimal(0))
        base = part / (1 - ct) * share  # the consumption tax is part of VAT's base
        vat_total += base * vat
        consumption_total += base * ct
        result.lines.append(
            tuple(  # type: ignore[arg-type]
                value.quantize(CENT, rounding=ROUND_HALF_UP)
                for value in (part, base * vat, base * ct)
            )
        )
    result.vat = vat_total.quantize(CENT, rounding=ROUND_HALF_UP)
    result.consumption = consumption_total.quantize(CENT, rounding=ROUND_HALF_UP)
    result.tax = result.vat + result.consumption  # as a tax bill adds up its parts
    return result


def order_tax(order: Order) -> TaxResult:
    lines = [Line(item.item_no, item.qty, item.total_price) for item in order.items.all()]
    earlier = year_total(order.buyer_id_digest, order.declared_on.year, exclude=order.pk)
    return compute(lines, order.freight, order.declared_on, earlier)

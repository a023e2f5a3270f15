"""汇总统计: the cross-border figures, by mode, month, enterprise, county of the enterprise, origin
country and goods category, and what is published to the statistics hub.

Rules:
- trade counts once customs has concluded it: import and export inventories with status 399
  (concluded), 800 (released) or 899 (closed); its value is the sum of the inventory's item
  totals — in CNY on the import side; on the export side the items declared in CNY (142) only,
  other currencies not being converted;
- a trade belongs to the e-commerce enterprise's filing, and so to the county where that
  enterprise is registered;
- published under the source `crossborder-declarations`, per year from the first concluded trade,
  for each county and the city: `CROSSBORDER_TRADE` (万元), `CROSSBORDER_ACTIVE_ENTITIES`
  (enterprises with a concluded trade in the year, as platform, enterprise, payment or logistics
  company), `CROSSBORDER_MODES_IN_USE`; for the city, `CROSSBORDER_ENTITIES` (filings approved on
  the platform by the end of the year);
- `CROSSBORDER_LEADING_ENTERPRISES` is published only when the city sets what makes a leading
  enterprise (`CROSSBORDER_LEADING_VALUE`, yearly concluded trade in CNY); the plan does not say.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import DecimalField, ExpressionWrapper, F, Sum

from hanjiang.crossborder.currency import Rates
from hanjiang.crossborder.models import (
    ExportInventory,
    Filing,
    FilingStatus,
    Inventory,
    InventoryItem,
)
from hanjiang.registry.models import Division, DivisionLevel
from hanjiang.reporting.models import DataValue
from hanjiang.reporting.publishing import (
    DerivedValue,
    ElementDefinition,
    derived_source_register,
    derived_values_publish,
    elements_define,
)

CONCLUDED = ("399", "800", "899")
SOURCE = "crossborder-declarations"
ELEMENTS = {
    "CROSSBORDER_TRADE": ("跨境电子商务进出口交易额", "Cross-border trade", "万元", "number"),
    "CROSSBORDER_ENTITIES": ("跨境电商市场主体", "Cross-border market entities", "家", "integer"),
    "CROSSBORDER_ACTIVE_ENTITIES": (
        "有成交的跨境电商企业",
        "Enterprises with concluded cross-border trade",
        "家",
        "integer",
    ),
    "CROSSBORDER_MODES_IN_USE": ("在用跨境监管方式", "Trade modes in use", "种", "integer"),
    "CROSSBORDER_LEADING_ENTERPRISES": (
        "跨境电商龙头企业",
        "Leading cross-border enterprises",
        "家",
        "integer",
    ),
}


def concluded() -> Any:
    """Import inventories customs concluded, not cancelled since."""
    return Inventory.objects.filter(status__in=CONCLUDED, withdrawn=False, cancelled=False)


def concluded_exports() -> Any:
    return ExportInventory.objects.filter(status__in=CONCLUDED, withdrawn=False, cancelled=False)


def _export_totals(exports: Any) -> Any:
    """Each export inventory's item totals by currency, with what identifies its trade."""
    return exports.values(
        "pk",
        "ebc_code",
        "ebp_code",
        "logistics_code",
        "trade_mode",
        "order_no",
        "declared_on",
        "items__currency",
    ).annotate(total=Sum(net_value("items__")))


def _exports_in_yuan(exports: Any, rates: Rates) -> list[dict[str, Any]]:
    """Export inventories with their value in yuan, each currency converted by the rate in
    force on the declaration date; a value without a rate is left out (see `currency`)."""
    found: dict[int, dict[str, Any]] = {}
    for row in _export_totals(exports):
        entry = found.setdefault(
            row["pk"],
            {key: row[key] for key in ("ebc_code", "ebp_code", "logistics_code", "trade_mode")}
            | {"total": Decimal(0)},
        )
        if row["items__currency"] is None:
            continue
        converted = rates.to_yuan(
            row["total"] or Decimal(0), row["items__currency"], row["declared_on"]
        )
        if converted is not None:
            entry["total"] += converted
    return list(found.values())


def exports_without_rate() -> dict[str, Decimal]:
    """Concluded export values left out of the figures for want of a rate, by currency."""
    rates = Rates()
    missing: dict[str, Decimal] = defaultdict(Decimal)
    for row in _export_totals(concluded_exports()):
        currency = row["items__currency"]
        if currency and rates.to_yuan(Decimal(0), currency, row["declared_on"]) is None:
            missing[currency] += row["total"] or Decimal(0)
    return dict(missing)


def net_value(path: str = "") -> Any:
    """An item's value less what was returned (`path`: the way from the queried model to the
    item, e.g. `items__`)."""
    return ExpressionWrapper(
        F(f"{path}total_price") - F(f"{path}returned_qty") * F(f"{path}price"),
        output_field=DecimalField(max_digits=19, decimal_places=5),
    )


def _county_of_codes() -> dict[str, str]:
    """Enterprise code → 6-digit code of the county where the enterprise is registered."""
    found: dict[str, str] = {}
    for filing in Filing.objects.select_related("organisation__division"):
        for code in filing.codes:
            found[code] = filing.organisation.division.code[:6]
    return found


def breakdown(year: int | None = None) -> dict[str, dict[str, Decimal]]:
    """Concluded import trade (CNY) by mode, month, enterprise, county, origin country and HS
    chapter."""
    items = InventoryItem.objects.filter(inventory__in=concluded())
    if year is not None:
        items = items.filter(inventory__declared_on__year=year)
    counties = _county_of_codes()
    result: dict[str, dict[str, Decimal]] = {
        name: defaultdict(Decimal)
        for name in ("mode", "month", "enterprise", "county", "country", "chapter")
    }
    for row in items.values(
        "inventory__trade_mode",
        "inventory__declared_on",
        "inventory__ebc_code",
        "country",
        "gcode",
    ).annotate(value=Sum(net_value())):
        value = row["value"] or Decimal(0)
        result["mode"][row["inventory__trade_mode"]] += value
        result["month"][row["inventory__declared_on"].strftime("%Y-%m")] += value
        result["enterprise"][row["inventory__ebc_code"]] += value
        result["county"][counties.get(row["inventory__ebc_code"], "")] += value
        result["country"][row["country"]] += value
        result["chapter"][row["gcode"][:2]] += value
    return {name: dict(values) for name, values in result.items()}


def publish(today: datetime.date) -> int:
    derived_source_register(
        code=SOURCE,
        name_zh="跨境电商申报数据",
        name_en="Cross-border declarations",
        module="crossborder",
        citation="由海关审结、放行的进口清单及平台备案计算",
    )
    elements_define(
        ElementDefinition(
            code,
            name_zh,
            name_en,
            unit,
            value_type,
            "sum" if code == "CROSSBORDER_TRADE" else "last",
            "development",
        )
        for code, (name_zh, name_en, unit, value_type) in ELEMENTS.items()
    )
    city_division = Division.objects.filter(level=DivisionLevel.CITY).first()
    city = city_division.code if city_division else ""
    counties = _county_of_codes()
    firsts = [
        query.order_by("declared_on").values_list("declared_on", flat=True).first()
        for query in (concluded(), concluded_exports())
    ]
    first = min((day for day in firsts if day is not None), default=None)
    values: list[DerivedValue] = []
    # Every year from the first declaration to today, and the years that held figures before: a
    # cancelled or deleted declaration may leave a year with nothing to count, whose old trade
    # figures must go (missing, not zero) while its count of filed entities stays.
    years = {str(year) for year in range(first.year, today.year + 1)} if first else set()
    years |= set(
        DataValue.objects.filter(source__code=SOURCE)
        .order_by()
        .values_list("period", flat=True)
        .distinct()
    )
    rates = Rates()
    threshold = getattr(settings, "CROSSBORDER_LEADING_VALUE", None)
    for year in sorted(int(period) for period in years if period.isdecimal()):
        trades = concluded().filter(declared_on__year=year)
        value: dict[str, Decimal] = defaultdict(Decimal)
        by_firm: dict[str, Decimal] = defaultdict(Decimal)
        active: dict[str, set[str]] = defaultdict(set)
        modes: dict[str, set[str]] = defaultdict(set)
        exports = concluded_exports().filter(declared_on__year=year)
        rows = list(
            trades.values(
                "ebc_code", "ebp_code", "logistics_code", "trade_mode", "order_no"
            ).annotate(total=Sum(net_value("items__")))
        ) + _exports_in_yuan(exports, rates)
        for row in rows:
            total = row["total"] or Decimal(0)
            county = counties.get(row["ebc_code"], "")
            for unit in (unit for unit in (county, city) if unit):
                value[unit] += total
                modes[unit].add(row["trade_mode"])
                active[unit].update(
                    code
                    for code in (row["ebc_code"], row["ebp_code"], row["logistics_code"])
                    if code in counties
                )
            by_firm[row["ebc_code"]] += total
        for unit in value:
            values += [
                DerivedValue("CROSSBORDER_TRADE", str(year), unit, float(value[unit] / 10000)),
                DerivedValue("CROSSBORDER_ACTIVE_ENTITIES", str(year), unit, len(active[unit])),
                DerivedValue("CROSSBORDER_MODES_IN_USE", str(year), unit, len(modes[unit])),
            ]
        end = datetime.datetime(year, 12, 31, 23, 59, tzinfo=datetime.UTC)
        filed = Filing.objects.filter(status=FilingStatus.APPROVED, reviewed_at__lte=end).count()
        if city:
            values.append(DerivedValue("CROSSBORDER_ENTITIES", str(year), city, filed))
        if threshold is not None and city:
            leading = sum(1 for total in by_firm.values() if total >= Decimal(str(threshold)))
            values.append(DerivedValue("CROSSBORDER_LEADING_ENTERPRISES", str(year), city, leading))
    summary = derived_values_publish(
        source_code=SOURCE, elements=set(ELEMENTS), periods=years, values=values
    )
    return summary.imported + summary.updated + summary.deleted

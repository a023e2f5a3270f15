"""The figures the facility registries publish to the statistics hub, for any day.

Rules:
- a figure for a year is counted on 31 December of that year, the current year on the day of
  publishing; a record counts on a day when its period has started (or has no start) and has not
  ended;
- years run from the first dated record of the registry to the current year;
- a county's figure counts the records placed in it; the city's figure counts them all, except
  village and community coverage, which the city gets only in years in which every county with
  such units has records (a partial registry never poses as a total);
- rates are covered ÷ listed × 100, rounded to 2 decimals; no rate when nothing is listed;
- an element a plan already defines keeps the plan's definition; the others are defined here;
- a source replaces only its own values: the plan's baselines and the figures the city recorded
  stay.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr

from hanjiang.network.coverage import edition_for
from hanjiang.network.models import (
    OCCUPANCY_KINDS,
    ColdChainFacility,
    ExpressService,
    Park,
    ParkKind,
    ParkTenant,
    Platform,
    PlatformKind,
    PlatformPresence,
    ScenicSpot,
)
from hanjiang.network.registries import active
from hanjiang.registry.models import Division, DivisionKind, DivisionLevel
from hanjiang.reporting.publishing import (
    DerivedValue,
    ElementDefinition,
    derived_source_register,
    derived_values_publish,
    elements_define,
)

Figures = dict[str, dict[str, float | int | None]]  # unit code → element → value


@dataclass(frozen=True)
class Element:
    name_zh: str
    name_en: str
    unit_zh: str
    value_type: str  # integer, number, percentage

    @property
    def rate(self) -> bool:
        return self.value_type == "percentage"


@dataclass(frozen=True)
class Source:
    code: str
    name_zh: str
    name_en: str
    citation: str
    elements: dict[str, Element]
    dimension: str = "readiness"


def _ensure(source: Source) -> None:
    derived_source_register(
        code=source.code,
        name_zh=source.name_zh,
        name_en=source.name_en,
        module="network",
        citation=source.citation,
    )
    elements_define(
        ElementDefinition(
            code,
            spec.name_zh,
            spec.name_en,
            spec.unit_zh,
            "number" if spec.rate else spec.value_type,
            # Rates never add up across units; counts of things in service are stocks.
            "none" if spec.rate else "last",
            source.dimension,
        )
        for code, spec in source.elements.items()
    )


def publish_series(
    source: Source,
    first: datetime.date | None,
    today: datetime.date,
    compute: Callable[[datetime.date], Figures],
) -> int:
    """Publish `compute(day)` for each year from `first` to this year; the number of values added,
    changed or removed."""
    _ensure(source)
    values: list[DerivedValue] = []
    years: set[str] = set()
    if first is not None and first <= today:
        for year in range(first.year, today.year + 1):
            day = min(datetime.date(year, 12, 31), today)
            years.add(str(year))
            for unit, figures in compute(day).items():
                values.extend(
                    DerivedValue(
                        code,
                        str(year),
                        unit,
                        round(value, 2) if isinstance(value, float) else value,
                    )
                    for code, value in figures.items()
                    if value is not None
                )
    summary = derived_values_publish(
        source_code=source.code, elements=set(source.elements), periods=years, values=values
    )
    return summary.imported + summary.updated + summary.deleted


def _by_county(
    records: QuerySet[Any], path: str, **aggregates: object
) -> dict[str, dict[str, float]]:
    rows = records.values(county=Substr(path, 1, 6)).annotate(**aggregates).order_by()
    return {row.pop("county"): row for row in rows}


def _city_code() -> str | None:
    city = Division.objects.filter(level=DivisionLevel.CITY).first()
    return city.code if city else None


def _rate(part: float, whole: float) -> float | None:
    return 100 * part / whole if whole else None


def _first(*dates: datetime.date | None) -> datetime.date | None:
    known = [day for day in dates if day is not None]
    return min(known) if known else None


# Parks -------------------------------------------------------------------------------------------

PARKS = Source(
    code="network-parks",
    name_zh="电商园区名录",
    name_en="Park registry",
    citation="由园区及入驻企业名录按开园、入驻、迁出日期计算",
    dimension="development",
    elements={
        "PARK_OCCUPANCY_RATE": Element(
            "电商产业园电商企业入驻率", "Park occupancy", "%", "percentage"
        ),
        "ECOMMERCE_PARKS": Element(
            "电商产业园（基地）", "E-commerce parks and bases", "个", "integer"
        ),
        "PARK_RESIDENT_ENTERPRISES": Element(
            "电商产业园（基地）入驻企业", "Enterprises resident in parks", "家", "integer"
        ),
        "CROSSBORDER_PARKS": Element(
            "跨境电商产业园区", "Cross-border e-commerce parks", "个", "integer"
        ),
        "LOGISTICS_PARKS": Element("物流产业园", "Logistics parks", "家", "integer"),
    },
)


def park_figures(day: datetime.date) -> Figures:
    parks = active(Park.objects.all(), "opened_on", "closed_on", day)
    hosting = parks.filter(kind__in=OCCUPANCY_KINDS)
    counts = _by_county(
        parks,
        "division__code",
        ecommerce=Count("id", filter=Q(kind__in=OCCUPANCY_KINDS)),
        crossborder=Count("id", filter=Q(kind=ParkKind.CROSSBORDER_PARK)),
        logistics=Count("id", filter=Q(kind=ParkKind.LOGISTICS_PARK)),
        capacity=Sum("capacity", filter=Q(kind__in=OCCUPANCY_KINDS)),
    )
    residents = active(ParkTenant.objects.filter(park__in=hosting), "moved_in", "moved_out", day)
    resident = _by_county(
        residents,
        "park__division__code",
        enterprises=Count("organisation", distinct=True),
        counted=Count("id", filter=Q(park__capacity__isnull=False)),
    )
    opened = Park.objects.filter(opened_on__lte=day)
    known = {
        # An element counts parks of some kinds: it is known once the first of them opened.
        "ECOMMERCE_PARKS": opened.filter(kind__in=OCCUPANCY_KINDS).exists(),
        "CROSSBORDER_PARKS": opened.filter(kind=ParkKind.CROSSBORDER_PARK).exists(),
        "LOGISTICS_PARKS": opened.filter(kind=ParkKind.LOGISTICS_PARK).exists(),
    }
    known["PARK_RESIDENT_ENTERPRISES"] = known["PARK_OCCUPANCY_RATE"] = known["ECOMMERCE_PARKS"]
    figures: Figures = {}
    for county, row in counts.items():
        present = resident.get(county, {})
        figures[county] = {
            "ECOMMERCE_PARKS": row["ecommerce"],
            "CROSSBORDER_PARKS": row["crossborder"],
            "LOGISTICS_PARKS": row["logistics"],
            "PARK_RESIDENT_ENTERPRISES": present.get("enterprises", 0),
            "PARK_OCCUPANCY_RATE": _rate(present.get("counted", 0), row["capacity"] or 0),
        }
    city = _city_code()
    if figures and city:
        total_capacity = sum(row["capacity"] or 0 for row in counts.values())
        figures[city] = {
            "ECOMMERCE_PARKS": sum(f["ECOMMERCE_PARKS"] or 0 for f in figures.values()),
            "CROSSBORDER_PARKS": sum(f["CROSSBORDER_PARKS"] or 0 for f in figures.values()),
            "LOGISTICS_PARKS": sum(f["LOGISTICS_PARKS"] or 0 for f in figures.values()),
            "PARK_RESIDENT_ENTERPRISES": residents.values("organisation").distinct().count(),
            "PARK_OCCUPANCY_RATE": _rate(
                sum(row.get("counted", 0) for row in resident.values()), total_capacity
            ),
        }
    return {
        unit: {code: value for code, value in values.items() if known[code]}
        for unit, values in figures.items()
    }


def parks_publish(today: datetime.date) -> int:
    first = _first(Park.objects.order_by("opened_on").values_list("opened_on", flat=True).first())
    return publish_series(PARKS, first, today, park_figures)


# Express and postal services ---------------------------------------------------------------------

EXPRESS = Source(
    code="network-express",
    name_zh="快递进村名录",
    name_en="Village express service registry",
    citation="由各行政村快递、邮政服务名录按起止日期计算",
    elements={
        "VILLAGE_EXPRESS_COVERAGE": Element(
            "快递服务行政村（建制村）覆盖率", "Village express coverage", "%", "percentage"
        ),
        "COMMUNITY_EXPRESS_COVERAGE": Element(
            "社区快递服务覆盖率", "Community express coverage", "%", "percentage"
        ),
        "VILLAGE_POSTAL_COVERAGE": Element(
            "邮政服务行政村覆盖率", "Village postal coverage", "%", "percentage"
        ),
        "EXPRESS_SERVED_VILLAGES": Element(
            "通快递的行政村", "Administrative villages with express service", "个", "integer"
        ),
    },
)


def _listed(kind: str, year: int) -> dict[str, int]:
    rows = (
        Division.objects.filter(kind=kind, editions__year=edition_for(year))
        .values(county=Substr("code", 1, 6))
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["county"]: row["n"] for row in rows}


def active_services(day: datetime.date) -> QuerySet[ExpressService]:
    return active(ExpressService.objects.all(), "since", "until", day)


def express_figures(day: datetime.date) -> Figures:
    services = active_services(day).filter(village__editions__year=edition_for(day.year))
    served = _by_county(
        services,
        "village__code",
        villages=Count("village", filter=Q(village__kind=DivisionKind.VILLAGE), distinct=True),
        communities=Count("village", filter=Q(village__kind=DivisionKind.COMMUNITY), distinct=True),
        postal=Count(
            "village",
            filter=Q(village__kind=DivisionKind.VILLAGE, carrier__postal=True),
            distinct=True,
        ),
    )
    villages = _listed(DivisionKind.VILLAGE, day.year)
    communities = _listed(DivisionKind.COMMUNITY, day.year)
    started = ExpressService.objects.filter(since__lte=day)
    # A county's coverage of a kind of unit is known once its records of that kind begin.
    recorded = _counties(started.filter(village__kind=DivisionKind.VILLAGE))
    recorded_communities = _counties(started.filter(village__kind=DivisionKind.COMMUNITY))
    recorded_postal = _counties(
        started.filter(village__kind=DivisionKind.VILLAGE, carrier__postal=True)
    )
    figures: Figures = {}
    for county in sorted(recorded | recorded_communities):
        row = served.get(county, {})
        figures[county] = {
            "VILLAGE_EXPRESS_COVERAGE": _rate(row.get("villages", 0), villages.get(county, 0))
            if county in recorded
            else None,
            "COMMUNITY_EXPRESS_COVERAGE": _rate(
                row.get("communities", 0), communities.get(county, 0)
            )
            if county in recorded_communities
            else None,
            "VILLAGE_POSTAL_COVERAGE": _rate(row.get("postal", 0), villages.get(county, 0))
            if county in recorded_postal
            else None,
            "EXPRESS_SERVED_VILLAGES": row.get("villages", 0) if county in recorded else None,
        }
    city = _city_code()
    if city:
        total = {
            key: sum(row.get(key, 0) for row in served.values())
            for key in ("villages", "communities", "postal")
        }
        complete = set(villages) <= recorded
        figures[city] = {
            "VILLAGE_EXPRESS_COVERAGE": _rate(total["villages"], sum(villages.values()))
            if complete
            else None,
            "COMMUNITY_EXPRESS_COVERAGE": _rate(total["communities"], sum(communities.values()))
            if set(communities) <= recorded_communities
            else None,
            "VILLAGE_POSTAL_COVERAGE": _rate(total["postal"], sum(villages.values()))
            if set(villages) <= recorded_postal
            else None,
            "EXPRESS_SERVED_VILLAGES": total["villages"] if complete else None,
        }
    return figures


def _counties(records: QuerySet[Any]) -> set[str]:
    return set(records.values_list(Substr("village__code", 1, 6), flat=True).distinct())


def express_publish(today: datetime.date) -> int:
    first = ExpressService.objects.order_by("since").values_list("since", flat=True).first()
    return publish_series(EXPRESS, first, today, express_figures)


# Cold chain --------------------------------------------------------------------------------------

COLD_CHAIN = Source(
    code="network-cold-chain",
    name_zh="冷链设施名录",
    name_en="Cold-chain facility registry",
    citation="由冷链设施名录按投用、停用日期计算",
    elements={
        "COLD_CHAIN_FACILITIES": Element("冷链设施", "Cold-chain facilities", "个", "integer"),
        "COLD_CHAIN_CAPACITY": Element("冷链设施库容", "Cold-chain capacity", "吨", "number"),
        "COLD_CHAIN_TOWNSHIP_COVERAGE": Element(
            "冷链设施乡镇覆盖率", "Townships with a cold-chain facility", "%", "percentage"
        ),
    },
)


def cold_chain_figures(day: datetime.date) -> Figures:
    facilities = active(ColdChainFacility.objects.all(), "opened_on", "closed_on", day)
    counts = _by_county(
        facilities, "division__code", count=Count("id"), capacity=Sum("capacity_tonnes")
    )
    edition = edition_for(day.year)
    townships = {
        row["county"]: row["n"]
        for row in Division.objects.filter(
            kind__in=[DivisionKind.TOWN, DivisionKind.TOWNSHIP], editions__year=edition
        )
        .values(county=Substr("code", 1, 6))
        .annotate(n=Count("id"))
        .order_by()
    }
    listed_towns = set(
        Division.objects.filter(
            kind__in=[DivisionKind.TOWN, DivisionKind.TOWNSHIP], editions__year=edition
        ).values_list("code", flat=True)
    )
    # A town or township is covered by a facility in it or in one of its villages.
    in_towns = _by_county(
        facilities.filter(
            Q(division__code__in=listed_towns) | Q(division__parent__code__in=listed_towns)
        ),
        "division__code",
        townships=Count(Substr("division__code", 1, 9), distinct=True),
    )
    figures: Figures = {}
    for county, row in counts.items():
        figures[county] = {
            "COLD_CHAIN_FACILITIES": row["count"],
            "COLD_CHAIN_CAPACITY": float(row["capacity"]) if row["capacity"] is not None else None,
            "COLD_CHAIN_TOWNSHIP_COVERAGE": _rate(
                in_towns.get(county, {}).get("townships", 0), townships.get(county, 0)
            ),
        }
    city = _city_code()
    if figures and city:
        capacities = [row["capacity"] for row in counts.values() if row["capacity"] is not None]
        figures[city] = {
            "COLD_CHAIN_FACILITIES": sum(row["count"] for row in counts.values()),
            "COLD_CHAIN_CAPACITY": float(sum(capacities)) if capacities else None,
            "COLD_CHAIN_TOWNSHIP_COVERAGE": None,
        }
    return figures


def cold_chain_publish(today: datetime.date) -> int:
    first = ColdChainFacility.objects.order_by("opened_on").values_list("opened_on", flat=True)
    return publish_series(COLD_CHAIN, first.first(), today, cold_chain_figures)


# Scenic spots ------------------------------------------------------------------------------------

SCENIC = Source(
    code="network-scenic",
    name_zh="A 级景区名录",
    name_en="A-level scenic spot registry",
    citation="由 A 级景区名录及其上线平台记录计算",
    dimension="development",
    elements={
        "A_LEVEL_SCENIC_ONLINE_COVERAGE": Element(
            "A 级景区上线覆盖率", "A-level scenic spots online", "%", "percentage"
        ),
        "A_LEVEL_SCENIC_SPOTS": Element("A 级景区", "A-level scenic spots", "个", "integer"),
        "A_LEVEL_SCENIC_SPOTS_ONLINE": Element(
            "已上线的 A 级景区", "A-level scenic spots online (count)", "个", "integer"
        ),
    },
)


def scenic_figures(day: datetime.date) -> Figures:
    spots = active(ScenicSpot.objects.all(), "graded_on", "delisted_on", day)
    online_ids = active(
        PlatformPresence.objects.filter(scenic_spot__in=spots), "since", "until", day
    ).values("scenic_spot")
    rows = _by_county(
        spots,
        "division__code",
        spots=Count("id"),
        online=Count("id", filter=Q(pk__in=online_ids)),
    )
    figures: Figures = {
        county: {
            "A_LEVEL_SCENIC_SPOTS": row["spots"],
            "A_LEVEL_SCENIC_SPOTS_ONLINE": row["online"],
            "A_LEVEL_SCENIC_ONLINE_COVERAGE": _rate(row["online"], row["spots"]),
        }
        for county, row in rows.items()
    }
    city = _city_code()
    if figures and city:
        total = sum(row["spots"] for row in rows.values())
        online = sum(row["online"] for row in rows.values())
        figures[city] = {
            "A_LEVEL_SCENIC_SPOTS": total,
            "A_LEVEL_SCENIC_SPOTS_ONLINE": online,
            "A_LEVEL_SCENIC_ONLINE_COVERAGE": _rate(online, total),
        }
    return figures


def scenic_publish(today: datetime.date) -> int:
    if not ScenicSpot.objects.exists():
        return publish_series(SCENIC, None, today, scenic_figures)
    first = _first(
        ScenicSpot.objects.filter(graded_on__isnull=False)
        .order_by("graded_on")
        .values_list("graded_on", flat=True)
        .first(),
        PlatformPresence.objects.filter(scenic_spot__isnull=False)
        .order_by("since")
        .values_list("since", flat=True)
        .first(),
        today,
    )
    return publish_series(SCENIC, first, today, scenic_figures)


# Platforms ---------------------------------------------------------------------------------------

PLATFORMS = Source(
    code="network-platforms",
    name_zh="电商平台名录",
    name_en="Platform registry",
    citation="由平台名录及本地企业入驻记录计算",
    elements={
        "TRADING_PLATFORMS_ENTERED": Element(
            "入驻大型第三方交易平台和行业垂直门户数",
            "Large third-party platforms entered",
            "个",
            "integer",
        ),
        "LOCAL_TRADING_PLATFORMS": Element(
            "上线本地交易平台和行业垂直门户数", "Local platforms launched", "个", "integer"
        ),
        "PLATFORM_ENTERPRISES": Element(
            "入驻电商平台的本地企业", "Local enterprises on platforms", "家", "integer"
        ),
    },
)


def platform_figures(day: datetime.date) -> Figures:
    city = _city_code()
    if city is None:
        return {}
    present = active(
        PlatformPresence.objects.filter(organisation__isnull=False), "since", "until", day
    )
    entered = (
        active(
            Platform.objects.filter(kind=PlatformKind.THIRD_PARTY), "launched_on", "closed_on", day
        )
        .filter(pk__in=present.values("platform"))
        .count()
    )
    local = active(
        Platform.objects.filter(kind=PlatformKind.LOCAL), "launched_on", "closed_on", day
    ).count()
    return {
        city: {
            "TRADING_PLATFORMS_ENTERED": entered,
            "LOCAL_TRADING_PLATFORMS": local,
            "PLATFORM_ENTERPRISES": present.values("organisation").distinct().count(),
        }
    }


def platforms_publish(today: datetime.date) -> int:
    first = _first(
        Platform.objects.order_by("launched_on")
        .filter(launched_on__isnull=False)
        .values_list("launched_on", flat=True)
        .first(),
        PlatformPresence.objects.order_by("since").values_list("since", flat=True).first(),
    )
    return publish_series(PLATFORMS, first, today, platform_figures)


def presences_publish(today: datetime.date) -> int:
    return platforms_publish(today) + scenic_publish(today)


def facilities_publish(today: datetime.date) -> int:
    """Publish every facility registry's figures (after a load, and by `load_network`)."""
    return (
        parks_publish(today)
        + express_publish(today)
        + cold_chain_publish(today)
        + scenic_publish(today)
        + platforms_publish(today)
    )


@dataclass(frozen=True)
class TownshipRow:
    township: Division
    villages: int
    with_point: int
    with_express: int
    stations: int
    cold_chain: int

    @property
    def point_rate(self) -> float | None:
        return _rate(self.with_point, self.villages)

    @property
    def express_rate(self) -> float | None:
        return _rate(self.with_express, self.villages)


def _per_township(
    records: QuerySet[Any], path: str, **aggregates: object
) -> dict[str, dict[str, int]]:
    rows = records.values(township=Substr(path, 1, 9)).annotate(**aggregates).order_by()
    return {row.pop("township"): row for row in rows}


def township_table(prefix: str, day: datetime.date) -> list[TownshipRow]:
    """Per township of the territory `prefix` (a county's 6 digits, or "" for the city): its
    administrative villages, those with a village point and with express service on the day,
    its township stations and cold-chain facilities (its villages' included)."""
    from hanjiang.network.coverage import active_on
    from hanjiang.network.models import StationLevel

    edition = edition_for(day.year)
    villages = _per_township(
        Division.objects.filter(
            code__startswith=prefix, kind=DivisionKind.VILLAGE, editions__year=edition
        ),
        "code",
        n=Count("id"),
    )
    stations = active_on(day).filter(division__code__startswith=prefix)
    points = _per_township(
        stations.filter(level=StationLevel.VILLAGE_POINT, division__kind=DivisionKind.VILLAGE),
        "division__code",
        n=Count("division", distinct=True),
    )
    township_stations = _per_township(
        stations.filter(level=StationLevel.TOWNSHIP_STATION), "division__code", n=Count("id")
    )
    express = _per_township(
        active(
            ExpressService.objects.filter(
                village__code__startswith=prefix, village__kind=DivisionKind.VILLAGE
            ),
            "since",
            "until",
            day,
        ),
        "village__code",
        n=Count("village", distinct=True),
    )
    cold = _per_township(
        active(
            ColdChainFacility.objects.filter(division__code__startswith=prefix).exclude(
                division__level=DivisionLevel.COUNTY
            ),
            "opened_on",
            "closed_on",
            day,
        ),
        "division__code",
        n=Count("id"),
    )
    townships = Division.objects.filter(
        code__startswith=prefix, level=DivisionLevel.TOWNSHIP, editions__year=edition
    ).order_by("code")
    return [
        TownshipRow(
            township=township,
            villages=villages.get(township.code[:9], {}).get("n", 0),
            with_point=points.get(township.code[:9], {}).get("n", 0),
            with_express=express.get(township.code[:9], {}).get("n", 0),
            stations=township_stations.get(township.code[:9], {}).get("n", 0),
            cold_chain=cold.get(township.code[:9], {}).get("n", 0),
        )
        for township in townships
    ]

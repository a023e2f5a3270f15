"""Coverage of townships and villages by the station registry, for any date, and the figures
published to the statistics hub.

Rules:
- a station counts on a day when it opened on or before that day and had not closed;
- a township is covered when it has a township station in service, a village when it has a
  village service point in service;
- denominators from the division list: the towns and townships (镇, 乡; not 街道 or special
  areas) and the administrative villages (村委会) of the NBS edition in force — 2020 for
  2020–2022, 2023 from 2023;
- denominators as the plan used them: count ÷ stated rate in 表2-2 (shipped in
  data/table-2-2.csv), kept as a sourced figure and never substituted for the other;
- publishing: a county's figures are published for each year from the year its first named
  station opened (before that, the plan's 2020 counts stand); the city's only for years in
  which every county of 表2-2 has named stations — a partial registry never poses as a total.
"""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass
from pathlib import Path

from django.db.models import Count, Min, Q, QuerySet

from hanjiang.network.models import CoverageDenominator, Station, StationLevel
from hanjiang.registry.models import Division, DivisionKind, DivisionLevel
from hanjiang.reporting.publishing import (
    DerivedValue,
    ElementDefinition,
    derived_source_register,
    derived_values_publish,
    elements_define,
)

TABLE_2_2 = Path(__file__).resolve().parent / "data" / "table-2-2.csv"
SOURCE = "network-stations"
ELEMENTS = {
    "COUNTY_ECOMMERCE_CENTERS": (
        "县级电商公共服务中心数量",
        "County e-commerce centres",
        "个",
        "integer",
    ),
    "TOWNSHIP_SERVICE_STATIONS": ("乡镇电商服务站数量", "Township stations", "个", "integer"),
    "VILLAGE_SERVICE_POINTS": ("村级电商服务点数量", "Village service points", "个", "integer"),
    "TOWNSHIP_SERVICE_COVERAGE": (
        "乡镇电商服务站覆盖率",
        "Township station coverage",
        "%",
        "percentage",
    ),
    "VILLAGE_SERVICE_COVERAGE": (
        "村级电商服务点覆盖率",
        "Village service point coverage",
        "%",
        "percentage",
    ),
}


def edition_for(year: int) -> int:
    return 2023 if year >= 2023 else 2020


def active_on(day: datetime.date) -> QuerySet[Station]:
    return Station.objects.filter(opened_on__lte=day).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=day)
    )


@dataclass(frozen=True)
class CountyCoverage:
    county: Division
    centres: int
    stations: int
    points: int
    townships_covered: int
    villages_covered: int
    townships_listed: int
    villages_listed: int
    plan_townships: float | None
    plan_villages: float | None

    @staticmethod
    def _rate(part: int, whole: float | None) -> float | None:
        return 100 * part / whole if whole else None

    @property
    def township_rate(self) -> float | None:
        return self._rate(self.townships_covered, self.townships_listed)

    @property
    def village_rate(self) -> float | None:
        return self._rate(self.villages_covered, self.villages_listed)

    @property
    def township_rate_plan_basis(self) -> float | None:
        return self._rate(self.townships_covered, self.plan_townships)

    @property
    def village_rate_plan_basis(self) -> float | None:
        return self._rate(self.villages_covered, self.plan_villages)


def listed_units(county: Division, year: int) -> tuple[int, int]:
    """(towns and townships, administrative villages) of the county in the year's edition."""
    under = Division.objects.filter(
        code__startswith=county.territory_prefix, editions__year=edition_for(year)
    )
    counts = under.aggregate(
        townships=Count("id", filter=Q(kind__in=[DivisionKind.TOWN, DivisionKind.TOWNSHIP])),
        villages=Count("id", filter=Q(kind=DivisionKind.VILLAGE)),
    )
    return counts["townships"], counts["villages"]


def plan_denominators(county: Division, year: int) -> tuple[float | None, float | None]:
    found = {
        item.level: item.value
        for item in CoverageDenominator.objects.filter(county=county)
        .filter(year__lte=year)
        .order_by("year")
    }
    return found.get(StationLevel.TOWNSHIP_STATION), found.get(StationLevel.VILLAGE_POINT)


def county_coverage(county: Division, day: datetime.date) -> CountyCoverage:
    stations = active_on(day).filter(division__code__startswith=county.territory_prefix)
    counts = stations.aggregate(
        centres=Count("id", filter=Q(level=StationLevel.COUNTY_CENTRE)),
        stations=Count("id", filter=Q(level=StationLevel.TOWNSHIP_STATION)),
        points=Count("id", filter=Q(level=StationLevel.VILLAGE_POINT)),
        # Only the units the denominators count can be covered: towns and townships, and
        # administrative villages (a station in a subdistrict or a community is counted but
        # covers no township or village).
        townships=Count(
            "division",
            filter=Q(
                level=StationLevel.TOWNSHIP_STATION,
                division__kind__in=[DivisionKind.TOWN, DivisionKind.TOWNSHIP],
            ),
            distinct=True,
        ),
        villages=Count(
            "division",
            filter=Q(level=StationLevel.VILLAGE_POINT, division__kind=DivisionKind.VILLAGE),
            distinct=True,
        ),
    )
    townships, villages = listed_units(county, day.year)
    plan_townships, plan_villages = plan_denominators(county, day.year)
    return CountyCoverage(
        county=county,
        centres=counts["centres"],
        stations=counts["stations"],
        points=counts["points"],
        townships_covered=counts["townships"],
        villages_covered=counts["villages"],
        townships_listed=townships,
        villages_listed=villages,
        plan_townships=plan_townships,
        plan_villages=plan_villages,
    )


def load_plan_denominators() -> int:
    """Store the denominators 表2-2's rates imply, as sourced figures (idempotent)."""
    count = 0
    with TABLE_2_2.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            county = Division.objects.get(code=row["county_code"].ljust(12, "0"))
            for level, part, rate in (
                (
                    StationLevel.TOWNSHIP_STATION,
                    row["township_stations"],
                    row["township_coverage_percent"],
                ),
                (
                    StationLevel.VILLAGE_POINT,
                    row["village_points"],
                    row["village_coverage_percent"],
                ),
            ):
                value = round(int(part) / (float(rate) / 100), 1)
                CoverageDenominator.objects.update_or_create(
                    county=county,
                    year=2020,
                    level=level,
                    defaults={
                        "value": value,
                        "source": f"{row['source']}：{part} ÷ {rate}%（由规划数字推算）",
                    },
                )
                count += 1
    return count


def table_counties() -> list[str]:
    with TABLE_2_2.open(encoding="utf-8", newline="") as handle:
        return [row["county_code"].ljust(12, "0") for row in csv.DictReader(handle)]


def coverage_publish(today: datetime.date) -> int:
    """Publish the registry's figures for every year it covers (see the module's rules)."""
    derived_source_register(
        code=SOURCE,
        name_zh="电商服务站点名录",
        name_en="Service station registry",
        module="network",
        citation="由站点名录按开业、关闭日期计算",
    )
    elements_define(
        ElementDefinition(
            code,
            name_zh,
            name_en,
            unit,
            value_type if value_type != "percentage" else "number",
            # Rates never add up across units; counts of stations in service are stocks.
            "none" if value_type == "percentage" else "last",
            "readiness",
        )
        for code, (name_zh, name_en, unit, value_type) in ELEMENTS.items()
    )
    firsts = {
        row["prefix"]: row["first"]
        for row in Station.objects.values(prefix=_county_prefix())
        .annotate(first=Min("opened_on"))
        .order_by()
    }
    counties = {
        county.code: county
        for county in Division.objects.filter(level=DivisionLevel.COUNTY).order_by("code")
    }
    values: list[DerivedValue] = []
    years: set[str] = set()
    if firsts:
        first_year = min(firsts.values()).year
        for year in range(first_year, today.year + 1):
            day = min(datetime.date(year, 12, 31), today)
            years.add(str(year))
            city_parts: list[CountyCoverage] = []
            for code, county in counties.items():
                started = firsts.get(code[:6])
                if started is None or started.year > year:
                    continue
                coverage = county_coverage(county, day)
                city_parts.append(coverage)
                values.extend(_values(coverage, county.code, str(year)))
            required = set(table_counties())
            if required <= {part.county.code for part in city_parts}:
                city = Division.objects.get(level=DivisionLevel.CITY)
                values.extend(_city_values(city_parts, city.code, str(year)))
    summary = derived_values_publish(
        source_code=SOURCE, elements=set(ELEMENTS), periods=years, values=values
    )
    return summary.imported + summary.updated + summary.deleted


def _county_prefix() -> object:
    from django.db.models.functions import Substr

    return Substr("division__code", 1, 6)


def _values(coverage: CountyCoverage, unit: str, period: str) -> list[DerivedValue]:
    figures = {
        "COUNTY_ECOMMERCE_CENTERS": coverage.centres,
        "TOWNSHIP_SERVICE_STATIONS": coverage.stations,
        "VILLAGE_SERVICE_POINTS": coverage.points,
        "TOWNSHIP_SERVICE_COVERAGE": coverage.township_rate,
        "VILLAGE_SERVICE_COVERAGE": coverage.village_rate,
    }
    return [
        DerivedValue(code, period, unit, round(value, 2) if isinstance(value, float) else value)
        for code, value in figures.items()
        if value is not None
    ]


def _city_values(parts: list[CountyCoverage], unit: str, period: str) -> list[DerivedValue]:
    townships = sum(part.townships_listed for part in parts)
    villages = sum(part.villages_listed for part in parts)
    figures: dict[str, float | int | None] = {
        "COUNTY_ECOMMERCE_CENTERS": sum(part.centres for part in parts),
        "TOWNSHIP_SERVICE_STATIONS": sum(part.stations for part in parts),
        "VILLAGE_SERVICE_POINTS": sum(part.points for part in parts),
        "TOWNSHIP_SERVICE_COVERAGE": 100 * sum(p.townships_covered for p in parts) / townships
        if townships
        else None,
        "VILLAGE_SERVICE_COVERAGE": 100 * sum(p.villages_covered for p in parts) / villages
        if villages
        else None,
    }
    return [
        DerivedValue(code, period, unit, round(value, 2) if isinstance(value, float) else value)
        for code, value in figures.items()
        if value is not None
    ]

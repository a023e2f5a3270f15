"""Reads for the reporting pages and API: entry grids, reports, figures and indicators."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import Scope
from hanjiang.core.periods import Period, PeriodType
from hanjiang.registry.models import Division, Organisation
from hanjiang.reporting.aggregation import (
    LEVEL_PREFIX,
    VALUE_COLUMNS,
    IndicatorSpec,
    aggregate,
    evaluate_indicators,
)
from hanjiang.reporting.models import (
    DataElement,
    DataSet,
    DataValue,
    Indicator,
    ReportingUnits,
    Submission,
    SubmissionStatus,
)
from hanjiang.reporting.workflow import due_date, expected_units


@dataclass(frozen=True)
class EntryCell:
    element: DataElement
    option_code: str
    option_name: str
    value: str
    comment: str
    explanation: str

    @property
    def field_name(self) -> str:
        return f"v:{self.element.code}:{self.option_code}"


def entry_cells(data_set: DataSet, period: Period, unit: str) -> list[EntryCell]:
    """One cell per element (per option for a disaggregated element), with stored values."""
    stored = {
        (element_id, option): (value, comment, explanation)
        for element_id, option, value, comment, explanation in DataValue.objects.filter(
            org_unit=unit, period=period.code
        ).values_list("element_id", "category_option", "value", "comment", "explanation")
    }
    cells = []
    members = data_set.members.select_related("element__category").prefetch_related(
        "element__category__options"
    )
    for member in members:
        element = member.element
        options = (
            [(option.code, option.name_zh) for option in element.category.options.all()]
            if element.category
            else [("", "")]
        )
        for code, name in options:
            value, comment, explanation = stored.get((element.pk, code), ("", "", ""))
            cells.append(EntryCell(element, code, name, value, comment, explanation))
    return cells


def reporting_units_for(scope: Scope, data_set: DataSet) -> list[tuple[str, str]]:
    units = expected_units(data_set)
    if scope.reads_everything:
        return units
    if scope.role == Role.COUNTY_OFFICER and scope.county_prefix:
        if data_set.reporting_units == ReportingUnits.ORGANISATIONS:
            codes = set(
                Organisation.objects.filter(
                    division__code__startswith=scope.county_prefix
                ).values_list("uscc", flat=True)
            )
            return [unit for unit in units if unit[0] in codes]
        return [unit for unit in units if unit[0].startswith(scope.county_prefix)]
    if scope.role == Role.ENTERPRISE and scope.organisation_id:
        own = Organisation.objects.filter(pk=scope.organisation_id).values_list("uscc", flat=True)
        return [unit for unit in units if unit[0] in set(own)]
    return []


def recent_periods(period_type: str, today: datetime.date, count: int = 6) -> list[Period]:
    """The last `count` ended periods of a type, newest first."""
    current = {
        PeriodType.YEARLY: Period.year(today.year),
        PeriodType.QUARTERLY: Period.quarter(today.year, (today.month - 1) // 3 + 1),
        PeriodType.MONTHLY: Period.month(today.year, today.month),
    }[PeriodType(period_type)]
    return [current.shift(-step) for step in range(1, count + 1)]


@dataclass(frozen=True)
class ReportStatus:
    data_set: DataSet
    period: Period
    unit: str
    unit_name: str
    status: str
    due: datetime.date
    submission: Submission | None


def report_statuses(scope: Scope, today: datetime.date | None = None) -> list[ReportStatus]:
    """Each report the scope's units owe for recent periods, with its status."""
    today = today or timezone.localdate()
    result = []
    for data_set in DataSet.objects.order_by("code"):
        if data_set.code.startswith("SYNTH"):
            continue
        units = reporting_units_for(scope, data_set)
        if not units:
            continue
        periods = recent_periods(data_set.period_type, today, 4)
        submissions = {
            (submission.period, submission.org_unit): submission
            for submission in Submission.objects.filter(
                data_set=data_set, period__in=[period.code for period in periods]
            )
        }
        for period in periods:
            for code, name in units:
                submission = submissions.get((period.code, code))
                status = submission.status if submission else SubmissionStatus.OPEN
                result.append(
                    ReportStatus(
                        data_set, period, code, name, status, due_date(data_set, period), submission
                    )
                )
    return result


def overdue_reports(today: datetime.date | None = None) -> list[ReportStatus]:
    """Reports past their due date and not submitted, across the city."""
    today = today or timezone.localdate()
    everything = Scope(role=Role.CITY_ADMIN)
    return [
        report
        for report in report_statuses(everything, today)
        if report.due < today
        and report.status in {SubmissionStatus.OPEN, SubmissionStatus.RETURNED}
    ]


def values_frame(values: QuerySet[DataValue]) -> pl.DataFrame:
    rows = values.values_list(
        "element_id",
        "period",
        "period_type",
        "division_code",
        "category_option",
        "number",
        "org_unit",
    )
    return pl.DataFrame(
        [(*row[:6], row[6] == row[3]) for row in rows], schema=VALUE_COLUMNS, orient="row"
    )


@dataclass(frozen=True)
class Figure:
    code: str
    name: str
    unit: str
    value: float | None
    kind: str  # element or indicator
    dimension: str
    decimals: int


def unit_figures(unit: Division, period: Period) -> list[Figure]:
    """Every element figure and indicator of a division for a period, aggregated from below."""
    level = unit.level if unit.level in LEVEL_PREFIX else "county"
    prefix = unit.territory_prefix
    values = values_frame(
        DataValue.objects.filter(
            division_code__startswith=prefix, period__startswith=str(period.start.year)
        )
    )
    elements = list(
        DataElement.objects.exclude(code__startswith="SYNTH").order_by("dimension", "code")
    )
    aggregation = {element.pk: element.aggregation for element in elements}
    figures = aggregate(values, aggregation, period_type=period.type.value, level=level)
    mine = figures.filter((pl.col("unit") == unit.code) & (pl.col("period") == period.code))
    numbers = dict(zip(mine["element_id"].to_list(), mine["number"].to_list(), strict=True))
    indicators = list(Indicator.objects.order_by("dimension", "code"))
    specs = [IndicatorSpec(i.code, i.numerator, i.denominator, i.factor) for i in indicators]
    indicator_values = evaluate_indicators(mine, specs, {e.code: e.pk for e in elements})
    by_indicator = dict(
        zip(
            indicator_values["indicator"].to_list(),
            indicator_values["value"].to_list(),
            strict=True,
        )
    )
    result = [
        Figure(e.code, e.name_zh, e.unit_zh, numbers.get(e.pk), "element", e.dimension, 2)
        for e in elements
    ]
    result += [
        Figure(
            i.code,
            i.name_zh,
            i.unit_zh,
            by_indicator.get(i.code),
            "indicator",
            i.dimension,
            i.decimals,
        )
        for i in indicators
    ]
    return result


def figure_table(period: Period, level: str, codes: list[str]) -> dict[str, dict[str, Any]]:
    """{unit code: {element or indicator code: value}} for every unit of `level`."""
    values = values_frame(DataValue.objects.filter(period__startswith=str(period.start.year)))
    elements = list(DataElement.objects.all())
    aggregation = {element.pk: element.aggregation for element in elements}
    figures = aggregate(values, aggregation, period_type=period.type.value, level=level).filter(
        pl.col("period") == period.code
    )
    by_id = {element.pk: element.code for element in elements}
    table: dict[str, dict[str, Any]] = {}
    for element_id, _period, unit, number in figures.iter_rows():
        table.setdefault(unit, {})[by_id[element_id]] = number
    specs = [
        IndicatorSpec(i.code, i.numerator, i.denominator, i.factor)
        for i in Indicator.objects.filter(code__in=codes)
    ]
    for indicator, _period, unit, value in evaluate_indicators(
        figures, specs, {e.code: e.pk for e in elements}
    ).iter_rows():
        table.setdefault(unit, {})[indicator] = value
    return table


@dataclass(frozen=True)
class SeriesPoint:
    year: int
    value: float | None
    text: str
    source: str
    citation: str
    updated_at: datetime.datetime | None


def yearly_series(
    *, element_code: str = "", indicator_code: str = "", unit_code: str
) -> list[SeriesPoint]:
    """A figure's yearly series for a division: values stored for the division itself (as
    published or reported, with their source) and, for other years, the total of what its
    units reported, aggregated by the element's rules."""
    return yearly_series_many([(element_code, indicator_code)], unit_code=unit_code)[0]


def yearly_series_many(
    measures: Sequence[tuple[str, str]], *, unit_code: str
) -> list[list[SeriesPoint]]:
    """`yearly_series` of several figures, each (element code, indicator code), for one
    division; the division, the elements and their data sets are read once for all."""
    division = Division.objects.filter(code=unit_code).first()
    if division is None:
        return [[] for _measure in measures]
    elements = {e.code: e for e in DataElement.objects.prefetch_related("data_sets")}
    return [
        _indicator_series(indicator_code, division, elements)
        if indicator_code
        else _element_series(elements[element_code], division)
        if element_code in elements
        else []
        for element_code, indicator_code in measures
    ]


def _element_series(element: DataElement, division: Division) -> list[SeriesPoint]:
    points: dict[int, SeriesPoint] = {}
    values = _with_approval(DataValue.objects.filter(element=element))
    # Reported figures count once the city has approved their report; drafts never do.
    direct = (
        values.filter(org_unit=division.code, period_type="yearly")
        .filter(~Q(source__kind="entry") | Q(approved=True))
        .select_related("source")
    )
    for value in direct:
        year = int(value.period)
        points[year] = SeriesPoint(
            year, value.number, value.value, value.source.name_zh, value.comment, value.updated_at
        )
    # Only approved reports add up from below; a published or derived figure counts where it
    # is stored (a registry's county figures never pose as the city's total).
    frame = values_frame(
        values.filter(
            Q(approved=True),
            division_code__startswith=division.territory_prefix,
            source__kind="entry",
        )
    )
    reported_years = {period[:4] for period in frame["period"].to_list()}
    level = division.level if division.level in LEVEL_PREFIX else "county"
    figures = aggregate(frame, {element.pk: element.aggregation}, period_type="yearly", level=level)
    complete = _complete_years(element, division)
    for _element_id, period, _unit, number in figures.filter(
        pl.col("unit") == division.code
    ).iter_rows():
        year = int(period)
        if period in reported_years and year not in complete:
            # Some units have not reported (or not been approved) for this year: a partial sum
            # must not pose as the total.
            continue
        if year not in points:
            points[year] = SeriesPoint(year, number, f"{number:g}", AGGREGATED_SOURCE, "", None)
    return [points[year] for year in sorted(points)]


AGGREGATED_SOURCE = "汇总自各单位填报数据（已审核）"


def _with_approval(values: QuerySet[DataValue]) -> QuerySet[DataValue]:
    """Mark each value with whether an approved report of one of its element's data sets
    covers its period and unit (the database decides, row by row, without loading them)."""
    approved = Submission.objects.filter(
        status=SubmissionStatus.APPROVED,
        period=OuterRef("period"),
        org_unit=OuterRef("org_unit"),
        data_set__members__element=OuterRef("element"),
    )
    return values.annotate(approved=Exists(approved))


def _complete_years(element: DataElement, division: Division) -> set[int]:
    """Years in which every unit under `division` that must report the element's data sets
    has an approved report for every period of the year."""
    data_sets = list(element.data_sets.all())
    if not data_sets:
        return set()
    approved = set(
        Submission.objects.filter(
            status=SubmissionStatus.APPROVED, data_set__in=data_sets
        ).values_list("data_set_id", "period", "org_unit")
    )
    years = {int(period[:4]) for _ds, period, _unit in approved}
    complete = set()
    for year in years:
        ok = True
        for data_set in data_sets:
            units = [
                code
                for code, _name in expected_units(data_set)
                if code.startswith(division.territory_prefix)
            ]
            periods = (
                [p.code for p in Period.year(year).months()]
                if data_set.period_type == PeriodType.MONTHLY
                else [Period.quarter(year, q).code for q in range(1, 5)]
                if data_set.period_type == PeriodType.QUARTERLY
                else [str(year)]
            )
            if not units or any(
                (data_set.pk, period, unit) not in approved for period in periods for unit in units
            ):
                ok = False
                break
        if ok:
            complete.add(year)
    return complete


def _indicator_series(
    code: str, division: Division, by_code: dict[str, DataElement]
) -> list[SeriesPoint]:
    indicator = Indicator.objects.filter(code=code).first()
    if indicator is None:
        return []
    elements = list(by_code.values())
    # What is published or derived for the division itself, and approved reports (its own
    # and from below); drafts never count.
    frame = values_frame(
        _with_approval(
            DataValue.objects.filter(division_code__startswith=division.territory_prefix)
        ).filter(
            (Q(org_unit=division.code) & ~Q(source__kind="entry"))
            | Q(source__kind="entry", approved=True)
        )
    )
    level = division.level if division.level in LEVEL_PREFIX else "county"
    figures = aggregate(
        frame, {e.pk: e.aggregation for e in elements}, period_type="yearly", level=level
    ).filter(pl.col("unit") == division.code)
    spec = IndicatorSpec(
        indicator.code, indicator.numerator, indicator.denominator, indicator.factor
    )
    values = evaluate_indicators(figures, [spec], {e.code: e.pk for e in elements})
    return [
        SeriesPoint(int(period), value, f"{value:g}", AGGREGATED_SOURCE, "", None)
        for _code, period, _unit, value in values.sort("period").iter_rows()
    ]

"""How far each target is, at any day: attainment, elapsed time, required growth, projection,
and a status.

Rules (documented on the plan page and in docs/plans.md):
- elapsed: the share of the plan period (1 January of the first year to 31 December of the
  last) that has passed on the day of the assessment, 0–100 %;
- attainment, by kind of target:
  - `absolute`, `at_least`, `percentage`: with a baseline, the share of the distance from the
    baseline to the target covered by the latest value (a target below its baseline is a
    reduction: achieved at or below it); without one, latest ÷ target;
  - `range`: the share of the distance to the lower bound; inside or above the range is
    achieved;
  - `growth_rate`: the compound annual growth of the figure's own series since the plan's
    baseline year (or the series' first year) ÷ the target rate;
  - `set`: the share of the set's members achieved (the measuring figure lists them);
- status: `achieved` when the target is met; `no_data` without a latest value (never zero,
  never off track); otherwise the points by which attainment trails elapsed time: below
  AT_RISK_POINTS on track, from AT_RISK_POINTS at risk, from OFF_TRACK_POINTS off track
  (defaults 10 and 30, settings PLAN_AT_RISK_POINTS and PLAN_OFF_TRACK_POINTS); a growth
  target compares the achieved rate with the target rate in the same points;
- `not_evaluable` when the engine cannot evaluate the target (no measuring figure defined, a
  growth target that is not positive, no growth measurable yet);
- required growth: the annual growth the figure still needs from its latest value to reach
  the target by the target year;
- projection: the figure in the target year if it keeps the compound growth of its own series
  (first to latest value); linear when the series has a zero or negative value.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.conf import settings

from hanjiang.plans.models import Plan, PlanIndicator, TargetKind
from hanjiang.reporting.selectors import SeriesPoint, yearly_series, yearly_series_many

STATUSES = ("achieved", "on_track", "at_risk", "off_track", "no_data", "not_evaluable")


@dataclass
class Progress:
    indicator: PlanIndicator
    series: list[SeriesPoint] = field(default_factory=list)
    latest: SeriesPoint | None = None
    attainment: float | None = None  # percent
    elapsed: float = 0.0  # percent
    required_growth: float | None = None  # percent a year
    achieved_growth: float | None = None  # percent a year
    projection: float | None = None
    projection_year: int | None = None
    status: str = "no_data"
    remark: str = ""


def elapsed_share(plan: Plan, day: datetime.date) -> float:
    start = datetime.date(plan.start_year, 1, 1)
    end = datetime.date(plan.end_year, 12, 31)
    if day <= start:
        return 0.0
    if day >= end:
        return 100.0
    return 100 * (day - start).days / (end - start).days


def _compound(first: float, last: float, years: int) -> float | None:
    if years <= 0 or first <= 0 or last <= 0:
        return None
    return float(100 * ((last / first) ** (1 / years) - 1))


def _projection(series: list[SeriesPoint], year: int) -> float | None:
    points = [point for point in series if point.value is not None]
    if len(points) < 2:
        return None
    first, last = points[0], points[-1]
    span = last.year - first.year
    if span <= 0 or first.value is None or last.value is None:
        return None
    rate = _compound(first.value, last.value, span)
    if rate is not None:
        return last.value * (1 + rate / 100) ** (year - last.year)
    slope = (last.value - first.value) / span
    return last.value + slope * (year - last.year)


def _status_from_gap(attainment: float, benchmark: float) -> str:
    gap = benchmark - attainment
    if gap >= settings.PLAN_OFF_TRACK_POINTS:
        return "off_track"
    if gap >= settings.PLAN_AT_RISK_POINTS:
        return "at_risk"
    return "on_track"


def indicator_progress(
    indicator: PlanIndicator,
    plan: Plan,
    day: datetime.date,
    as_of_year: int | None = None,
    series: list[SeriesPoint] | None = None,
) -> Progress:
    """The progress of one leaf indicator on `day` (figures up to `as_of_year` if given),
    from its measure's yearly series (read here unless the caller already has it)."""
    progress = Progress(indicator=indicator, elapsed=elapsed_share(plan, day))
    if not (indicator.measure_element or indicator.measure_indicator):
        progress.status = "not_evaluable"
        progress.remark = "no_measure"
        return progress
    if series is None:
        series = yearly_series(
            element_code=indicator.measure_element,
            indicator_code=indicator.measure_indicator,
            unit_code=plan.region_code,
        )
    if as_of_year is not None:
        series = [point for point in series if point.year <= as_of_year]
    progress.series = series
    known = [point for point in series if point.value is not None or point.text]
    if not known:
        return progress
    latest = known[-1]
    progress.latest = latest
    target_year = indicator.target_year or plan.end_year
    progress.projection_year = target_year
    progress.projection = _projection(series, target_year)
    kind = indicator.target_kind
    value = latest.value
    if kind == TargetKind.SET:
        members = [str(member) for member in indicator.target_members]
        achieved = {part for part in re.split(r"[、,，;；\s]+", latest.text) if part}
        share = 100 * len(achieved & set(members)) / len(members) if members else 0.0
        progress.attainment = share
        progress.status = "achieved" if share >= 100 else _status_from_gap(share, progress.elapsed)
        return progress
    if value is None:
        progress.status = "not_evaluable"
        progress.remark = "not_a_number"
        return progress
    if kind == TargetKind.GROWTH_RATE:
        # A growth target's baseline in the plan is often a rate, not a level: the growth is
        # measured on the figure's own series, from the plan's baseline year if it has a value
        # then, else from its first value.
        numeric = [point for point in series if point.value is not None]
        at_baseline = [point for point in numeric if point.year == plan.baseline_year]
        start = at_baseline[0] if at_baseline else numeric[0]
        base, base_year = start.value, start.year
        rate = _compound(base or 0, value, latest.year - (base_year or latest.year))
        progress.achieved_growth = rate
        target_rate = indicator.target_value or 0
        if rate is None or target_rate <= 0:
            progress.status = "not_evaluable"
            progress.remark = "no_growth_yet" if rate is None else "target_not_positive"
            return progress
        progress.attainment = 100 * rate / target_rate
        if rate >= target_rate:
            progress.status = "achieved" if latest.year >= target_year else "on_track"
        else:
            progress.status = _status_from_gap(progress.attainment, 100.0)
        return progress
    if kind == TargetKind.RANGE:
        target = indicator.target_low or 0.0
    else:
        target = indicator.target_value if indicator.target_value is not None else 0.0
    base = indicator.baseline_value
    if base is not None and target != base:
        progress.attainment = 100 * (value - base) / (target - base)
    elif target:
        progress.attainment = 100 * value / target
    years_left = target_year - latest.year
    decreasing = kind != TargetKind.RANGE and base is not None and target < base
    if value > 0 and target > value and years_left > 0 and not decreasing:
        progress.required_growth = 100 * ((target / value) ** (1 / years_left) - 1)
    if (value <= target) if decreasing else (value >= target):
        progress.status = "achieved"
        if (
            kind == TargetKind.RANGE
            and indicator.target_high is not None
            and value > indicator.target_high
        ):
            progress.remark = "above_range"
        return progress
    progress.status = _status_from_gap(progress.attainment or 0.0, progress.elapsed)
    return progress


def plan_progress(
    plan: Plan, day: datetime.date, as_of_year: int | None = None
) -> dict[int, Progress]:
    """{indicator id: progress} for every leaf of the plan."""
    leaves = list(plan.indicators.exclude(target_kind=""))
    series = yearly_series_many(
        [(leaf.measure_element, leaf.measure_indicator) for leaf in leaves],
        unit_code=plan.region_code,
    )
    return {
        leaf.pk: indicator_progress(leaf, plan, day, as_of_year, leaf_series)
        for leaf, leaf_series in zip(leaves, series, strict=True)
    }

"""Set-based aggregation of data values: across disaggregation options, up the division tree
and from shorter to longer periods, each element by its own aggregation type; then indicators.

Everything here works on Polars frames, so the same code answers one county's page and
recomputes every figure of the city from millions of values.

Rules:
- options: the options of a disaggregated element add up to its total;
- periods: a monthly or quarterly value rolls up into the quarter or year that contains it —
  `sum` adds, `average` averages, `last` takes the latest period's value, `none` does not roll
  up; a value reported directly for the longer period wins over the rolled-up one;
- units: the tree is climbed one level at a time (village → township → county → city); at
  each level a value stored for the unit itself (a published or reported total) is its
  figure, otherwise the units below it (and the organisations registered there) count —
  `average` averages, `none` counts nothing from below (a rate or share does not add up),
  every other type adds;
- indicators: numerator / denominator × factor, evaluated on the aggregated figures of the same
  unit and period; a missing figure or a zero denominator gives no value, never zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from hanjiang.core.periods import PeriodType
from hanjiang.reporting.expressions import Expression, Reference

LEVEL_PREFIX = {"city": 4, "county": 6, "township": 9, "village": 12}
PERIOD_RANK = {
    PeriodType.MONTHLY.value: 1,
    PeriodType.QUARTERLY.value: 2,
    PeriodType.YEARLY.value: 3,
}
VALUE_COLUMNS = {
    "element_id": pl.Int64,
    "period": pl.String,
    "period_type": pl.String,
    "division_code": pl.String,
    "category_option": pl.String,
    "number": pl.Float64,
    # True when the value was reported for the division itself, False for an organisation
    # registered there (an organisation's figure never stands for its division's total).
    "is_total": pl.Boolean,
}


@dataclass(frozen=True)
class IndicatorSpec:
    code: str
    numerator: str
    denominator: str
    factor: float


def _target_period(period_type: str) -> pl.Expr:
    """The code of the `period_type` period that contains each row's period."""
    year = pl.col("period").str.slice(0, 4)
    if period_type == PeriodType.YEARLY:
        return year
    if period_type == PeriodType.QUARTERLY:
        quarter = (
            pl.when(pl.col("period_type") == PeriodType.MONTHLY.value)
            .then(((pl.col("period").str.slice(4, 2).cast(pl.Int32) - 1) // 3 + 1).cast(pl.String))
            .otherwise(pl.col("period").str.slice(5, 1))
        )
        return pl.concat_str([year, pl.lit("Q"), quarter])
    return pl.col("period")


def roll_up_periods(
    values: pl.DataFrame, aggregation: Mapping[int, str], *, period_type: str
) -> pl.DataFrame:
    """Figures per (element_id, division_code, period) for periods of `period_type`, before
    any aggregation across units. Each aggregation type is one plain group-by."""
    types = pl.DataFrame(
        {"element_id": list(aggregation), "aggregation": list(aggregation.values())},
        schema={"element_id": pl.Int64, "aggregation": pl.String},
    )
    rank = PERIOD_RANK[period_type]
    if "is_total" not in values.columns:
        values = values.with_columns(pl.lit(True).alias("is_total"))
    base = (
        values.lazy()
        .filter(pl.col("number").is_not_null())
        .join(types.lazy(), on="element_id", how="inner")
        .with_columns(pl.col("period_type").replace_strict(PERIOD_RANK, default=99).alias("rank"))
        .filter(pl.col("rank") <= rank)
        .filter((pl.col("aggregation") != "none") | (pl.col("rank") == rank))
    )
    keys = [
        "element_id",
        "aggregation",
        "period",
        "period_type",
        "rank",
        "division_code",
        "is_total",
    ]
    # Options add up to the element's total; rows without an option are totals already.
    base = pl.concat(
        [
            base.filter(pl.col("category_option") == "").select(*keys, "number"),
            base.filter(pl.col("category_option") != "").group_by(keys).agg(pl.col("number").sum()),
        ]
    ).with_columns(_target_period(period_type).alias("target"))
    group = ["element_id", "aggregation", "division_code", "is_total", "target"]
    source_types = set(values["period_type"].unique().to_list())
    if source_types == {period_type} and values["category_option"].eq("").all():
        # Values already of the target period type, without options: one row per key, as the
        # unique key of stored values guarantees, so there is nothing to roll up.
        return base.select(*group, "number").collect()
    if len(source_types) > 1:
        # A value reported for the target period itself wins over values rolled up into it.
        base = base.filter(pl.col("rank") == pl.col("rank").max().over(group))
    latest = pl.col("period") == pl.col("period").max().over(group)
    parts = [
        base.filter(pl.col("aggregation").is_in(["sum", "none"]))
        .group_by(group)
        .agg(pl.col("number").sum()),
        base.filter(pl.col("aggregation") == "average")
        .group_by(group)
        .agg(pl.col("number").mean()),
        base.filter(pl.col("aggregation") == "last")
        .filter(latest)
        .group_by(group)
        .agg(pl.col("number").sum()),
    ]
    return pl.concat(parts).collect()


STEPS = ("township", "county", "city")


PARENT_WIDTH = {9: 6, 6: 4, 4: 0}


def _step(frame: pl.DataFrame, width: int) -> pl.DataFrame:
    """One level up the tree: rows of finer divisions become rows of their parent unit; a value
    stored for the parent itself wins over the sum of the units below it. Rows already at a
    coarser level (an organisation registered at the county, say) pass through unchanged."""
    parent = PARENT_WIDTH[width]
    coarser = frame["division_code"].str.slice(parent, width - parent) == "0" * (width - parent)
    if width != 4 and coarser.any():
        processed = _step(frame.filter(~coarser), width)
        passing = frame.filter(coarser).select(processed.columns)
        return pl.concat([passing, processed], how="vertical_relaxed")
    unit = pl.col("division_code").str.slice(0, width).str.pad_end(12, "0")
    lazy = (
        frame.lazy()
        .with_columns(unit.alias("unit"))
        .with_columns(
            (pl.col("is_total") & (pl.col("division_code") == pl.col("unit"))).alias("own")
        )
        # `none` (rates, shares) never adds up across units: only the unit's own value counts.
        .filter((pl.col("aggregation") != "none") | pl.col("own"))
    )
    group = ["element_id", "aggregation", "target", "unit"]

    def combine(rows: pl.LazyFrame) -> pl.LazyFrame:
        return pl.concat(
            [
                rows.filter(pl.col("aggregation") != "average")
                .group_by(group)
                .agg(pl.col("number").sum()),
                rows.filter(pl.col("aggregation") == "average")
                .group_by(group)
                .agg(pl.col("number").mean()),
            ]
        )

    has_own = (
        frame["is_total"] & (frame["division_code"].str.slice(width) == "0" * (12 - width))
    ).any()
    if has_own:
        own = combine(lazy.filter(pl.col("own")))
        result = pl.concat(
            [own, combine(lazy.filter(~pl.col("own"))).join(own, on=group, how="anti")]
        )
    else:
        result = combine(lazy)
    return (
        result.rename({"unit": "division_code"})
        .with_columns(pl.lit(True).alias("is_total"))
        .collect()
    )


def roll_up_units(period_figures: pl.DataFrame, *, level: str) -> pl.DataFrame:
    """Figures per (element_id, period, unit) for every unit of `level`, rolled up one level
    of the tree at a time (village → township → county → city)."""
    frame = period_figures.select(
        "element_id", "aggregation", "division_code", "is_total", "target", "number"
    )
    for step in STEPS[: STEPS.index(level) + 1] if level in STEPS else ():
        frame = _step(frame, LEVEL_PREFIX[step])
    return _as_figures(frame)


def _as_figures(frame: pl.DataFrame) -> pl.DataFrame:
    return (
        frame.rename({"target": "period", "division_code": "unit"})
        .select("element_id", "period", "unit", "number")
        .sort(["unit", "period", "element_id"])
    )


def aggregate(
    values: pl.DataFrame,
    aggregation: Mapping[int, str],
    *,
    period_type: str,
    level: str,
) -> pl.DataFrame:
    """Figures per (element_id, period, unit) for every unit of `level` and period of
    `period_type`. `values` has the columns of VALUE_COLUMNS; `aggregation` maps element ids
    to their aggregation type."""
    return roll_up_units(roll_up_periods(values, aggregation, period_type=period_type), level=level)


def evaluate_indicators(
    figures: pl.DataFrame, indicators: Sequence[IndicatorSpec], element_ids: Mapping[str, int]
) -> pl.DataFrame:
    """Indicator values per (indicator, period, unit) from aggregated element figures."""
    if figures.is_empty() or not indicators:
        return pl.DataFrame(
            schema={
                "indicator": pl.String,
                "period": pl.String,
                "unit": pl.String,
                "value": pl.Float64,
            }
        )
    wide = figures.with_columns(pl.col("element_id").cast(pl.String)).pivot(
        on="element_id", index=["period", "unit"], values="number"
    )
    present = set(wide.columns)

    def column(reference: Reference) -> pl.Expr:
        name = str(element_ids.get(reference.element, -1))
        return pl.col(name) if name in present else pl.lit(None, dtype=pl.Float64)

    frames = []
    for spec in indicators:
        numerator = Expression.parse(spec.numerator).fold(column, pl.lit)
        denominator = Expression.parse(spec.denominator).fold(column, pl.lit)
        value = pl.when(denominator != 0).then(numerator / denominator * spec.factor)
        frames.append(
            wide.select(
                pl.lit(spec.code).alias("indicator"),
                "period",
                "unit",
                value.cast(pl.Float64).alias("value"),
            ).filter(pl.col("value").is_not_null() & pl.col("value").is_finite())
        )
    return pl.concat(frames).sort(["indicator", "unit", "period"])


def recompute_all(
    values: pl.DataFrame,
    aggregation: Mapping[int, str],
    indicators: Sequence[IndicatorSpec],
    element_ids: Mapping[str, int],
    *,
    levels: Iterable[str] = ("city", "county", "township"),
    period_types: Iterable[str] = ("monthly", "quarterly", "yearly"),
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every element figure and indicator value for every unit of `levels` and period.

    Periods are rolled up once per period type at the level of the reporting division; the
    tree is then climbed one level at a time, each level a group-by over the one below."""
    figures = []
    wanted = set(levels)
    for period_type in period_types:
        frame = roll_up_periods(values, aggregation, period_type=period_type).select(
            "element_id", "aggregation", "division_code", "is_total", "target", "number"
        )
        for step in STEPS:
            frame = _step(frame, LEVEL_PREFIX[step])
            if step in wanted:
                figures.append(
                    _as_figures(frame).with_columns(
                        pl.lit(step).alias("level"), pl.lit(period_type).alias("period_type")
                    )
                )
    all_figures = pl.concat(figures)
    indicator_values = evaluate_indicators(
        all_figures.drop("level", "period_type"), indicators, element_ids
    )
    return all_figures, indicator_values

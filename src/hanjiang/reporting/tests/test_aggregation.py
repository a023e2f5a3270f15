from __future__ import annotations

import polars as pl

from hanjiang.reporting.aggregation import IndicatorSpec, aggregate, evaluate_indicators

SUM, AVG, LAST = 1, 2, 3
AGGREGATION = {SUM: "sum", AVG: "average", LAST: "last"}
NANZHANG = "420624000000"
GUCHENG = "420625000000"
GUCHENG_TOWN = "420625100000"


def _values(rows: list[tuple[int, str, str, str, str, float]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "element_id": pl.Int64,
            "period": pl.String,
            "period_type": pl.String,
            "division_code": pl.String,
            "category_option": pl.String,
            "number": pl.Float64,
        },
        orient="row",
    )


VALUES = _values(
    [
        (SUM, "202401", "monthly", GUCHENG, "", 10.0),
        (SUM, "202402", "monthly", GUCHENG, "", 20.0),
        (SUM, "202403", "monthly", GUCHENG, "", 30.0),
        (SUM, "202401", "monthly", GUCHENG_TOWN, "a", 1.0),
        (SUM, "202401", "monthly", GUCHENG_TOWN, "b", 2.0),
        (SUM, "202401", "monthly", NANZHANG, "", 100.0),
        (AVG, "202401", "monthly", GUCHENG, "", 4.0),
        (AVG, "202402", "monthly", GUCHENG, "", 8.0),
        (AVG, "202401", "monthly", NANZHANG, "", 30.0),
        (LAST, "2024Q1", "quarterly", GUCHENG, "", 500.0),
        (LAST, "2024Q2", "quarterly", GUCHENG, "", 700.0),
        (LAST, "2024Q2", "quarterly", NANZHANG, "", 50.0),
    ]
)


def _as_dict(frame: pl.DataFrame) -> dict[tuple[int, str, str], float]:
    return {(e, p, u): n for e, p, u, n in frame.iter_rows()}


def test_months_roll_up_into_quarters_by_aggregation_type() -> None:
    figures = _as_dict(aggregate(VALUES, AGGREGATION, period_type="quarterly", level="county"))
    # Gucheng reported its own total: it wins over the sum of its town's values (1 + 2).
    assert figures[(SUM, "2024Q1", GUCHENG)] == 10 + 20 + 30
    assert figures[(AVG, "2024Q1", GUCHENG)] == 6.0
    assert figures[(LAST, "2024Q2", GUCHENG)] == 700.0
    assert figures[(SUM, "2024Q1", NANZHANG)] == 100.0


def test_the_city_adds_its_counties_and_averages_averages() -> None:
    figures = _as_dict(aggregate(VALUES, AGGREGATION, period_type="yearly", level="city"))
    city = "420600000000"
    assert figures[(SUM, "2024", city)] == 160.0  # Gucheng 60 (its own total) + Nanzhang 100
    # Gucheng's year average (6) and Nanzhang's (30), averaged over the two counties.
    assert figures[(AVG, "2024", city)] == 18.0
    # Last value in the year per county (700, 50), added across counties.
    assert figures[(LAST, "2024", city)] == 750.0


def test_a_direct_yearly_value_wins_over_rolled_up_quarters() -> None:
    values = pl.concat([VALUES, _values([(LAST, "2024", "yearly", GUCHENG, "", 999.0)])])
    figures = _as_dict(aggregate(values, AGGREGATION, period_type="yearly", level="county"))
    assert figures[(LAST, "2024", GUCHENG)] == 999.0


def test_indicators_divide_and_skip_missing_or_zero_denominators() -> None:
    figures = aggregate(VALUES, AGGREGATION, period_type="quarterly", level="county")
    spec = IndicatorSpec("SHARE", "#{S}", "#{L}", 100.0)
    result = evaluate_indicators(figures, [spec], {"S": SUM, "L": LAST})
    assert result.rows() == [
        ("SHARE", "2024Q1", GUCHENG, 60 / 500 * 100),
    ]


def test_rates_never_add_up_across_units() -> None:
    rate = 4
    values = _values(
        [
            (rate, "2024", "yearly", GUCHENG, "", 52.0),
            (rate, "2024", "yearly", NANZHANG, "", 47.7),
        ]
    )
    city = "420600000000"
    by_county = _as_dict(aggregate(values, {rate: "none"}, period_type="yearly", level="county"))
    assert by_county == {(rate, "2024", GUCHENG): 52.0, (rate, "2024", NANZHANG): 47.7}
    by_city = _as_dict(aggregate(values, {rate: "none"}, period_type="yearly", level="city"))
    assert (rate, "2024", city) not in by_city
    stated = pl.concat([values, _values([(rate, "2024", "yearly", city, "", 50.0)])])
    assert _as_dict(aggregate(stated, {rate: "none"}, period_type="yearly", level="city")) == {
        (rate, "2024", city): 50.0
    }


def test_an_organisation_registered_at_the_county_does_not_stand_for_it() -> None:
    revenue = 5
    values = pl.DataFrame(
        [
            (revenue, "2024", "yearly", GUCHENG, "", 5.0, False),
            (revenue, "2024", "yearly", GUCHENG_TOWN, "", 100.0, False),
        ],
        schema={
            "element_id": pl.Int64,
            "period": pl.String,
            "period_type": pl.String,
            "division_code": pl.String,
            "category_option": pl.String,
            "number": pl.Float64,
            "is_total": pl.Boolean,
        },
        orient="row",
    )
    figures = _as_dict(aggregate(values, {revenue: "sum"}, period_type="yearly", level="county"))
    assert figures == {(revenue, "2024", GUCHENG): 105.0}

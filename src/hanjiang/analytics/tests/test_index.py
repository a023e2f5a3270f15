from __future__ import annotations

import pytest

from hanjiang.analytics.index import Method, compute_index, sensitivity

DIMENSIONS = {"R": "readiness", "D": "development", "I": "impact", "I2": "impact"}
NAMES = {"a": "甲县", "b": "乙县", "c": "丙县"}
VALUES = {
    "a": {"R": 10.0, "D": 5.0, "I": 1.0, "I2": 4.0},
    "b": {"R": 20.0, "D": 15.0, "I": 3.0, "I2": 2.0},
    "c": {"R": 30.0, "D": None, "I": 2.0, "I2": 3.0},
}


def test_min_max_arithmetic_index_with_equal_weights() -> None:
    scores = compute_index(VALUES, DIMENSIONS, NAMES, Method())
    by_unit = {score.unit: score for score in scores}
    assert by_unit["a"].dimensions == {"readiness": 0.0, "development": 0.0, "impact": 50.0}
    assert by_unit["b"].dimensions == {"readiness": 50.0, "development": 100.0, "impact": 50.0}
    assert by_unit["a"].index == pytest.approx(50 / 3)
    assert by_unit["b"].index == pytest.approx(200 / 3)
    assert (by_unit["b"].rank, by_unit["a"].rank) == (1, 2)
    # No development figure: no index and no rank, never a zero.
    assert (by_unit["c"].dimensions["development"], by_unit["c"].index, by_unit["c"].rank) == (
        None,
        None,
        None,
    )
    assert [score.unit for score in scores] == ["b", "a", "c"]


def test_weights_and_geometric_aggregation_change_the_index() -> None:
    method = Method(dimension_weights={"readiness": 2, "development": 1, "impact": 1})
    b = next(s for s in compute_index(VALUES, DIMENSIONS, NAMES, method) if s.unit == "b")
    assert b.index == pytest.approx((2 * 50 + 100 + 50) / 4)
    geometric = Method(aggregation="geometric")
    a = next(s for s in compute_index(VALUES, DIMENSIONS, NAMES, geometric) if s.unit == "a")
    assert a.index == pytest.approx((1 * 1 * 50) ** (1 / 3))


def test_sensitivity_ranks_every_scenario() -> None:
    ranks = sensitivity(VALUES, DIMENSIONS, NAMES, Method())
    assert set(ranks) == {"base", "readiness×2", "development×2", "impact×2", "zscore", "geometric"}
    assert ranks["base"] == {"b": 1, "a": 2, "c": None}
    assert all(scenario["b"] == 1 for scenario in ranks.values())

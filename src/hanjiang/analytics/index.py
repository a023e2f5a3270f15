"""The e-commerce development index of each county, over the plan's three dimensions.

Method (shown on the index page):
1. Indicators: the report system's indicators of each dimension — readiness (准备度),
   development (发展度), impact (影响度) — for every county and the year.
2. Normalisation, per indicator across the counties that have a value:
   - `minmax`: 100 × (x − min) / (max − min); all equal → 100;
   - `zscore`: 50 + 10 × (x − mean) / standard deviation (a T-score); all equal → 50;
   - `target`: 100 × x / target, capped at 100, for indicators with a target; others are
     left out.
3. Dimension score: the weighted mean of its normalised indicators (equal weights unless set).
4. Index: the weighted arithmetic mean of the three dimension scores, or the weighted geometric
   mean (dimension scores floored at 1 so a zero does not erase the others). Equal dimension
   weights by default.
5. A county with no value for any indicator of a dimension has no score for it, and no index:
   missing is never counted as zero.
6. Sensitivity: the ranking under other weightings (each dimension doubled in turn) and the
   other normalisations, to show how robust each rank is.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

DIMENSIONS = ("readiness", "development", "impact")
NORMALISATIONS = ("minmax", "zscore", "target")
AGGREGATIONS = ("arithmetic", "geometric")


@dataclass(frozen=True)
class Method:
    normalisation: str = "minmax"
    aggregation: str = "arithmetic"
    dimension_weights: Mapping[str, float] = field(
        default_factory=lambda: dict.fromkeys(DIMENSIONS, 1.0)
    )
    indicator_weights: Mapping[str, float] = field(default_factory=dict)
    targets: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class CountyScore:
    unit: str
    name: str
    dimensions: dict[str, float | None]
    index: float | None
    rank: int | None


def normalise(values: Mapping[str, float], method: Method, indicator: str) -> dict[str, float]:
    if not values:
        return {}
    numbers = list(values.values())
    if method.normalisation == "minmax":
        low, high = min(numbers), max(numbers)
        if high == low:
            return dict.fromkeys(values, 100.0)
        return {unit: 100 * (x - low) / (high - low) for unit, x in values.items()}
    if method.normalisation == "zscore":
        mean = statistics.fmean(numbers)
        deviation = statistics.pstdev(numbers)
        if deviation == 0:
            return dict.fromkeys(values, 50.0)
        return {unit: 50 + 10 * (x - mean) / deviation for unit, x in values.items()}
    target = method.targets.get(indicator)
    if not target:
        return {}
    return {unit: min(100.0, 100 * x / target) for unit, x in values.items()}


def _weighted_mean(pairs: Sequence[tuple[float, float]]) -> float | None:
    total = sum(weight for _value, weight in pairs)
    if not pairs or total == 0:
        return None
    return sum(value * weight for value, weight in pairs) / total


def _weighted_geometric(pairs: Sequence[tuple[float, float]]) -> float | None:
    total = sum(weight for _value, weight in pairs)
    if not pairs or total == 0:
        return None
    return math.exp(sum(weight * math.log(max(value, 1.0)) for value, weight in pairs) / total)


def compute_index(
    indicator_values: Mapping[str, Mapping[str, float | None]],
    indicator_dimensions: Mapping[str, str],
    names: Mapping[str, str],
    method: Method,
) -> list[CountyScore]:
    """Scores per county, ranked. `indicator_values` is {unit: {indicator: value}}."""
    normalised: dict[str, dict[str, float]] = {}
    for indicator in indicator_dimensions:
        present = {
            unit: value
            for unit, row in indicator_values.items()
            if (value := row.get(indicator)) is not None
        }
        normalised[indicator] = normalise(present, method, indicator)
    scores = []
    for unit in names:
        dimension_scores: dict[str, float | None] = {}
        for dimension in DIMENSIONS:
            pairs = [
                (normalised[indicator][unit], method.indicator_weights.get(indicator, 1.0))
                for indicator, owner in indicator_dimensions.items()
                if owner == dimension and unit in normalised[indicator]
            ]
            dimension_scores[dimension] = _weighted_mean(pairs)
        if any(score is None for score in dimension_scores.values()):
            index = None
        else:
            pairs = [
                (score, method.dimension_weights.get(dimension, 1.0))
                for dimension, score in dimension_scores.items()
                if score is not None
            ]
            combine = _weighted_geometric if method.aggregation == "geometric" else _weighted_mean
            index = combine(pairs)
        scores.append(CountyScore(unit, names[unit], dimension_scores, index, None))
    ranked = sorted((s for s in scores if s.index is not None), key=lambda s: -(s.index or 0))
    ranks = {score.unit: position for position, score in enumerate(ranked, start=1)}
    return sorted(
        (CountyScore(s.unit, s.name, s.dimensions, s.index, ranks.get(s.unit)) for s in scores),
        key=lambda s: (s.rank is None, s.rank or 0, s.unit),
    )


def sensitivity(
    indicator_values: Mapping[str, Mapping[str, float | None]],
    indicator_dimensions: Mapping[str, str],
    names: Mapping[str, str],
    method: Method,
) -> dict[str, dict[str, int | None]]:
    """{scenario label: {unit: rank}} under alternative weightings and normalisations."""
    scenarios: dict[str, Method] = {"base": method}
    for dimension in DIMENSIONS:
        weights = dict(method.dimension_weights)
        weights[dimension] = weights.get(dimension, 1.0) * 2
        scenarios[f"{dimension}×2"] = Method(
            method.normalisation,
            method.aggregation,
            weights,
            method.indicator_weights,
            method.targets,
        )
    for normalisation in ("minmax", "zscore"):
        if normalisation != method.normalisation:
            scenarios[normalisation] = Method(
                normalisation,
                method.aggregation,
                method.dimension_weights,
                method.indicator_weights,
                method.targets,
            )
    other = "geometric" if method.aggregation == "arithmetic" else "arithmetic"
    scenarios[other] = Method(
        method.normalisation,
        other,
        method.dimension_weights,
        method.indicator_weights,
        method.targets,
    )
    return {
        label: {
            score.unit: score.rank
            for score in compute_index(indicator_values, indicator_dimensions, names, scenario)
        }
        for label, scenario in scenarios.items()
    }

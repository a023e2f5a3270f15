"""Validation of a unit's report: the data set's rules and outliers in each series' history."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from hanjiang.core.periods import Period
from hanjiang.reporting.expressions import Expression, Reference
from hanjiang.reporting.models import DataSet, DataValue, Operator, ValidationRule

Z_LIMIT = 3.0
MODIFIED_Z_LIMIT = 3.5
MIN_HISTORY = 4

_COMPARE = {
    Operator.EQUAL: lambda left, right: abs(left - right) < 1e-9,
    Operator.NOT_EQUAL: lambda left, right: abs(left - right) >= 1e-9,
    Operator.LESS: lambda left, right: left < right,
    Operator.LESS_EQUAL: lambda left, right: left <= right + 1e-9,
    Operator.GREATER: lambda left, right: left > right,
    Operator.GREATER_EQUAL: lambda left, right: left + 1e-9 >= right,
}


@dataclass(frozen=True)
class Violation:
    rule: ValidationRule
    left: float
    right: float
    elements: tuple[str, ...]


@dataclass(frozen=True)
class Outlier:
    element: str
    value: float
    method: str
    score: float
    median: float


def _figures(unit: str, periods: list[str], element_ids: list[int]) -> dict[tuple[int, str], float]:
    """Totals (options added up) per (element id, period) for one unit."""
    totals: dict[tuple[int, str], float] = {}
    for element_id, period, number in DataValue.objects.filter(
        org_unit=unit, period__in=periods, element_id__in=element_ids, number__isnull=False
    ).values_list("element_id", "period", "number"):
        totals[(element_id, period)] = totals.get((element_id, period), 0.0) + (number or 0.0)
    return totals


def evaluate_rules(data_set: DataSet, period: Period, unit: str) -> list[Violation]:
    """The rules of `data_set` that the unit's figures break. A rule whose figures are missing
    is skipped, as in DHIS2."""
    rules = list(data_set.validation_rules.all())
    if not rules:
        return []
    codes = dict(data_set.elements.values_list("code", "id"))
    previous = period.previous().code
    figures = _figures(unit, [period.code, previous], list(codes.values()))

    def resolve(expression: Expression) -> Mapping[Reference, float | None]:
        return {
            reference: figures.get(
                (codes.get(reference.element, -1), previous if reference.offset else period.code)
            )
            for reference in expression.references
        }

    violations = []
    for rule in rules:
        left_expression = Expression.parse(rule.left)
        right_expression = Expression.parse(rule.right)
        left = left_expression.evaluate(resolve(left_expression))
        right = right_expression.evaluate(resolve(right_expression))
        if left is None or right is None:
            continue
        if not _COMPARE[Operator(rule.operator)](left, right):
            elements = tuple(
                reference.element
                for reference in left_expression.references
                if reference.offset == 0
            )
            violations.append(Violation(rule=rule, left=left, right=right, elements=elements))
    return violations


def detect_outliers(
    data_set: DataSet, period: Period, unit: str, history: int = 20
) -> list[Outlier]:
    """Values far from the unit's own history: z-score above 3, or a median-based (modified)
    z-score above 3.5, with at least four earlier values."""
    codes = dict(data_set.elements.values_list("id", "code"))
    earlier = [period.shift(-step).code for step in range(1, history + 1)]
    figures = _figures(unit, [period.code, *earlier], list(codes))
    outliers = []
    for element_id, code in codes.items():
        value = figures.get((element_id, period.code))
        series = [figures[(element_id, p)] for p in earlier if (element_id, p) in figures]
        if value is None or len(series) < MIN_HISTORY:
            continue
        mean = statistics.fmean(series)
        deviation = statistics.pstdev(series)
        median = statistics.median(series)
        mad = statistics.median(abs(x - median) for x in series)
        if deviation > 0 and abs(value - mean) / deviation > Z_LIMIT:
            outliers.append(Outlier(code, value, "z-score", abs(value - mean) / deviation, median))
        elif mad > 0 and 0.6745 * abs(value - median) / mad > MODIFIED_Z_LIMIT:
            score = 0.6745 * abs(value - median) / mad
            outliers.append(Outlier(code, value, "modified z-score", score, median))
    return outliers

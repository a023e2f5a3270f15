"""Reads for the plan pages: the tree with progress, counts, breakdowns."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from hanjiang.plans.models import Plan, PlanIndicator
from hanjiang.plans.progress import STATUSES, Progress, plan_progress


@dataclass(frozen=True)
class TreeRow:
    indicator: PlanIndicator
    progress: Progress | None
    branch: str


def plan_tree(
    plan: Plan,
    day: datetime.date,
    *,
    department: str = "",
    status: str = "",
    branch: str = "",
    as_of_year: int | None = None,
) -> tuple[list[TreeRow], Counter[str]]:
    """The indicator tree in order, each leaf with its progress, filtered; and the status
    counts over every leaf (before filtering)."""
    progress = plan_progress(plan, day, as_of_year)
    indicators = list(plan.indicators.order_by("sort_order"))
    by_id = {indicator.pk: indicator for indicator in indicators}

    def top(indicator: PlanIndicator) -> str:
        while indicator.parent_id is not None:
            indicator = by_id[indicator.parent_id]
        return indicator.code

    counts: Counter[str] = Counter(dict.fromkeys(STATUSES, 0))
    rows: list[TreeRow] = []
    for indicator in indicators:
        item = progress.get(indicator.pk)
        if item is not None:
            counts[item.status] += 1
        root = top(indicator)
        if branch and root != branch:
            continue
        if item is not None:
            if status and item.status != status:
                continue
            if department and department not in indicator.departments:
                continue
        elif status or department:
            continue
        rows.append(TreeRow(indicator, item, root))
    return rows, counts


def plan_departments(plan: Plan) -> list[str]:
    names: set[str] = set()
    for departments in plan.indicators.values_list("departments", flat=True):
        names.update(departments or [])
    return sorted(names)

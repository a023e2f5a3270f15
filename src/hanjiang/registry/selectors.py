"""Reads on divisions, zones and organisations, already limited to what the scope may see."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from hanjiang.accounts.scoping import Scope
from hanjiang.core.selectors import record_in_scope
from hanjiang.registry.models import Area, Division, DivisionLevel, Organisation
from hanjiang.registry.permissions import division_queryset, organisation_queryset
from hanjiang.registry.reference import full_code, level_of

CODE_PATTERN = re.compile(r"^\d{6}(\d{3}){0,2}$")


def normalize_division_code(code: str) -> str | None:
    """`420602`, `420602001` or `420602001008` → the 12-digit code; None if not a code."""
    code = code.strip()
    if CODE_PATTERN.match(code):
        return full_code(code)
    if re.fullmatch(r"\d{12}", code):
        return code
    return None


def division_roots(*, scope: Scope) -> list[Division]:
    """Where the tree starts: the city for city-wide roles, the county for a county officer."""
    visible = division_queryset(scope)
    city = visible.filter(level=DivisionLevel.CITY)
    if city.exists():
        return list(city)
    return list(visible.filter(level=DivisionLevel.COUNTY))


def division_children(*, scope: Scope, division: Division) -> list[Division]:
    return list(
        division_queryset(scope)
        .filter(parent=division)
        .annotate(child_count=Count("children"))
        .order_by("code")
    )


def division_ancestors(division: Division) -> list[Division]:
    chain: list[Division] = []
    current = division.parent
    while current is not None:
        chain.append(current)
        current = current.parent
    return list(reversed(chain))


def division_search(
    *, scope: Scope, query: str = "", level: str = "", edition: int | None = None
) -> QuerySet[Division]:
    """Divisions whose name contains `query` or whose code starts with it (6, 9 or 12 digits)."""
    divisions = division_queryset(scope).select_related("parent")
    query = query.strip()
    if query:
        if query.isdigit():
            divisions = divisions.filter(Q(code__startswith=query) | Q(short_code=query))
        else:
            divisions = divisions.filter(
                Q(name__icontains=query) | Q(editions__name__icontains=query)
            )
    if level:
        divisions = divisions.filter(level=level)
    if edition:
        divisions = divisions.filter(editions__year=edition)
    return divisions.distinct().order_by("code")


@dataclass(frozen=True)
class DivisionCounts:
    townships: int
    communities: int
    villages: int


def division_counts(*, division: Division, edition: int) -> DivisionCounts:
    """How many township-level units, urban communities and administrative villages lie under
    `division` in the code list of `edition`: the denominators of coverage rates of that year."""
    under = Division.objects.filter(
        code__startswith=division.territory_prefix, editions__year=edition
    )
    totals = under.aggregate(
        townships=Count("id", filter=Q(level=DivisionLevel.TOWNSHIP)),
        communities=Count("id", filter=Q(kind="community")),
        villages=Count("id", filter=Q(kind="village")),
    )
    return DivisionCounts(**totals)


def area_list() -> QuerySet[Area]:
    return Area.objects.prefetch_related("coverage__division__parent").order_by("code")


def organisation_list(
    *, scope: Scope, query: str = "", kind: str = "", division_code: str = ""
) -> QuerySet[Organisation]:
    organisations = (
        organisation_queryset(scope)
        .select_related("division", "division__parent")
        .prefetch_related("tags")
    )
    query = query.strip()
    if query:
        organisations = organisations.filter(
            Q(name__icontains=query) | Q(uscc__icontains=query.upper())
        )
    if kind:
        organisations = organisations.filter(tags__kind=kind)
    if division_code:
        normalized = normalize_division_code(division_code)
        if normalized is not None:
            prefix = Division(code=normalized, level=level_of(normalized)).territory_prefix
            organisations = organisations.filter(division__code__startswith=prefix)
    return organisations.order_by("name", "id")


def organisation_get(*, scope: Scope, organisation_id: int) -> Organisation:
    """One organisation in scope: 403 if it lies outside the scope, 404 if there is none."""
    return record_in_scope(
        organisation_queryset(scope)
        .select_related("division", "division__parent")
        .prefetch_related("tags"),
        organisation_id,
    )

from __future__ import annotations

import datetime
import math
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.i18n import set_language

from hanjiang.accounts.access import public_page, roles_required
from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.analytics.index import (
    AGGREGATIONS,
    DIMENSIONS,
    NORMALISATIONS,
    Method,
    compute_index,
    sensitivity,
)
from hanjiang.core.models import AuditAction
from hanjiang.core.periods import Period
from hanjiang.core.selectors import audit_list as select_audit_entries
from hanjiang.core.selectors import audit_models
from hanjiang.plans.models import Plan
from hanjiang.plans.selectors import plan_tree
from hanjiang.registry.models import CURRENT_EDITION, Division, DivisionLevel
from hanjiang.registry.permissions import can_view_division
from hanjiang.registry.selectors import division_counts
from hanjiang.reporting.models import Indicator
from hanjiang.reporting.selectors import figure_table, overdue_reports


def _date(value: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@public_page
def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's language switch (POST language, next), open to everyone."""
    return set_language(request)


@public_page
def home(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    counties = Division.objects.filter(level=DivisionLevel.COUNTY).order_by("code")
    own_county = scope.county_prefix
    rows = []
    for county in counties:
        counts = division_counts(division=county, edition=CURRENT_EDITION)
        visible = can_view_division(scope, county)
        rows.append(
            {
                "name": county.name,
                "code": county.short_code,
                "kind": county.get_kind_display(),
                "townships": counts.townships,
                "communities": counts.communities,
                "villages": counts.villages,
                "url": reverse("registry:division-detail", args=[county.code]) if visible else "",
                "highlighted": bool(own_county) and county.short_code == own_county,
            }
        )
    map_data = [
        {
            "name": row["name"],
            "code": row["code"],
            "url": row["url"],
            "highlighted": row["highlighted"],
        }
        for row in rows
    ]
    return render(
        request,
        "dashboards/home.html",
        {
            "counties": rows,
            "map_data": map_data,
            "edition": CURRENT_EDITION,
            "overdue": overdue_reports() if scope.reads_everything else [],
            **_plan_summary(),
        },
    )


def _plan_summary() -> dict[str, Any]:
    plan = Plan.objects.filter(is_published=True).first()
    if plan is None:
        return {"plan": None}
    today = timezone.localdate()
    rows, counts = plan_tree(plan, today)
    return {"plan": plan, "rows": rows, "counts": counts, "today": today, "is_public": True}


@roles_required(Role.CITY_ADMIN, Role.REVIEWER)
def audit_list(request: HttpRequest) -> HttpResponse:
    filters = {
        "actor": request.GET.get("actor", "").strip(),
        "model": request.GET.get("model", ""),
        "action": request.GET.get("action", ""),
        "object_id": request.GET.get("object_id", "").strip(),
        "since": _date(request.GET.get("since", "")),
        "until": _date(request.GET.get("until", "")),
    }
    app_label, _dot, model = str(filters["model"]).partition(".")
    entries = select_audit_entries(
        actor=str(filters["actor"]),
        app_label=app_label,
        model=model,
        action=str(filters["action"]),
        object_id=str(filters["object_id"]),
        since=filters["since"],  # type: ignore[arg-type]
        until=filters["until"],  # type: ignore[arg-type]
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboards/audit_list.html",
        {
            "page": page,
            "filters": filters,
            "models": [f"{label}.{name}" for label, name in audit_models()],
            "actions": AuditAction.choices,
        },
    )


@roles_required(*tuple(Role))
def development_index(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year - 1))
    except ValueError:
        year = today.year - 1
    if not 2000 <= year <= today.year:
        year = today.year - 1
    normalisation = request.GET.get("normalisation", "minmax")
    aggregation = request.GET.get("aggregation", "arithmetic")
    if normalisation not in NORMALISATIONS or normalisation == "target":
        normalisation = "minmax"
    if aggregation not in AGGREGATIONS:
        aggregation = "arithmetic"
    weights = {}
    for dimension in DIMENSIONS:
        try:
            weight = float(request.GET.get(f"w_{dimension}", 1))
        except ValueError:
            weight = 1.0
        weights[dimension] = weight if math.isfinite(weight) and 0 <= weight <= 100 else 1.0
    method = Method(normalisation, aggregation, weights)
    indicators = list(
        Indicator.objects.filter(dimension__in=DIMENSIONS).order_by("dimension", "code")
    )
    dimensions = {indicator.code: indicator.dimension for indicator in indicators}
    names = dict(
        Division.objects.filter(level=DivisionLevel.COUNTY)
        .order_by("code")
        .values_list("code", "name")
    )
    table = figure_table(Period.year(year), "county", list(dimensions))
    values = {unit: table.get(unit, {}) for unit in names}
    scores = compute_index(values, dimensions, names, method)
    ranks = sensitivity(values, dimensions, names, method)
    return render(
        request,
        "dashboards/index.html",
        {
            "year": year,
            "years": list(range(today.year - 1, 2019, -1)),
            "method": method,
            "weights": weights,
            "scores": scores,
            "indicators": indicators,
            "values": values,
            "scenarios": list(ranks),
            "ranks": [
                (score, [ranks[label].get(score.unit) for label in ranks]) for score in scores
            ],
            # Distance to target needs targets per indicator, which the page does not take.
            "normalisations": [item for item in NORMALISATIONS if item != "target"],
            "aggregations": AGGREGATIONS,
        },
    )

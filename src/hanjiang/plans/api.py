import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Schema

from hanjiang.accounts.api_auth import roles_auth
from hanjiang.accounts.models import Role
from hanjiang.plans.models import Plan
from hanjiang.plans.selectors import plan_tree

router = Router(tags=["plans"])
ANY_ROLE = tuple(Role)


class PlanOut(Schema):
    code: str
    title: str
    issuer: str
    region_code: str
    start_year: int
    end_year: int
    baseline_year: int
    status: str
    is_published: bool


class ProgressOut(Schema):
    code: str
    name: str
    level: int
    parent: str | None
    unit: str
    target_kind: str
    target_text: str
    target_value: float | None
    target_year: int | None
    baseline_value: float | None
    baseline_year: int | None
    latest_value: float | None
    latest_text: str | None
    latest_year: int | None
    latest_source: str | None
    attainment: float | None
    elapsed: float | None
    required_growth: float | None
    projection: float | None
    status: str | None
    discrepancies: list[dict[str, Any]]


@router.get("/plans", response=list[PlanOut], summary="Loaded plans", auth=roles_auth(*ANY_ROLE))
def plan_list(request: HttpRequest) -> Any:
    return Plan.objects.all()


@router.get(
    "/plans/{code}/progress",
    response=list[ProgressOut],
    summary="Every indicator of a plan with its progress on a day",
    auth=roles_auth(*ANY_ROLE),
)
def plan_progress(
    request: HttpRequest, code: str, day: datetime.date | None = None
) -> list[dict[str, Any]]:
    plan = get_object_or_404(Plan, code=code)
    rows, _counts = plan_tree(plan, day or timezone.localdate())
    by_id = {row.indicator.pk: row.indicator.code for row in rows}
    result = []
    for row in rows:
        indicator, progress = row.indicator, row.progress
        latest = progress.latest if progress else None
        result.append(
            {
                "code": indicator.code,
                "name": indicator.name,
                "level": indicator.level,
                "parent": by_id.get(indicator.parent_id) if indicator.parent_id else None,
                "unit": indicator.unit,
                "target_kind": indicator.target_kind,
                "target_text": indicator.target_text,
                "target_value": indicator.target_value,
                "target_year": indicator.target_year,
                "baseline_value": indicator.baseline_value,
                "baseline_year": indicator.baseline_year,
                "latest_value": latest.value if latest else None,
                "latest_text": latest.text if latest else None,
                "latest_year": latest.year if latest else None,
                "latest_source": f"{latest.source} {latest.citation}".strip() if latest else None,
                "attainment": progress.attainment if progress else None,
                "elapsed": progress.elapsed if progress else None,
                "required_growth": progress.required_growth if progress else None,
                "projection": progress.projection if progress else None,
                "status": progress.status if progress else None,
                "discrepancies": indicator.discrepancies,
            }
        )
    return result

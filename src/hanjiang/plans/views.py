from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from hanjiang.accounts.access import public_page, roles_required
from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.http import DOCX, XLSX, download
from hanjiang.core.periods import Period
from hanjiang.plans import selectors
from hanjiang.plans.loader import PlanFileError, plan_load
from hanjiang.plans.models import Plan, PlanIndicator
from hanjiang.plans.progress import STATUSES, indicator_progress
from hanjiang.plans.services import figure_record
from hanjiang.registry.models import Division, DivisionLevel
from hanjiang.reporting.models import DataValue
from hanjiang.reporting.selectors import figure_table

ANY_ROLE = tuple(Role)


def _plan(code: str) -> Plan:
    return get_object_or_404(Plan, code=code)


def _filters(request: HttpRequest) -> dict[str, str]:
    return {
        "department": request.GET.get("department", ""),
        "status": request.GET.get("status", "")
        if request.GET.get("status", "") in STATUSES
        else "",
        "branch": request.GET.get("branch", ""),
    }


@roles_required(*ANY_ROLE)
def plan_index(request: HttpRequest) -> HttpResponse:
    plan = Plan.objects.first()
    if plan is None:
        return render(request, "plans/no_plan.html")
    return redirect("plans:dashboard", plan.code)


@roles_required(*ANY_ROLE)
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    filters = _filters(request)
    today = timezone.localdate()
    rows, counts = selectors.plan_tree(
        plan,
        today,
        department=filters["department"],
        status=filters["status"],
        branch=filters["branch"],
    )
    return render(
        request,
        "plans/dashboard.html",
        {
            "plan": plan,
            "plans": Plan.objects.all(),
            "rows": rows,
            "counts": counts,
            "filters": filters,
            "statuses": STATUSES,
            "departments": selectors.plan_departments(plan),
            "branches": plan.indicators.filter(level=1).order_by("sort_order"),
            "projects": plan.projects.all(),
            "today": today,
            "is_public": False,
        },
    )


@public_page
def public_progress(request: HttpRequest, code: str) -> HttpResponse:
    plan = _plan(code)
    if not plan.is_published:
        raise Http404
    today = timezone.localdate()
    rows, counts = selectors.plan_tree(plan, today)
    return render(
        request,
        "plans/public.html",
        {"plan": plan, "rows": rows, "counts": counts, "today": today, "is_public": True},
    )


@roles_required(*ANY_ROLE)
def indicator_detail(request: HttpRequest, code: str, indicator_code: str) -> HttpResponse:
    plan = _plan(code)
    indicator = get_object_or_404(PlanIndicator, plan=plan, code=indicator_code)
    if not indicator.target_kind:
        raise Http404
    today = timezone.localdate()
    entry_errors: list[Any] = []
    if request.method == "POST":
        if scope_of(request.user).role != Role.CITY_ADMIN or not indicator.measure_element:
            raise PermissionDenied
        summary = figure_record(
            actor=request.user,
            plan=plan,
            element=indicator.measure_element,
            year=request.POST.get("year", ""),
            value=request.POST.get("value", ""),
            citation=request.POST.get("citation", ""),
        )
        entry_errors = summary.conflicts
        if not entry_errors:
            messages.success(request, _("Figure recorded."))
            return redirect(request.path)
    progress = indicator_progress(indicator, plan, today)
    scope = scope_of(request.user)
    counties = list(Division.objects.filter(level=DivisionLevel.COUNTY).order_by("code"))
    if scope.role == Role.COUNTY_OFFICER:
        counties = [county for county in counties if scope.covers_code(county.code)]
    elif scope.role == Role.ENTERPRISE:
        counties = []
    breakdown: list[dict[str, Any]] = []
    latest_year = progress.latest.year if progress.latest else today.year - 1
    if progress.latest is None and indicator.measure_element:
        # No city figure yet: show the latest year any county has one for.
        county_years = DataValue.objects.filter(
            element__code=indicator.measure_element,
            org_unit__in=[county.code for county in counties],
            period_type="yearly",
        ).values_list("period", flat=True)
        latest_year = max((int(year) for year in county_years), default=latest_year)
    code_key = indicator.measure_element or indicator.measure_indicator
    if code_key and counties:
        table = figure_table(Period.year(latest_year), "county", [indicator.measure_indicator])
        for county in counties:
            breakdown.append(
                {
                    "name": county.name,
                    "code": county.short_code,
                    "value": table.get(county.code, {}).get(code_key),
                }
            )
    value_target = indicator.target_kind in {"absolute", "at_least", "percentage", "range"}
    chart = {
        "years": [point.year for point in progress.series],
        "values": [point.value for point in progress.series],
        "target": (
            (indicator.target_low if indicator.target_kind == "range" else indicator.target_value)
            if value_target
            else None
        ),
        "target_high": indicator.target_high if value_target else None,
        "target_year": indicator.target_year or plan.end_year,
        "projection": progress.projection,
        "baseline": indicator.baseline_value,
        "baseline_year": indicator.baseline_year,
        "name": indicator.name,
        "unit": indicator.unit if value_target else "",
        "projection_label": _("Projection"),
    }
    return render(
        request,
        "plans/indicator.html",
        {
            "plan": plan,
            "indicator": indicator,
            "progress": progress,
            "chart": chart,
            "breakdown": breakdown,
            "breakdown_year": latest_year,
            "entry_errors": entry_errors,
            "can_record": scope_of(request.user).role == Role.CITY_ADMIN
            and bool(indicator.measure_element),
            "years": list(range(plan.baseline_year, min(plan.end_year, today.year - 1) + 1)),
        },
        status=422 if entry_errors else 200,
    )


@roles_required(Role.CITY_ADMIN)
def plan_upload(request: HttpRequest) -> HttpResponse:
    problems: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problems = [_("Choose a plan file (.yaml).")]
        elif upload.size is not None and upload.size > 5 * 1024 * 1024:
            problems = [_("The file is larger than 5 MB.")]
        else:
            try:
                text = upload.read().decode("utf-8")
                result = plan_load(text)
            except UnicodeDecodeError:
                problems = [_("The file is not UTF-8 text.")]
            except PlanFileError as error:
                problems = error.problems
            else:
                messages.success(
                    request,
                    _("Plan loaded: %(indicators)d indicators, %(projects)d projects.")
                    % {"indicators": result.indicators, "projects": result.projects},
                )
                return redirect("plans:dashboard", result.plan.code)
    return render(
        request, "plans/upload.html", {"problems": problems}, status=422 if problems else 200
    )


@roles_required(Role.CITY_ADMIN, Role.REVIEWER)
def report_download(request: HttpRequest, code: str, year: int, fmt: str) -> HttpResponse:
    from hanjiang.plans.reports import build_docx, build_xlsx

    plan = _plan(code)
    kind = request.GET.get("kind", "annual")
    if kind not in {"annual", "midterm", "final"} or fmt not in {"docx", "xlsx"}:
        raise Http404
    if not plan.start_year - 1 <= year <= plan.end_year + 5:
        raise Http404
    today = timezone.localdate()
    name = f"{plan.code}-{year}-{kind}.{fmt}"
    if fmt == "docx":
        return download(build_docx(plan, year=year, kind=kind, today=today), name, DOCX)
    return download(build_xlsx(plan, year=year, today=today), name, XLSX)

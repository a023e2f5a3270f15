from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hanjiang.accounts.access import roles_required
from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.errors import DomainError
from hanjiang.core.http import download
from hanjiang.core.models import AuditChannel
from hanjiang.core.periods import InvalidPeriod, Period
from hanjiang.core.spreadsheets import write_table
from hanjiang.registry.models import Division, DivisionLevel
from hanjiang.registry.permissions import can_view_division
from hanjiang.reporting import excel, selectors, workflow
from hanjiang.reporting.models import (
    DataElement,
    DataSet,
    Indicator,
    Submission,
    SubmissionStatus,
    ValidationRule,
)
from hanjiang.reporting.rules import detect_outliers, evaluate_rules
from hanjiang.reporting.values import ValueRow, values_import

ANY_ROLE = tuple(Role)
REPORTERS = (Role.CITY_ADMIN, Role.COUNTY_OFFICER, Role.ENTERPRISE)


def _period(code: str) -> Period:
    try:
        return Period.parse(code)
    except InvalidPeriod:
        raise Http404 from None


def _readable_unit(request: HttpRequest, data_set: DataSet, unit: str) -> str:
    """The unit's name if the user may see its report; 403 otherwise, 404 if it reports nothing."""
    scope = scope_of(request.user)
    units = dict(selectors.reporting_units_for(scope, data_set))
    if unit in units:
        return units[unit]
    if unit in dict(workflow.expected_units(data_set)):
        raise PermissionDenied
    raise Http404


@roles_required(*ANY_ROLE)
def overview(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    reports = selectors.report_statuses(scope)
    return render(
        request,
        "reporting/overview.html",
        {
            "reports": reports,
            "data_sets": DataSet.objects.exclude(code__startswith="SYNTH").order_by("code"),
            "today": timezone.localdate(),
            "is_admin": scope.is_admin,
        },
    )


@roles_required(*ANY_ROLE)
def metadata(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reporting/metadata.html",
        {
            "elements": DataElement.objects.exclude(code__startswith="SYNTH").select_related(
                "category"
            ),
            "data_sets": DataSet.objects.exclude(code__startswith="SYNTH").prefetch_related(
                "members__element"
            ),
            "indicators": Indicator.objects.all(),
            "rules": ValidationRule.objects.select_related("data_set"),
        },
    )


def _entry_context(data_set: DataSet, period: Period, unit: str, name: str) -> dict[str, Any]:
    submission = Submission.objects.filter(
        data_set=data_set, period=period.code, org_unit=unit
    ).first()
    return {
        "data_set": data_set,
        "period": period,
        "unit": unit,
        "unit_name": name,
        "cells": selectors.entry_cells(data_set, period, unit),
        "submission": submission,
        "locked": submission is not None
        and submission.status in {SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED},
        "violations": evaluate_rules(data_set, period, unit),
        "outliers": detect_outliers(data_set, period, unit),
        "due": workflow.due_date(data_set, period),
    }


@roles_required(*ANY_ROLE)
def entry(request: HttpRequest, data_set_code: str, period_code: str, unit: str) -> HttpResponse:
    data_set = get_object_or_404(DataSet, code=data_set_code)
    period = _period(period_code)
    name = _readable_unit(request, data_set, unit)
    conflicts: list[Any] = []
    if request.method == "POST":
        if scope_of(request.user).role not in REPORTERS:
            raise PermissionDenied
        rows = [
            ValueRow(
                element=cell.element.code,
                period=period.code,
                org_unit=unit,
                category_option=cell.option_code,
                value=request.POST.get(cell.field_name, ""),
                comment=request.POST.get("c" + cell.field_name[1:], ""),
                explanation=request.POST.get("x" + cell.field_name[1:], ""),
            )
            for cell in selectors.entry_cells(data_set, period, unit)
        ]
        summary = values_import(
            actor=request.user,
            rows=rows,
            source_code="entry",
            channel=AuditChannel.WEB,
            atomic=True,
        )
        conflicts = summary.conflicts
        if not conflicts:
            messages.success(
                request,
                _("Saved: %(new)d new, %(changed)d changed, %(removed)d removed.")
                % {"new": summary.imported, "changed": summary.updated, "removed": summary.deleted},
            )
            return redirect(request.path)
    context = _entry_context(data_set, period, unit, name)
    context["conflicts"] = conflicts
    if conflicts:
        # Show what the user typed, not the stored values, so nothing typed is lost.
        context["cells"] = [
            replace(
                cell,
                value=request.POST.get(cell.field_name, ""),
                comment=request.POST.get("c" + cell.field_name[1:], ""),
                explanation=request.POST.get("x" + cell.field_name[1:], ""),
            )
            for cell in context["cells"]
        ]
    context["can_write"] = scope_of(request.user).role in REPORTERS
    return render(request, "reporting/entry.html", context, status=422 if conflicts else 200)


@require_POST
@roles_required(*REPORTERS)
def submit(request: HttpRequest, data_set_code: str, period_code: str, unit: str) -> HttpResponse:
    data_set = get_object_or_404(DataSet, code=data_set_code)
    period = _period(period_code)
    _readable_unit(request, data_set, unit)
    try:
        workflow.report_submit(actor=request.user, data_set=data_set, period=period, unit=unit)
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied from error
        for item in error.errors:
            messages.error(request, str(item.message))
    else:
        messages.success(request, _("Report submitted to the city for approval."))
    return redirect("reporting:entry", data_set.code, period.code, unit)


@require_POST
@roles_required(Role.CITY_ADMIN)
def decide(request: HttpRequest, submission_id: int, decision: str) -> HttpResponse:
    submission = get_object_or_404(Submission, pk=submission_id)
    comment = request.POST.get("comment", "")
    actions = {
        "approve": workflow.report_approve,
        "return": workflow.report_return,
        "reopen": workflow.report_reopen,
    }
    if decision not in actions:
        raise Http404
    try:
        actions[decision](actor=request.user, submission=submission, comment=comment)
    except DomainError as error:
        for item in error.errors:
            messages.error(request, str(item.message))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect(
        "reporting:entry", submission.data_set.code, submission.period, submission.org_unit
    )


@roles_required(*ANY_ROLE)
def completeness(request: HttpRequest, data_set_code: str, period_code: str) -> HttpResponse:
    data_set = get_object_or_404(DataSet, code=data_set_code)
    if period_code == "latest":
        period = selectors.recent_periods(data_set.period_type, timezone.localdate(), 1)[0]
    else:
        period = _period(period_code)
    scope = scope_of(request.user)
    visible = {code for code, _name in selectors.reporting_units_for(scope, data_set)}
    rows = [row for row in workflow.completeness(data_set, period) if row.unit in visible]
    if request.GET.get("format") == "xlsx":
        labels = {"on_time": _("On time"), "late": _("Late"), "missing": _("Not reported")}
        content = write_table(
            str(_("Completeness")),
            excel.COMPLETENESS_COLUMNS,
            [
                {
                    "unit": row.unit,
                    "name": row.name,
                    "status": labels[row.status],
                    "submitted_at": timezone.localtime(row.submission.submitted_at).strftime(
                        "%Y-%m-%d %H:%M"
                    )
                    if row.submission and row.submission.submitted_at
                    else "",
                }
                for row in rows
            ],
        )
        return download(content, f"completeness-{data_set.code}-{period.code}.xlsx")
    counts = {
        status: sum(1 for row in rows if row.status == status)
        for status in ("on_time", "late", "missing")
    }
    return render(
        request,
        "reporting/completeness.html",
        {
            "data_set": data_set,
            "period": period,
            "rows": rows,
            "counts": counts,
            "due": workflow.due_date(data_set, period),
            "periods": selectors.recent_periods(data_set.period_type, timezone.localdate(), 8),
        },
    )


@roles_required(Role.CITY_ADMIN, Role.REVIEWER, Role.COUNTY_OFFICER)
def figures(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    city = Division.objects.filter(level=DivisionLevel.CITY).values_list("code", flat=True).first()
    code = request.GET.get("unit") or (city or "" if scope.reads_everything else "")
    if not code and scope.county_prefix:
        code = scope.county_prefix + "000000"
    division = Division.objects.filter(code=code.ljust(12, "0")).first()
    if division is None:
        division = Division.objects.filter(level=DivisionLevel.CITY).first()
    if division is None or not can_view_division(scope, division):
        raise PermissionDenied
    today = timezone.localdate()
    try:
        period = (
            Period.parse(request.GET.get("period", ""))
            if request.GET.get("period")
            else Period.year(today.year - 1)
        )
    except InvalidPeriod:
        period = Period.year(today.year - 1)
    rows = selectors.unit_figures(division, period)
    if request.GET.get("format") == "xlsx":
        content = write_table(
            f"{division.short_code} {period.code}",
            excel.FIGURE_COLUMNS,
            [
                {
                    "kind": _("Indicator") if row.kind == "indicator" else _("Element"),
                    "code": row.code,
                    "name": row.name,
                    "value": row.value if row.value is not None else _("missing"),
                    "unit": row.unit,
                }
                for row in rows
            ],
        )
        return download(content, f"figures-{division.short_code}-{period.code}.xlsx")
    counties = Division.objects.filter(level=DivisionLevel.COUNTY).order_by("code")
    units = list(Division.objects.filter(level=DivisionLevel.CITY)) + [
        county for county in counties if can_view_division(scope, county)
    ]
    return render(
        request,
        "reporting/figures.html",
        {
            "division": division,
            "period": period,
            "rows": rows,
            "units": units,
            "periods": [Period.year(today.year - step) for step in range(6)]
            + [Period.quarter(today.year, q) for q in range(1, 5)]
            + [Period.quarter(today.year - 1, q) for q in range(1, 5)],
        },
    )


@roles_required(*REPORTERS)
def excel_template(request: HttpRequest, data_set_code: str, period_code: str) -> HttpResponse:
    data_set = get_object_or_404(DataSet, code=data_set_code)
    period = _period(period_code)
    units = selectors.reporting_units_for(scope_of(request.user), data_set)
    wanted = set(request.GET.getlist("unit"))
    if wanted:
        units = [unit for unit in units if unit[0] in wanted]
    content = excel.entry_workbook(data_set, period, units)
    return download(content, f"{data_set.code}-{period.code}.xlsx")


@roles_required(*REPORTERS)
def excel_upload(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"data_sets": DataSet.objects.exclude(code__startswith="SYNTH")}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["errors"] = [{"row": None, "field": "file", "message": _("Choose a file.")}]
            return render(request, "reporting/upload.html", context, status=422)
        try:
            frame = excel.read_entry_workbook(upload)
        except DomainError as error:
            context["errors"] = error.errors
            return render(request, "reporting/upload.html", context, status=422)
        summary = values_import(
            actor=request.user,
            rows=frame,
            source_code="import",
            atomic=True,
            channel=AuditChannel.IMPORT,
            dry_run=bool(request.POST.get("dry_run")),
        )
        if summary.conflicts:
            context["errors"] = summary.conflicts
            return render(request, "reporting/upload.html", context, status=422)
        context["summary"] = summary
    return render(request, "reporting/upload.html", context)

import datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Schema

from hanjiang.accounts.api_auth import roles_auth
from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import Scope, scope_of
from hanjiang.core.errors import DomainError, ErrorItem, ValidationFailed
from hanjiang.core.models import AuditChannel
from hanjiang.core.periods import InvalidPeriod, Period
from hanjiang.registry.models import Division, Organisation
from hanjiang.reporting import dhis2, selectors, workflow
from hanjiang.reporting.models import DataElement, DataSet, DataValue, Indicator
from hanjiang.reporting.values import values_import

router = Router(tags=["reporting"])
ANY_ROLE = tuple(Role)
REPORTERS = (Role.CITY_ADMIN, Role.COUNTY_OFFICER, Role.ENTERPRISE)


class ImportQuery(Schema):
    dryRun: bool = False
    atomicMode: str = "NONE"


class ExportQuery(Schema):
    dataSet: str = ""
    period: str = ""
    orgUnit: str = ""
    children: bool = False
    format: str = "json"


class DataSetOut(Schema):
    code: str
    name_zh: str
    name_en: str
    period_type: str
    reporting_units: str
    due_days: int
    lock_days: int
    elements: list[str]

    @staticmethod
    def resolve_elements(data_set: DataSet) -> list[str]:
        return [member.element.code for member in data_set.members.all()]


class DataElementOut(Schema):
    code: str
    name_zh: str
    name_en: str
    value_type: str
    unit_zh: str
    aggregation: str
    dimension: str
    definition_zh: str


class IndicatorOut(Schema):
    code: str
    name_zh: str
    name_en: str
    numerator: str
    denominator: str
    factor: float
    unit_zh: str
    dimension: str


class FigureOut(Schema):
    code: str
    kind: str
    name: str
    unit: str
    value: float | None


class CompletenessOut(Schema):
    org_unit: str
    name: str
    status: str
    submitted_at: datetime.datetime | None


@router.post(
    "/dataValueSets",
    summary="Import data values (DHIS2 dataValueSets JSON or CSV)",
    auth=roles_auth(*REPORTERS),
)
def data_value_sets_import(request: HttpRequest, query: Query[ImportQuery]) -> dict[str, Any]:
    """Send `application/json` (`{"dataValues": [...]}`) or `text/csv` (DHIS2's columns).
    `dryRun=true` checks without saving; `atomicMode=ALL` saves nothing if any row is refused.
    Importing the same file twice changes nothing (every value is counted as ignored)."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.API_IMPORT_MAX_BYTES:
        raise DomainError(
            "file_too_large",
            _("The request is larger than %(mb)d MB.")
            % {"mb": settings.API_IMPORT_MAX_BYTES // (1024 * 1024)},
            status=413,
        )
    body = request.read(length) if length else request.read()
    content_type = request.content_type or ""
    try:
        frame = dhis2.parse_csv(body) if "csv" in content_type else dhis2.parse_json(body)
    except dhis2.FormatError as error:
        raise ValidationFailed(
            [
                ErrorItem(
                    "malformed_file", _("The file cannot be read: %(reason)s") % {"reason": error}
                )
            ]
        ) from None
    atomic = query.atomicMode.upper() == "ALL"
    summary = values_import(
        actor=request.user,
        rows=frame,
        source_code="import",
        dry_run=query.dryRun,
        atomic=atomic,
        channel=AuditChannel.API,
    )
    return summary.as_dict()


def _export_values(scope: Scope, query: ExportQuery) -> QuerySet[DataValue]:
    values = DataValue.objects.select_related("element", "source").order_by(
        "org_unit", "period", "element__code", "category_option"
    )
    if query.dataSet:
        values = values.filter(element__data_sets__code=query.dataSet)
    if query.period:
        values = values.filter(period=query.period)
    if query.orgUnit:
        code = query.orgUnit.strip()
        division = (
            Division.objects.filter(code=code.ljust(12, "0")).first() if code.isdigit() else None
        )
        if division is not None and query.children:
            values = values.filter(division_code__startswith=division.territory_prefix)
        else:
            values = values.filter(org_unit=division.code if division else code.upper())
    if scope.role == Role.COUNTY_OFFICER:
        values = values.filter(division_code__startswith=scope.county_prefix or "-")
    elif scope.role == Role.ENTERPRISE:
        own = Organisation.objects.filter(pk=scope.organisation_id or 0).values_list(
            "uscc", flat=True
        )
        values = values.filter(org_unit__in=list(own))
    return values


@router.get(
    "/dataValueSets",
    summary="Export data values (dataValueSets JSON or CSV)",
    auth=roles_auth(*ANY_ROLE),
)
def data_value_sets_export(request: HttpRequest, query: Query[ExportQuery]) -> HttpResponse:
    values = _export_values(scope_of(request.user), query)
    if query.format == "csv":
        return HttpResponse(
            dhis2.render_csv(values.iterator()), content_type="text/csv; charset=utf-8"
        )
    return HttpResponse(dhis2.render_json(values.iterator()), content_type="application/json")


@router.get("/dataSets", response=list[DataSetOut], summary="Data sets", auth=roles_auth(*ANY_ROLE))
def data_set_list(request: HttpRequest) -> QuerySet[DataSet]:
    return DataSet.objects.prefetch_related("members__element").order_by("code")


@router.get(
    "/dataElements",
    response=list[DataElementOut],
    summary="Data elements",
    auth=roles_auth(*ANY_ROLE),
)
def data_element_list(request: HttpRequest) -> QuerySet[DataElement]:
    return DataElement.objects.order_by("code")


@router.get(
    "/indicators", response=list[IndicatorOut], summary="Indicators", auth=roles_auth(*ANY_ROLE)
)
def indicator_list(request: HttpRequest) -> QuerySet[Indicator]:
    return Indicator.objects.order_by("code")


def _period(code: str) -> Period:
    try:
        return Period.parse(code)
    except InvalidPeriod:
        raise ValidationFailed(
            [
                ErrorItem(
                    "invalid_period",
                    _("“%(value)s” is not a period code.") % {"value": code},
                    field="period",
                )
            ]
        ) from None


@router.get(
    "/figures/{unit}/{period}",
    response=list[FigureOut],
    summary="Aggregated figures and indicators of a division for a period",
    auth=roles_auth(*ANY_ROLE),
)
def figures(request: HttpRequest, unit: str, period: str) -> list[dict[str, Any]]:
    division = get_object_or_404(Division, code=unit.ljust(12, "0"))
    scope = scope_of(request.user)
    if scope.role == Role.COUNTY_OFFICER and not scope.covers_code(division.code):
        raise DomainError("outside_scope", _("This unit lies outside your scope."), status=403)
    if scope.role == Role.ENTERPRISE:
        raise DomainError("forbidden", _("Your role does not allow this operation."), status=403)
    return [
        {"code": row.code, "kind": row.kind, "name": row.name, "unit": row.unit, "value": row.value}
        for row in selectors.unit_figures(division, _period(period))
    ]


@router.get(
    "/completeness/{data_set}/{period}",
    response=list[CompletenessOut],
    summary="Who reported on time, late or not at all",
    auth=roles_auth(Role.CITY_ADMIN, Role.REVIEWER, Role.COUNTY_OFFICER),
)
def completeness(request: HttpRequest, data_set: str, period: str) -> list[dict[str, Any]]:
    found = get_object_or_404(DataSet, code=data_set)
    visible = {code for code, _name in selectors.reporting_units_for(scope_of(request.user), found)}
    return [
        {
            "org_unit": row.unit,
            "name": row.name,
            "status": row.status,
            "submitted_at": row.submission.submitted_at if row.submission else None,
        }
        for row in workflow.completeness(found, _period(period))
        if row.unit in visible
    ]

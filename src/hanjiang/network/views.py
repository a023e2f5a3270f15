from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from hanjiang.accounts.access import roles_required
from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.errors import DomainError
from hanjiang.core.forms import attempt, form_input
from hanjiang.core.http import download
from hanjiang.core.selectors import record_in_scope
from hanjiang.network import coverage, excel, figures
from hanjiang.network.designations import (
    DesignationInput,
    designation_save,
    designations_import,
    held_in,
)
from hanjiang.network.facilities import COLD_CHAIN, EXPRESS, PARKS, SCENIC
from hanjiang.network.models import (
    DesignationKind,
    DesignationLevel,
    ServiceKind,
    StationLevel,
    StationStatus,
    TrainingKind,
)
from hanjiang.network.registries import active, in_scope
from hanjiang.network.selectors import (
    designations_in_scope,
    stations_in_scope,
    trainings_in_scope,
)
from hanjiang.network.services import StationInput, station_save, stations_import
from hanjiang.network.training import TrainingInput, training_import, training_record
from hanjiang.registry.models import Division, DivisionKind, DivisionLevel
from hanjiang.registry.permissions import can_view_division
from hanjiang.reporting.models import DataValue

ANY_ROLE = tuple(Role)
TREND_ELEMENTS = [
    *coverage.ELEMENTS,
    *figures.EXPRESS.elements,
    *figures.PARKS.elements,
    *figures.COLD_CHAIN.elements,
    *figures.SCENIC.elements,
]
WRITERS = (Role.CITY_ADMIN, Role.COUNTY_OFFICER)


def _filtered(request: HttpRequest) -> Any:
    stations = stations_in_scope(request.user)
    level = request.GET.get("level", "")
    county = request.GET.get("county", "")
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    if level in StationLevel.values:
        stations = stations.filter(level=level)
    if county.isdigit():
        stations = stations.filter(division__code__startswith=county[:6])
    if status in StationStatus.values:
        stations = stations.filter(status=status)
    if query:
        stations = stations.filter(name__icontains=query)
    return stations


@roles_required(*ANY_ROLE)
def station_list(request: HttpRequest) -> HttpResponse:
    stations = _filtered(request)
    if request.GET.get("format") == "xlsx":
        return download(excel.stations_workbook(stations), "stations.xlsx")
    page = Paginator(stations, 50).get_page(request.GET.get("page"))
    scope = scope_of(request.user)
    return render(
        request,
        "network/station_list.html",
        {
            "page": page,
            "levels": StationLevel.choices,
            "statuses": StationStatus.choices,
            "counties": [
                c
                for c in Division.objects.filter(level=DivisionLevel.COUNTY)
                if can_view_division(scope, c)
            ],
            "filters": request.GET,
            "can_write": scope.role in WRITERS,
        },
    )


def _form_input(request: HttpRequest) -> StationInput:
    post = request.POST
    return StationInput(
        name=post.get("name", ""),
        level=post.get("level", ""),
        division_code=post.get("division_code", ""),
        opened_on=post.get("opened_on", ""),
        closed_on=post.get("closed_on", ""),
        operator_uscc=post.get("operator_uscc", ""),
        address=post.get("address", ""),
        latitude=post.get("latitude", ""),
        longitude=post.get("longitude", ""),
        services=tuple(post.getlist("services")),
        status=post.get("status", StationStatus.ACTIVE),
        note=post.get("note", ""),
    )


@roles_required(*WRITERS)
def station_edit(request: HttpRequest, station_id: int | None = None) -> HttpResponse:
    station = None
    if station_id is not None:
        station = record_in_scope(stations_in_scope(request.user), station_id)
    errors: list[Any] = []
    if request.method == "POST":
        saved, errors = attempt(
            lambda: station_save(actor=request.user, data=_form_input(request), station=station)
        )
        if saved is not None:
            messages.success(request, _("Station saved."))
            return redirect("network:station-detail", saved.pk)
    return render(
        request,
        "network/station_form.html",
        {
            "station": station,
            "errors": errors,
            "values": request.POST if request.method == "POST" else None,
            "levels": StationLevel.choices,
            "statuses": StationStatus.choices,
            "services": ServiceKind.objects.all(),
            "chosen": set(request.POST.getlist("services"))
            if request.method == "POST"
            else {kind.code for kind in station.services.all()}
            if station
            else set(),
        },
        status=422 if errors else 200,
    )


@roles_required(*ANY_ROLE)
def station_detail(request: HttpRequest, station_id: int) -> HttpResponse:
    station = record_in_scope(stations_in_scope(request.user), station_id)
    return render(
        request,
        "network/station_detail.html",
        {
            "station": station,
            "can_write": scope_of(request.user).covers_code(station.division.code)
            and scope_of(request.user).role in WRITERS,
        },
    )


def _import_page(
    request: HttpRequest, template: str, parse: Callable[[Any], Any], run: Callable[..., int]
) -> HttpResponse:
    """An all-or-nothing Excel import: the rows' errors, or how many records were created."""
    context: dict[str, Any] = {}
    if request.method == "POST" and request.FILES.get("file"):
        try:
            context["created"] = run(actor=request.user, rows=parse(request.FILES["file"]))
        except DomainError as error:
            context["errors"] = error.errors
            return render(request, template, context, status=422)
    return render(request, template, context)


@roles_required(*WRITERS)
def station_import(request: HttpRequest) -> HttpResponse:
    return _import_page(
        request, "network/station_import.html", excel.parse_stations, stations_import
    )


def _published_2020(codes: list[str]) -> dict[tuple[str, str], float | None]:
    values = DataValue.objects.filter(
        element__code__in=codes, period="2020", source__kind="published"
    ).values_list("element__code", "org_unit", "number")
    return {(code, unit): number for code, unit, number in values}


@roles_required(*ANY_ROLE)
def table_2_2(request: HttpRequest) -> HttpResponse:
    """表2-2 rebuilt from the stored figures, with coverage computed both ways."""
    published = _published_2020(list(coverage.ELEMENTS))
    rows: list[dict[str, Any]] = []
    for code in coverage.table_counties():
        county = Division.objects.get(code=code)
        townships, villages = coverage.listed_units(county, 2020)
        plan_townships, plan_villages = coverage.plan_denominators(county, 2020)
        stations = published.get(("TOWNSHIP_SERVICE_STATIONS", code))
        points = published.get(("VILLAGE_SERVICE_POINTS", code))
        rows.append(
            {
                "county": county,
                "centres": published.get(("COUNTY_ECOMMERCE_CENTERS", code)),
                "stations": stations,
                "points": points,
                "plan_township_rate": published.get(("TOWNSHIP_SERVICE_COVERAGE", code)),
                "plan_village_rate": published.get(("VILLAGE_SERVICE_COVERAGE", code)),
                "plan_townships": plan_townships,
                "plan_villages": plan_villages,
                "townships": townships,
                "villages": villages,
                "township_rate": 100 * stations / townships
                if stations is not None and townships
                else None,
                "village_rate": 100 * points / villages
                if points is not None and villages
                else None,
            }
        )
    totals = {key: sum(row[key] or 0 for row in rows) for key in ("centres", "stations", "points")}
    map_rows = [
        {"name": county.name, "value": rate}
        for county, rate in ((row["county"], row["plan_village_rate"]) for row in rows)
        if rate is not None and isinstance(county, Division)
    ]
    return render(
        request,
        "network/table_2_2.html",
        {"rows": rows, "totals": totals, "map_rows": map_rows},
    )


@roles_required(*ANY_ROLE)
def county_network(request: HttpRequest, code: str) -> HttpResponse:
    county = get_object_or_404(Division, code=code.ljust(12, "0"), level=DivisionLevel.COUNTY)
    if not can_view_division(scope_of(request.user), county):
        raise PermissionDenied
    today = timezone.localdate()
    now = coverage.county_coverage(county, today)
    served = set(
        coverage.active_on(today)
        .filter(
            level=StationLevel.VILLAGE_POINT, division__code__startswith=county.territory_prefix
        )
        .values_list("division_id", flat=True)
    )
    gaps = (
        Division.objects.filter(
            code__startswith=county.territory_prefix,
            kind=DivisionKind.VILLAGE,
            editions__year=coverage.edition_for(today.year),
        )
        .exclude(pk__in=served)
        .select_related("parent")
        .order_by("code")
    )
    served_express = set(
        figures.active_services(today)
        .filter(village__code__startswith=county.territory_prefix)
        .values_list("village_id", flat=True)
    )
    express_gaps = (
        Division.objects.filter(
            code__startswith=county.territory_prefix,
            kind=DivisionKind.VILLAGE,
            editions__year=coverage.edition_for(today.year),
        )
        .exclude(pk__in=served_express)
        .select_related("parent")
        .order_by("code")
    )
    trend, years = _trend(county)
    return render(
        request,
        "network/county.html",
        {
            "county": county,
            "coverage": now,
            "gaps": gaps[:500],
            "gap_count": gaps.count(),
            "trend": trend,
            "years": years,
            "stations": stations_in_scope(request.user).filter(
                division__code__startswith=county.territory_prefix
            ),
            "express_gap_count": express_gaps.count() if served_express else None,
            "express_gaps": express_gaps[:500] if served_express else [],
            "townships": _township_rows(county.territory_prefix, today),
            "facilities": [
                (
                    registry,
                    in_scope(registry, request.user).filter(
                        division__code__startswith=county.territory_prefix
                    ),
                )
                for registry in (PARKS, COLD_CHAIN, SCENIC)
            ],
            "express_registry": EXPRESS,
        },
    )


def _trend(county: Division) -> tuple[list[dict[str, Any]], list[str]]:
    """The county's yearly figures as rows (one per element, in the network's order) by year,
    each value with its source; the years any figure covers."""
    values = DataValue.objects.filter(
        org_unit=county.code, element__code__in=TREND_ELEMENTS, period_type="yearly"
    ).select_related("element", "source")
    years = sorted({value.period for value in values})
    rows: dict[str, dict[str, Any]] = {}
    for value in values:
        row = rows.setdefault(
            value.element.code,
            {"element": value.element, "cells": {}, "sources": set()},
        )
        row["cells"][value.period] = value
        row["sources"].add(value.source.name_zh)
    ordered = [rows[code] for code in TREND_ELEMENTS if code in rows]
    for row in ordered:
        row["cells"] = [row["cells"].get(year) for year in years]
        row["sources"] = sorted(row["sources"])
    return ordered, years


def _heat(rate: float | None) -> str:
    return "" if rate is None else f"heat-{min(int(rate // 20), 4)}"


def _township_rows(prefix: str, day: Any) -> list[dict[str, Any]]:
    return [
        {"row": row, "point_heat": _heat(row.point_rate), "express_heat": _heat(row.express_rate)}
        for row in figures.township_table(prefix, day)
    ]


@roles_required(*ANY_ROLE)
def network_map(request: HttpRequest) -> HttpResponse:
    """Counties coloured by today's coverage from the registries; stations, parks and cold-chain
    facilities with coordinates as points; coverage by township as a table."""
    today = timezone.localdate()
    scope = scope_of(request.user)
    metric = request.GET.get("metric", "points")
    metric = metric if metric in {"points", "express"} else "points"
    counties = [
        c
        for c in Division.objects.filter(level=DivisionLevel.COUNTY)
        if can_view_division(scope, c)
    ]
    express = figures.express_figures(today)
    map_rows = []
    for county in counties:
        if metric == "points":
            now = coverage.county_coverage(county, today)
            has_points = now.points or now.stations or now.centres
            value = now.village_rate if has_points else None
        else:
            value = express.get(county.code[:6], {}).get("VILLAGE_EXPRESS_COVERAGE")
        map_rows.append(
            {"name": county.name, "value": round(value, 1) if value is not None else None}
        )
    points = [
        {
            "label": str(label),
            "color": color,
            "points": [
                {"name": item.name, "value": [str(item.longitude), str(item.latitude)]}
                for item in records.filter(latitude__isnull=False, longitude__isnull=False)[:2000]
            ],
        }
        for label, color, records in (
            (
                _("Service stations"),
                "#1f5fa8",
                coverage.active_on(today).filter(pk__in=stations_in_scope(request.user)),
            ),
            (
                _("Parks"),
                "#8e44ad",
                active(in_scope(PARKS, request.user), "opened_on", "closed_on", today),
            ),
            (
                _("Cold-chain facilities"),
                "#16a085",
                active(in_scope(COLD_CHAIN, request.user), "opened_on", "closed_on", today),
            ),
        )
    ]
    prefix = scope.county_prefix if scope.role == Role.COUNTY_OFFICER else ""
    chosen = request.GET.get("county", "")
    if chosen.isdigit() and any(c.short_code == chosen[:6] for c in counties):
        prefix = chosen[:6]
    return render(
        request,
        "network/map.html",
        {
            "metric": metric,
            "map_rows": map_rows,
            "points": points,
            "point_count": sum(len(group["points"]) for group in points),
            "townships": _township_rows(prefix or "-", today) if prefix else [],
            "counties": counties,
            "chosen": prefix or "",
        },
    )


@roles_required(*ANY_ROLE)
def designation_list(request: HttpRequest) -> HttpResponse:
    items = designations_in_scope(request.user)
    level, kind = request.GET.get("level", ""), request.GET.get("kind", "")
    if level in DesignationLevel.values:
        items = items.filter(level=level)
    if kind in DesignationKind.values:
        items = items.filter(kind=kind)
    if request.GET.get("format") == "xlsx":
        return download(excel.designations_workbook(items), "designations.xlsx")
    year = timezone.localdate().year
    held = held_in(year).filter(pk__in=items.values("pk"))
    summary = [
        {
            "level": DesignationLevel(lv).label,
            "kind": DesignationKind(kd).label,
            "count": held.filter(level=lv, kind=kd).count(),
        }
        for lv, kd in sorted({(d.level, d.kind) for d in items})
    ]
    return render(
        request,
        "network/designation_list.html",
        {
            "items": items,
            "levels": DesignationLevel.choices,
            "kinds": DesignationKind.choices,
            "filters": request.GET,
            "summary": summary,
            "year": year,
            "can_write": scope_of(request.user).role in WRITERS,
        },
    )


@roles_required(*WRITERS)
def designation_edit(request: HttpRequest, designation_id: int | None = None) -> HttpResponse:
    designation = None
    if designation_id is not None:
        designation = record_in_scope(designations_in_scope(request.user), designation_id)
    errors: list[Any] = []
    if request.method == "POST":
        data = form_input(DesignationInput, request.POST)
        saved, errors = attempt(
            lambda: designation_save(actor=request.user, data=data, designation=designation)
        )
        if saved is not None:
            messages.success(request, _("Designation saved."))
            return redirect("network:designation-list")
    return render(
        request,
        "network/designation_form.html",
        {
            "designation": designation,
            "errors": errors,
            "values": request.POST if request.method == "POST" else None,
            "levels": DesignationLevel.choices,
            "kinds": DesignationKind.choices,
        },
        status=422 if errors else 200,
    )


@roles_required(*WRITERS)
def designation_import(request: HttpRequest) -> HttpResponse:
    return _import_page(
        request, "network/designation_import.html", excel.parse_designations, designations_import
    )


@roles_required(Role.CITY_ADMIN, Role.REVIEWER, Role.COUNTY_OFFICER)
def training_list(request: HttpRequest) -> HttpResponse:
    sessions = trainings_in_scope(request.user)
    kind = request.GET.get("kind", "")
    if kind in TrainingKind.values:
        sessions = sessions.filter(kind=kind)
    if request.GET.get("year", "").isdigit():
        sessions = sessions.filter(held_on__year=int(request.GET["year"]))
    if request.GET.get("format") == "xlsx":
        return download(excel.training_workbook(sessions), "training.xlsx")
    errors: list[Any] = []
    if request.method == "POST":
        if scope_of(request.user).role not in WRITERS:
            raise PermissionDenied
        try:
            training_record(actor=request.user, data=_training_input(request))
        except DomainError as error:
            errors = error.errors
        else:
            messages.success(request, _("Training session recorded."))
            return redirect("network:training-list")
    totals = sessions.aggregate(count=Count("id"), persons=Sum("persons"))
    page = Paginator(sessions, 50).get_page(request.GET.get("page"))
    scope = scope_of(request.user)
    return render(
        request,
        "network/training_list.html",
        {
            "page": page,
            "totals": totals,
            "kinds": TrainingKind.choices,
            "filters": request.GET,
            "errors": errors,
            "values": request.POST if errors else None,
            "counties": [
                c
                for c in Division.objects.filter(level=DivisionLevel.COUNTY)
                if can_view_division(scope, c)
            ],
            "can_write": scope.role in WRITERS,
        },
        status=422 if errors else 200,
    )


def _training_input(request: HttpRequest) -> TrainingInput:
    post = request.POST
    return TrainingInput(
        held_on=post.get("held_on", ""),
        county=post.get("county", ""),
        organiser=post.get("organiser", ""),
        topic=post.get("topic", ""),
        kind=post.get("kind", ""),
        persons=post.get("persons", ""),
        note=post.get("note", ""),
    )


@roles_required(*WRITERS)
def training_edit(request: HttpRequest, session_id: int) -> HttpResponse:
    session = record_in_scope(trainings_in_scope(request.user), session_id)
    errors: list[Any] = []
    if request.method == "POST":
        try:
            training_record(actor=request.user, data=_training_input(request), session=session)
        except DomainError as error:
            errors = error.errors
        else:
            messages.success(request, _("Training session recorded."))
            return redirect("network:training-list")
    values = (
        request.POST
        if request.method == "POST"
        else {
            "held_on": session.held_on.isoformat(),
            "county": session.county.short_code,
            "organiser": session.organiser,
            "topic": session.topic,
            "kind": session.kind,
            "persons": session.persons,
            "note": session.note,
        }
    )
    scope = scope_of(request.user)
    return render(
        request,
        "network/training_form.html",
        {
            "session": session,
            "errors": errors,
            "values": values,
            "kinds": TrainingKind.choices,
            "counties": [
                c
                for c in Division.objects.filter(level=DivisionLevel.COUNTY)
                if can_view_division(scope, c)
            ],
        },
        status=422 if errors else 200,
    )


@roles_required(*WRITERS)
def training_upload(request: HttpRequest) -> HttpResponse:
    return _import_page(
        request, "network/training_import.html", excel.parse_training, training_import
    )

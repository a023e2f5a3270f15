"""Pages of the facility registries: list with filters and Excel export, detail, create and edit,
Excel import. One set of views serves every registry of `facilities`, named by its slug."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hanjiang.accounts.access import roles_required
from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.errors import DomainError
from hanjiang.core.forms import attempt
from hanjiang.core.http import download
from hanjiang.core.selectors import record_in_scope
from hanjiang.core.spreadsheets import Column, read_table, write_table
from hanjiang.network import facilities
from hanjiang.network.registries import (
    REGISTRIES,
    TRUE_WORDS,
    Field,
    Registry,
    display,
    in_county,
    in_scope,
    may_write,
    name_column,
    record_save,
    records_import,
)
from hanjiang.registry.models import Division, DivisionLevel
from hanjiang.registry.permissions import can_view_division

ANY_ROLE = tuple(Role)
_LINKED = {
    "Park": "parks",
    "Platform": "platforms",
    "ScenicSpot": "scenic-spots",
}


def registry_of(slug: str) -> Registry:
    if slug not in facilities.SLUGS:
        raise Http404
    try:
        return REGISTRIES[slug]
    except KeyError:
        raise Http404 from None


def page_value(record: Any, item: Field) -> dict[str, Any]:
    """A field's value on a page: its text and, for a record of another registry, its link."""
    value = getattr(record, item.name)
    if value is None or value == "":
        return {"text": "—", "missing": True}
    if item.kind == "division":
        parent = value.parent.name if value.parent_id and value.level != "county" else ""
        return {"text": f"{parent} {value.name}".strip(), "code": value.short_code}
    if item.kind == "organisation":
        return {"text": value.name, "code": value.uscc}
    if item.kind == "ref":
        slug = _LINKED.get(type(value).__name__)
        url = reverse(f"network:{slug}-detail", args=[value.pk]) if slug else ""
        return {"text": str(value), "url": url}
    return {"text": display(record, item)}


def _filtered(request: HttpRequest, registry: Registry) -> Any:
    records = in_scope(registry, request.user)
    if not records.ordered:
        records = records.order_by("pk")
    query = request.GET.get("q", "").strip()
    county = request.GET.get("county", "")
    choice = request.GET.get("choice", "")
    if query:
        match = Q(pk__in=[])
        for path in registry.search:
            match |= Q(**{f"{path}__icontains": query})
        records = records.filter(match)
    if county.isdigit():
        records = in_county(registry, records, county)
    if registry.filter_field and choice:
        item = registry.field(registry.filter_field)
        if choice in {str(value) for value in item.choices.values}:
            records = records.filter(**{item.name: choice})
    when = request.GET.get("status", "")
    if registry.period and when in {"current", "ended"}:
        start, end = registry.period
        today = timezone.localdate()
        ended = Q(**{f"{end}__lte": today})
        records = records.filter(ended) if when == "ended" else records.exclude(ended)
        if when == "current":
            records = records.exclude(**{f"{start}__gt": today})
    return records


def columns(registry: Registry) -> list[Column]:
    table: list[Column] = []
    for item in registry.fields:
        table.append(Column(item.key, item.label, required=item.required, width=18))
        if item.kind in {"division", "organisation"}:
            table.append(Column(f"{item.key}_name", name_column(item), export_only=True))
    return table


def workbook(registry: Registry, records: Any) -> bytes:
    rows = []
    for record in records:
        row: dict[str, Any] = {}
        for item in registry.fields:
            row[item.key] = str(display(record, item))
            value = getattr(record, item.name)
            if item.kind in {"division", "organisation"}:
                row[f"{item.key}_name"] = value.name if value is not None else ""
        rows.append(row)
    return write_table(str(registry.title), columns(registry), rows)


@roles_required(*ANY_ROLE)
def record_list(request: HttpRequest, slug: str) -> HttpResponse:
    registry = registry_of(slug)
    records = _filtered(request, registry)
    if request.GET.get("format") == "xlsx":
        return download(workbook(registry, records), f"{slug}.xlsx")
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    scope = scope_of(request.user)
    shown = registry.list_fields
    rows = [
        {"record": record, "cells": [page_value(record, item) for item in shown]} for record in page
    ]
    choice_field = registry.field(registry.filter_field) if registry.filter_field else None
    return render(
        request,
        "network/registry_list.html",
        {
            "registry": registry,
            "page": page,
            "rows": rows,
            "headers": [item.label for item in shown],
            "choices": choice_field.choices.choices if choice_field else [],
            "choice_label": choice_field.label if choice_field else "",
            "counties": [
                c
                for c in Division.objects.filter(level=DivisionLevel.COUNTY)
                if can_view_division(scope, c)
            ]
            if registry.territory
            else [],
            "filters": request.GET,
            "can_write": may_write(registry, scope),
        },
    )


@roles_required(*ANY_ROLE)
def record_detail(request: HttpRequest, slug: str, record_id: int) -> HttpResponse:
    registry = registry_of(slug)
    record = record_in_scope(in_scope(registry, request.user), record_id)
    children = []
    for child_slug, key in registry.children:
        child = REGISTRIES[child_slug]
        shown = [item for item in child.list_fields if item.attr != key and item.key != key]
        items = in_scope(child, request.user).filter(**{key: record})
        children.append(
            {
                "registry": child,
                "headers": [item.label for item in shown],
                "rows": [
                    {"record": item, "cells": [page_value(item, field) for field in shown]}
                    for item in items
                ],
                "can_write": may_write(child, scope_of(request.user)),
                "prefill": f"?{key}={record}",
            }
        )
    return render(
        request,
        "network/registry_detail.html",
        {
            "registry": registry,
            "record": record,
            "facts": [(item.label, page_value(record, item)) for item in registry.fields],
            "flags": registry.warnings(record),
            "children": children,
            "can_write": may_write(registry, scope_of(request.user)),
            "extra": _extra(registry, record),
        },
    )


def _extra(registry: Registry, record: Any) -> dict[str, Any]:
    if registry is facilities.PARKS:
        residents = facilities.residents_on(record, timezone.localdate())
        return {
            "residents": residents,
            "occupancy": 100 * residents / record.capacity if record.capacity else None,
        }
    return {}


@roles_required(Role.CITY_ADMIN, Role.COUNTY_OFFICER, Role.ENTERPRISE)
def record_edit(request: HttpRequest, slug: str, record_id: int | None = None) -> HttpResponse:
    registry = registry_of(slug)
    scope = scope_of(request.user)
    if not may_write(registry, scope):
        raise PermissionDenied
    record = None
    if record_id is not None:
        record = record_in_scope(in_scope(registry, request.user), record_id)
    errors: list[Any] = []
    if request.method == "POST":
        saved, errors = attempt(
            lambda: record_save(registry, actor=request.user, data=request.POST, instance=record)
        )
        if saved is not None:
            messages.success(request, _("Saved."))
            for warning in saved.warnings:
                messages.warning(request, warning)
            return redirect(f"network:{slug}-detail", saved.record.pk)
    values: Mapping[str, Any]
    if request.method == "POST":
        values = request.POST
    elif record is not None:
        values = {item.key: display(record, item) for item in registry.fields}
        values |= {
            item.key: str(getattr(record, item.name))
            for item in registry.fields
            if item.kind == "ref" and getattr(record, item.name) is not None
        }
    else:
        values = request.GET
    fields = [
        {
            "field": item,
            "value": values.get(item.key, ""),
            "errors": [error for error in errors if error.field == item.key],
            "choices": [(str(value), label) for value, label in item.choices.choices]
            if item.kind == "choice"
            else [],
            "checked": str(values.get(item.key, "")).lower() in TRUE_WORDS
            or str(values.get(item.key, "")) == _("Yes"),
        }
        for item in registry.fields
    ]
    return render(
        request,
        "network/registry_form.html",
        {
            "registry": registry,
            "record": record,
            "fields": fields,
            "errors": errors,
        },
        status=422 if errors else 200,
    )


@roles_required(Role.CITY_ADMIN, Role.COUNTY_OFFICER, Role.ENTERPRISE)
def record_import(request: HttpRequest, slug: str) -> HttpResponse:
    registry = registry_of(slug)
    if not may_write(registry, scope_of(request.user)):
        raise PermissionDenied
    context: dict[str, Any] = {"registry": registry, "columns": columns(registry)}
    if request.method == "POST" and request.FILES.get("file"):
        try:
            rows = read_table(request.FILES["file"], columns(registry))
            result = records_import(registry, actor=request.user, rows=rows)
        except DomainError as error:
            context["errors"] = error.errors
            return render(request, "network/registry_import.html", context, status=422)
        context["created"] = result.count
        context["warnings"] = result.warnings
    return render(request, "network/registry_import.html", context)

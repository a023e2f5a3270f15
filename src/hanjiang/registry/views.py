from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hanjiang.accounts.access import roles_required
from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.errors import DomainError
from hanjiang.core.forms import add_domain_errors
from hanjiang.core.http import download
from hanjiang.registry import excel, selectors, services
from hanjiang.registry.forms import ImportForm, OrganisationForm
from hanjiang.registry.models import (
    EDITIONS,
    Area,
    Division,
    DivisionLevel,
    OrganisationKind,
)
from hanjiang.registry.permissions import (
    can_delete_organisation,
    can_edit_organisation,
    can_view_division,
)

PAGE_SIZE = 50
ANY_ROLE = tuple(Role)
REGISTRARS = (Role.CITY_ADMIN, Role.COUNTY_OFFICER)


def _division_or_deny(request: HttpRequest, code: str) -> Division:
    normalized = selectors.normalize_division_code(code)
    division = (
        Division.objects.select_related("parent").filter(code=normalized).first()
        if normalized
        else None
    )
    if division is None:
        raise Http404
    if not can_view_division(scope_of(request.user), division):
        raise PermissionDenied
    return division


@roles_required(*ANY_ROLE)
def division_tree(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    query = request.GET.get("q", "").strip()
    level = request.GET.get("level", "")
    context: dict[str, object] = {
        "query": query,
        "level": level,
        "levels": DivisionLevel.choices,
        "roots": selectors.division_roots(scope=scope),
    }
    if query or level:
        results = selectors.division_search(scope=scope, query=query, level=level)
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
        context["page"] = page
    return render(request, "registry/division_tree.html", context)


@roles_required(*ANY_ROLE)
def division_children(request: HttpRequest, code: str) -> HttpResponse:
    division = _division_or_deny(request, code)
    children = selectors.division_children(scope=scope_of(request.user), division=division)
    return render(request, "registry/_division_children.html", {"children": children})


@roles_required(*ANY_ROLE)
def division_detail(request: HttpRequest, code: str) -> HttpResponse:
    division = _division_or_deny(request, code)
    scope = scope_of(request.user)
    counts = {year: selectors.division_counts(division=division, edition=year) for year in EDITIONS}
    context = {
        "division": division,
        "ancestors": [
            (ancestor, can_view_division(scope, ancestor))
            for ancestor in selectors.division_ancestors(division)
        ],
        "editions": division.editions.all(),
        "children": selectors.division_children(scope=scope, division=division),
        "counts": counts,
        "areas": division.areas.all(),
        "organisation_count": selectors.organisation_list(
            scope=scope, division_code=division.code
        ).count(),
    }
    return render(request, "registry/division_detail.html", context)


@roles_required(*ANY_ROLE)
def area_list(request: HttpRequest) -> HttpResponse:
    return render(request, "registry/area_list.html", {"areas": selectors.area_list()})


@roles_required(*ANY_ROLE)
def organisation_list(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    filters = {
        "query": request.GET.get("q", ""),
        "kind": request.GET.get("kind", ""),
        "division_code": request.GET.get("division", ""),
    }
    organisations = selectors.organisation_list(scope=scope, **filters)
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/organisation_list.html",
        {
            "page": page,
            "filters": filters,
            "kinds": OrganisationKind.choices,
            "counties": selectors.division_search(scope=scope, level=DivisionLevel.COUNTY),
            "can_register": scope.role in REGISTRARS,
        },
    )


@roles_required(*ANY_ROLE)
def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    scope = scope_of(request.user)
    organisation = selectors.organisation_get(scope=scope, organisation_id=organisation_id)
    return render(
        request,
        "registry/organisation_detail.html",
        {
            "organisation": organisation,
            "can_edit": can_edit_organisation(scope, organisation),
            "can_delete": can_delete_organisation(scope, organisation),
        },
    )


@roles_required(*REGISTRARS)
def organisation_create(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    form = OrganisationForm(request.POST or None, scope=scope)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.organisation_create(actor=request.user, data=form.to_input())
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Organisation registered."))
            return redirect("registry:organisation-detail", organisation_id=organisation.pk)
    return render(request, "registry/organisation_form.html", {"form": form, "organisation": None})


@roles_required(*REGISTRARS, Role.ENTERPRISE)
def organisation_edit(request: HttpRequest, organisation_id: int) -> HttpResponse:
    scope = scope_of(request.user)
    organisation = selectors.organisation_get(scope=scope, organisation_id=organisation_id)
    if not can_edit_organisation(scope, organisation):
        raise PermissionDenied
    form = OrganisationForm(request.POST or None, scope=scope, instance=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(
                actor=request.user, organisation=organisation, data=form.to_input()
            )
        except DomainError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("registry:organisation-detail", organisation_id=organisation.pk)
    return render(
        request, "registry/organisation_form.html", {"form": form, "organisation": organisation}
    )


@require_POST
@roles_required(*REGISTRARS)
def organisation_delete(request: HttpRequest, organisation_id: int) -> HttpResponse:
    organisation = selectors.organisation_get(
        scope=scope_of(request.user), organisation_id=organisation_id
    )
    try:
        services.organisation_delete(actor=request.user, organisation=organisation)
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied from error
        messages.error(request, str(error))
        return redirect("registry:organisation-detail", organisation_id=organisation.pk)
    messages.success(request, _("Organisation “%(name)s” deleted.") % {"name": organisation.name})
    return redirect("registry:organisation-list")


@roles_required(*ANY_ROLE)
def organisation_export(request: HttpRequest) -> HttpResponse:
    scope = scope_of(request.user)
    organisations = selectors.organisation_list(
        scope=scope,
        query=request.GET.get("q", ""),
        kind=request.GET.get("kind", ""),
        division_code=request.GET.get("division", ""),
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return download(excel.organisations_workbook(organisations), f"organisations-{stamp}.xlsx")


@roles_required(*REGISTRARS)
def organisation_template(request: HttpRequest) -> HttpResponse:
    return download(excel.organisations_template(), "organisations-template.xlsx")


@roles_required(*REGISTRARS)
def organisation_import(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        dry_run = form.cleaned_data["dry_run"]
        try:
            rows = excel.parse_organisations(form.cleaned_data["file"])
            result = services.organisations_import(actor=request.user, rows=rows, dry_run=dry_run)
        except DomainError as error:
            context["errors"] = error.errors
            status = 422 if error.status != 403 else 403
            return render(request, "registry/organisation_import.html", context, status=status)
        context["result"] = result
        context["dry_run"] = dry_run
    return render(request, "registry/organisation_import.html", context)


@roles_required(Role.CITY_ADMIN)
def area_edit(request: HttpRequest, code: str) -> HttpResponse:
    area = get_object_or_404(Area, code=code)
    errors: list[Any] = []
    if request.method == "POST":
        codes = [item for item in request.POST.get("division_codes", "").split() if item]
        try:
            services.area_coverage_set(
                actor=request.user, area_code=area.code, division_codes=codes
            )
        except DomainError as error:
            errors = error.errors
        else:
            messages.success(request, _("Zone mapping saved."))
            return redirect("registry:area-list")
    current = " ".join(area.coverage.values_list("division__short_code", flat=True))
    return render(
        request,
        "registry/area_edit.html",
        {"area": area, "errors": errors, "current": request.POST.get("division_codes", current)},
        status=422 if errors else 200,
    )

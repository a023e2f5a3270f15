from dataclasses import asdict

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status

from hanjiang.accounts.api_auth import roles_auth
from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.errors import OUTSIDE_SCOPE, PermissionDeniedError
from hanjiang.core.models import AuditChannel
from hanjiang.registry import selectors, services
from hanjiang.registry.models import Division, Organisation
from hanjiang.registry.permissions import can_view_division
from hanjiang.registry.schemas import (
    AreaOut,
    DivisionOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
)

router = Router(tags=["registry"])
ANY_ROLE = tuple(Role)
REGISTRARS = (Role.CITY_ADMIN, Role.COUNTY_OFFICER)


class DivisionFilter(Schema):
    q: str = ""
    level: str = ""
    edition: int | None = None


class OrganisationFilter(Schema):
    q: str = ""
    kind: str = ""
    division: str = ""


def _visible_division(request: HttpRequest, code: str) -> Division:
    normalized = selectors.normalize_division_code(code)
    division = (
        Division.objects.select_related("parent")
        .prefetch_related("editions")
        .filter(code=normalized)
        .first()
        if normalized
        else None
    )
    if division is None:
        raise Http404
    if not can_view_division(scope_of(request.user), division):
        raise PermissionDeniedError("outside_scope", OUTSIDE_SCOPE)
    return division


@router.get(
    "/divisions",
    response=list[DivisionOut],
    summary="Search divisions by name or code",
    auth=roles_auth(*ANY_ROLE),
)
@paginate(LimitOffsetPagination)
def division_list(request: HttpRequest, filters: Query[DivisionFilter]) -> QuerySet[Division]:
    return selectors.division_search(
        scope=scope_of(request.user), query=filters.q, level=filters.level, edition=filters.edition
    ).prefetch_related("editions")


@router.get(
    "/divisions/{code}", response=DivisionOut, summary="One division", auth=roles_auth(*ANY_ROLE)
)
def division_detail(request: HttpRequest, code: str) -> Division:
    return _visible_division(request, code)


@router.get(
    "/divisions/{code}/children",
    response=list[DivisionOut],
    summary="Subdivisions",
    auth=roles_auth(*ANY_ROLE),
)
def division_children(request: HttpRequest, code: str) -> QuerySet[Division]:
    division = _visible_division(request, code)
    return (
        Division.objects.filter(parent=division)
        .select_related("parent")
        .prefetch_related("editions")
        .order_by("code")
    )


@router.get(
    "/areas",
    response=list[AreaOut],
    summary="Functional zones and their coverage",
    auth=roles_auth(*ANY_ROLE),
)
def area_list(request: HttpRequest) -> list[dict[str, object]]:
    return [
        {
            "code": area.code,
            "name": area.name,
            "name_en": area.name_en,
            "kind": area.kind,
            "note": area.note,
            "divisions": [
                {
                    "division_code": link.division.code,
                    "division_name": link.division.name,
                    "basis": link.basis,
                }
                for link in area.coverage.all()
            ],
        }
        for area in selectors.area_list()
    ]


@router.get(
    "/organisations",
    response=list[OrganisationOut],
    summary="Organisations in scope",
    auth=roles_auth(*ANY_ROLE),
)
@paginate(LimitOffsetPagination)
def organisation_list(
    request: HttpRequest, filters: Query[OrganisationFilter]
) -> QuerySet[Organisation]:
    return selectors.organisation_list(
        scope=scope_of(request.user),
        query=filters.q,
        kind=filters.kind,
        division_code=filters.division,
    )


@router.post(
    "/organisations",
    response={201: OrganisationOut},
    summary="Register an organisation",
    auth=roles_auth(*REGISTRARS),
)
def organisation_create(request: HttpRequest, payload: OrganisationIn) -> Status[Organisation]:
    organisation = services.organisation_create(
        actor=request.user,
        data=services.OrganisationInput(**payload.dict()),
        channel=AuditChannel.API,
    )
    return Status(
        201,
        selectors.organisation_get(scope=scope_of(request.user), organisation_id=organisation.pk),
    )


@router.get(
    "/organisations/{organisation_id}",
    response=OrganisationOut,
    summary="One organisation",
    auth=roles_auth(*ANY_ROLE),
)
def organisation_detail(request: HttpRequest, organisation_id: int) -> Organisation:
    return selectors.organisation_get(scope=scope_of(request.user), organisation_id=organisation_id)


@router.patch(
    "/organisations/{organisation_id}",
    response=OrganisationOut,
    summary="Change an organisation",
    auth=roles_auth(*REGISTRARS, Role.ENTERPRISE),
)
def organisation_update(
    request: HttpRequest, organisation_id: int, payload: OrganisationPatch
) -> Organisation:
    organisation = selectors.organisation_get(
        scope=scope_of(request.user), organisation_id=organisation_id
    )
    current = services.OrganisationInput(
        uscc=organisation.uscc,
        name=organisation.name,
        division_code=organisation.division.code,
        kinds=tuple(organisation.kind_codes()),
        address=organisation.address,
        contact_person=organisation.contact_person,
        contact_phone=organisation.contact_phone,
        email=organisation.email,
        note=organisation.note,
    )
    changes = {key: value for key, value in payload.dict().items() if value is not None}
    data = services.OrganisationInput(**{**asdict(current), **changes})
    services.organisation_update(
        actor=request.user, organisation=organisation, data=data, channel=AuditChannel.API
    )
    return selectors.organisation_get(scope=scope_of(request.user), organisation_id=organisation_id)


@router.delete(
    "/organisations/{organisation_id}",
    response={204: None},
    summary="Delete",
    auth=roles_auth(*REGISTRARS),
)
def organisation_delete(request: HttpRequest, organisation_id: int) -> Status[None]:
    services.organisation_delete(
        actor=request.user,
        organisation=selectors.organisation_get(
            scope=scope_of(request.user), organisation_id=organisation_id
        ),
        channel=AuditChannel.API,
    )
    return Status(204, None)

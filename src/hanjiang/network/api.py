import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import translation
from ninja import Body, Field, Query, Router, Schema
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status
from pydantic import ValidationError as PydanticValidationError

from hanjiang.accounts.api_auth import roles_auth
from hanjiang.accounts.models import Role
from hanjiang.core.models import AuditChannel
from hanjiang.core.selectors import record_in_scope
from hanjiang.network.designations import DesignationInput, designation_save
from hanjiang.network.facilities import SLUGS
from hanjiang.network.models import Designation, Station, TrainingSession
from hanjiang.network.registries import (
    REGISTRIES,
    Registry,
    as_data,
    in_county,
    in_scope,
    record_save,
)
from hanjiang.network.selectors import (
    designations_in_scope,
    stations_in_scope,
    trainings_in_scope,
)
from hanjiang.network.services import StationInput, station_save
from hanjiang.network.training import TrainingInput, training_record

router = Router(tags=["network"])
ANY_ROLE = tuple(Role)


class StationFilter(Schema):
    level: str = ""
    county: str = ""


class StationIn(Schema):
    name: str
    level: str = Field(..., description="county_centre, township_station or village_point")
    division_code: str
    opened_on: str = Field(..., description="YYYY-MM-DD")
    closed_on: str = ""
    operator_uscc: str = ""
    address: str = ""
    latitude: str = ""
    longitude: str = ""
    services: list[str] = []
    note: str = ""


class StationOut(Schema):
    id: int
    name: str
    level: str
    division_code: str
    division_name: str
    opened_on: datetime.date
    closed_on: datetime.date | None
    status: str
    services: list[str]

    @staticmethod
    def resolve_division_code(station: Station) -> str:
        return station.division.code

    @staticmethod
    def resolve_division_name(station: Station) -> str:
        return station.division.name

    @staticmethod
    def resolve_services(station: Station) -> list[str]:
        return sorted(kind.code for kind in station.services.all())


@router.get(
    "/stations",
    response=list[StationOut],
    summary="Service stations in scope",
    auth=roles_auth(*ANY_ROLE),
)
@paginate(LimitOffsetPagination)
def station_list(request: HttpRequest, filters: Query[StationFilter]) -> QuerySet[Station]:
    stations = stations_in_scope(request.user).order_by("division__code", "level", "name")
    if filters.level:
        stations = stations.filter(level=filters.level)
    if filters.county.isdigit():
        stations = stations.filter(division__code__startswith=filters.county[:6])
    return stations


@router.get(
    "/stations/{station_id}", response=StationOut, summary="One station", auth=roles_auth(*ANY_ROLE)
)
def station_detail(request: HttpRequest, station_id: int) -> Station:
    return record_in_scope(stations_in_scope(request.user), station_id)


@router.post(
    "/stations",
    response={201: StationOut},
    summary="Register a station",
    auth=roles_auth(Role.CITY_ADMIN, Role.COUNTY_OFFICER),
)
def station_create(request: HttpRequest, payload: StationIn) -> Status[Station]:
    data = payload.dict()
    data["services"] = tuple(data["services"])
    station = station_save(actor=request.user, data=StationInput(**data), channel=AuditChannel.API)
    return Status(201, stations_in_scope(request.user).get(pk=station.pk))


class DesignationIn(Schema):
    level: str = Field(..., description="national, provincial or municipal")
    kind: str = Field(..., description="e.g. rural_demo_county, demo_base, demo_enterprise")
    holder: str = Field(..., description="a division code or an organisation's credit code")
    year_granted: int
    year_revoked: int | None = None
    source: str
    title: str = ""
    note: str = ""


class DesignationOut(Schema):
    id: int
    level: str
    kind: str
    holder: str
    holder_name: str
    year_granted: int
    year_revoked: int | None
    source: str

    @staticmethod
    def resolve_holder(item: Designation) -> str:
        return item.holder_code

    @staticmethod
    def resolve_holder_name(item: Designation) -> str:
        return str(item.holder_division or item.holder_organisation)


@router.get(
    "/designations",
    response=list[DesignationOut],
    summary="Demonstration designations in scope",
    auth=roles_auth(*ANY_ROLE),
)
@paginate(LimitOffsetPagination)
def designation_list(request: HttpRequest) -> QuerySet[Designation]:
    return designations_in_scope(request.user).order_by("-year_granted", "id")


@router.post(
    "/designations",
    response={201: DesignationOut},
    summary="Register a designation",
    auth=roles_auth(Role.CITY_ADMIN, Role.COUNTY_OFFICER),
)
def designation_create(request: HttpRequest, payload: DesignationIn) -> Status[Designation]:
    data = DesignationInput(
        level=payload.level,
        kind=payload.kind,
        holder=payload.holder,
        year_granted=str(payload.year_granted),
        year_revoked=str(payload.year_revoked or ""),
        source=payload.source,
        title=payload.title,
        note=payload.note,
    )
    item = designation_save(actor=request.user, data=data, channel=AuditChannel.API)
    return Status(201, designations_in_scope(request.user).get(pk=item.pk))


class TrainingIn(Schema):
    held_on: datetime.date
    county: str
    organiser: str
    topic: str
    kind: str = Field(..., description="rural, crossborder, livestreaming or other")
    persons: int
    note: str = ""


class TrainingOut(Schema):
    id: int
    held_on: datetime.date
    county_code: str
    organiser: str
    topic: str
    kind: str
    persons: int

    @staticmethod
    def resolve_county_code(session: TrainingSession) -> str:
        return session.county.code


def _training_data(payload: TrainingIn) -> TrainingInput:
    return TrainingInput(
        held_on=payload.held_on.isoformat(),
        county=payload.county,
        organiser=payload.organiser,
        topic=payload.topic,
        kind=payload.kind,
        persons=str(payload.persons),
        note=payload.note,
    )


@router.get(
    "/training",
    response=list[TrainingOut],
    summary="Training sessions in scope",
    auth=roles_auth(Role.CITY_ADMIN, Role.REVIEWER, Role.COUNTY_OFFICER),
)
@paginate(LimitOffsetPagination)
def training_list(request: HttpRequest) -> QuerySet[TrainingSession]:
    return trainings_in_scope(request.user).order_by("-held_on", "id")


@router.post(
    "/training",
    response={201: TrainingOut},
    summary="Record a training session",
    auth=roles_auth(Role.CITY_ADMIN, Role.COUNTY_OFFICER),
)
def training_create(request: HttpRequest, payload: TrainingIn) -> Status[TrainingSession]:
    data = _training_data(payload)
    session = training_record(actor=request.user, data=data, channel=AuditChannel.API)
    return Status(201, trainings_in_scope(request.user).get(pk=session.pk))


@router.put(
    "/training/{session_id}",
    response=TrainingOut,
    summary="Correct a training session",
    auth=roles_auth(Role.CITY_ADMIN, Role.COUNTY_OFFICER),
)
def training_update(
    request: HttpRequest, session_id: int, payload: Body[dict[str, Any]]
) -> TrainingSession:
    # The session's scope is checked before its body is read: outside it, the answer is 403.
    session = record_in_scope(trainings_in_scope(request.user), session_id)
    try:
        data = TrainingIn.model_validate(payload)
    except PydanticValidationError as error:
        raise NinjaValidationError([dict(item) for item in error.errors()]) from None
    training_record(
        actor=request.user, data=_training_data(data), channel=AuditChannel.API, session=session
    )
    return trainings_in_scope(request.user).get(pk=session.pk)


# The facility registries: one set of operations per registry (see network.registries).


class FacilityPage(Schema):
    count: int
    items: list[dict[str, Any]]


class FacilityFilter(Schema):
    q: str = ""
    county: str = ""
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


FacilityIn = dict[str, str | int | float | bool | None]


def _payload(data: FacilityIn) -> dict[str, Any]:
    return {key: "" if value is None else value for key, value in data.items()}


def _facility_routes(registry: Registry) -> None:
    path = f"/network/{registry.slug}"
    writers = (
        (Role.CITY_ADMIN, Role.COUNTY_OFFICER) if registry.county_writes else (Role.CITY_ADMIN,)
    )
    if registry.enterprise_writes:
        writers = (*writers, Role.ENTERPRISE)

    def listing(request: HttpRequest, filters: Query[FacilityFilter]) -> dict[str, Any]:
        records = in_scope(registry, request.user).order_by("pk")
        if filters.q:
            match = Q(pk__in=[])
            for field_path in registry.search:
                match |= Q(**{f"{field_path}__icontains": filters.q})
            records = records.filter(match)
        if filters.county.isdigit():
            records = in_county(registry, records, filters.county)
        page = records[filters.offset : filters.offset + filters.limit]
        return {"count": records.count(), "items": [as_data(registry, item) for item in page]}

    def detail(request: HttpRequest, record_id: int) -> dict[str, Any]:
        return as_data(registry, record_in_scope(in_scope(registry, request.user), record_id))

    def create(request: HttpRequest, payload: Body[FacilityIn]) -> Status[dict[str, Any]]:
        saved = record_save(
            registry, actor=request.user, data=_payload(payload), channel=AuditChannel.API
        )
        return Status(201, as_data(registry, saved.record) | {"warnings": saved.warnings})

    def update(request: HttpRequest, record_id: int, payload: Body[FacilityIn]) -> dict[str, Any]:
        record = record_in_scope(in_scope(registry, request.user), record_id)
        saved = record_save(
            registry,
            actor=request.user,
            data=_payload(payload),
            instance=record,
            channel=AuditChannel.API,
        )
        return as_data(registry, saved.record) | {"warnings": saved.warnings}

    title = str(registry.title)
    router.get(
        path,
        response=FacilityPage,
        summary=f"{title}: records in scope",
        auth=roles_auth(*ANY_ROLE),
        operation_id=f"{registry.slug}_list",
    )(listing)
    router.get(
        f"{path}/{{record_id}}",
        response=dict[str, Any],
        summary=f"{title}: one record",
        auth=roles_auth(*ANY_ROLE),
        operation_id=f"{registry.slug}_detail",
    )(detail)
    router.post(
        path,
        response={201: dict[str, Any]},
        summary=f"{title}: register a record",
        description=_fields_description(registry),
        auth=roles_auth(*writers),
        operation_id=f"{registry.slug}_create",
    )(create)
    router.put(
        f"{path}/{{record_id}}",
        response=dict[str, Any],
        summary=f"{title}: replace a record",
        description=_fields_description(registry),
        auth=roles_auth(*writers),
        operation_id=f"{registry.slug}_update",
    )(update)


def _fields_description(registry: Registry) -> str:
    with translation.override("en"):
        return "Fields: " + ", ".join(
            f"`{item.key}` ({item.kind}{', required' if item.required else ''})"
            for item in registry.fields
        )


for _slug in SLUGS:
    _facility_routes(REGISTRIES[_slug])

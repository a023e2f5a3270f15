import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.responses import Status

from hanjiang.accounts.api_auth import roles_auth
from hanjiang.accounts.models import Role
from hanjiang.core.models import AuditChannel
from hanjiang.core.selectors import record_in_scope
from hanjiang.network.designations import DesignationInput, designation_save
from hanjiang.network.models import Designation, Station, TrainingSession
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
    data = TrainingInput(
        held_on=payload.held_on.isoformat(),
        county=payload.county,
        organiser=payload.organiser,
        topic=payload.topic,
        kind=payload.kind,
        persons=str(payload.persons),
        note=payload.note,
    )
    session = training_record(actor=request.user, data=data, channel=AuditChannel.API)
    return Status(201, trainings_in_scope(request.user).get(pk=session.pk))

"""Writes on the station registry. Every change republishes the coverage figures after commit."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.audit import audit_record, snapshot
from hanjiang.core.errors import ErrorItem, PermissionDeniedError, ValidationFailed
from hanjiang.core.fields import date_field
from hanjiang.core.models import AuditAction, AuditChannel
from hanjiang.network.coverage import coverage_publish
from hanjiang.network.models import (
    LEVEL_DIVISION,
    ServiceKind,
    Station,
    StationLevel,
    StationStatus,
)
from hanjiang.registry.models import Division, Organisation
from hanjiang.registry.selectors import normalize_division_code


@dataclass(frozen=True)
class StationInput:
    name: str
    level: str
    division_code: str
    opened_on: str
    closed_on: str = ""
    operator_uscc: str = ""
    address: str = ""
    latitude: str = ""
    longitude: str = ""
    services: Sequence[str] = field(default_factory=tuple)
    status: str = StationStatus.ACTIVE
    note: str = ""


@dataclass(frozen=True)
class _Clean:
    division: Division
    operator: Organisation | None
    opened_on: datetime.date
    closed_on: datetime.date | None
    latitude: Decimal | None
    longitude: Decimal | None
    services: list[ServiceKind]


def _coordinate(
    text: str, field_name: str, limit: int, row: int | None, errors: list[ErrorItem]
) -> Decimal | None:
    text = text.strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite() or abs(number) > limit:
        errors.append(
            ErrorItem(
                "invalid_coordinate",
                _("“%(value)s” is not a valid coordinate.") % {"value": text},
                field=field_name,
                row=row,
            )
        )
        return None
    return number.quantize(Decimal("0.000001"))


def _validate(actor: Any, data: StationInput, row: int | None = None) -> _Clean:
    errors: list[ErrorItem] = []
    if not data.name.strip():
        errors.append(ErrorItem("required", _("The name is required."), field="name", row=row))
    if data.level not in StationLevel.values:
        errors.append(
            ErrorItem("invalid_choice", _("Unknown station level."), field="level", row=row)
        )
    if data.status not in StationStatus.values:
        errors.append(ErrorItem("invalid_choice", _("Unknown status."), field="status", row=row))
    code = normalize_division_code(data.division_code)
    division = Division.objects.filter(code=code).first() if code else None
    if division is None:
        errors.append(
            ErrorItem(
                "unknown_division",
                _("There is no division with code %(code)s.") % {"code": data.division_code},
                field="division_code",
                row=row,
            )
        )
    elif (
        data.level in LEVEL_DIVISION and division.level != LEVEL_DIVISION[StationLevel(data.level)]
    ):
        errors.append(
            ErrorItem(
                "wrong_level",
                _("A %(level)s must be in a division of its level, not in “%(name)s”.")
                % {"level": StationLevel(data.level).label, "name": division.name},
                field="division_code",
                row=row,
            )
        )
    scope = scope_of(actor)
    if division is not None and not (
        scope.role == Role.CITY_ADMIN or scope.covers_code(division.code)
    ):
        errors.append(
            ErrorItem(
                "outside_scope",
                _("You may only register stations in your own county."),
                field="division_code",
                row=row,
            )
        )
    operator = None
    if data.operator_uscc.strip():
        operator = Organisation.objects.filter(uscc=data.operator_uscc.strip().upper()).first()
        if operator is None:
            errors.append(
                ErrorItem(
                    "unknown_organisation",
                    _("No organisation with credit code %(code)s.") % {"code": data.operator_uscc},
                    field="operator_uscc",
                    row=row,
                )
            )
    opened_on = date_field(
        data.opened_on, "opened_on", row, errors, required=_("The opening date is required.")
    )
    closed_on = date_field(data.closed_on, "closed_on", row, errors)
    if opened_on and closed_on and closed_on < opened_on:
        errors.append(
            ErrorItem(
                "closes_before_opening",
                _("The station cannot close before it opens."),
                field="closed_on",
                row=row,
            )
        )
    known = {kind.code: kind for kind in ServiceKind.objects.all()}
    unknown = [code for code in data.services if code not in known]
    if unknown:
        errors.append(
            ErrorItem(
                "invalid_service",
                _("Unknown service: %(codes)s.") % {"codes": ", ".join(unknown)},
                field="services",
                row=row,
            )
        )
    latitude = _coordinate(data.latitude, "latitude", 90, row, errors)
    longitude = _coordinate(data.longitude, "longitude", 180, row, errors)
    if errors:
        raise ValidationFailed(errors)
    assert division is not None and opened_on is not None  # noqa: S101 - checked above
    return _Clean(
        division,
        operator,
        opened_on,
        closed_on,
        latitude,
        longitude,
        [known[code] for code in data.services],
    )


def _apply(station: Station, data: StationInput, clean: _Clean) -> None:
    station.name = data.name.strip()
    station.level = data.level
    station.division = clean.division
    station.operator = clean.operator
    station.address = data.address.strip()
    station.latitude = clean.latitude
    station.longitude = clean.longitude
    station.opened_on = clean.opened_on
    station.closed_on = clean.closed_on
    station.status = (
        StationStatus.CLOSED
        if clean.closed_on and clean.closed_on <= timezone.localdate()
        else data.status
    )
    station.note = data.note.strip()


def _snapshot(station: Station) -> dict[str, Any]:
    return snapshot(
        station, extra={"services": sorted(kind.code for kind in station.services.all())}
    )


def _require_writer(actor: Any) -> None:
    if scope_of(actor).role not in {Role.CITY_ADMIN, Role.COUNTY_OFFICER}:
        raise PermissionDeniedError(
            "forbidden", _("Your role may not change the station registry.")
        )


def _republish() -> None:
    transaction.on_commit(lambda: coverage_publish(timezone.localdate()))


def station_save(
    *,
    actor: Any,
    data: StationInput,
    station: Station | None = None,
    channel: AuditChannel = AuditChannel.WEB,
) -> Station:
    """Create a station, or update `station`. Raises ValidationFailed with every problem."""
    _require_writer(actor)
    if station is not None and not scope_of(actor).covers_code(station.division.code):
        raise PermissionDeniedError("forbidden", _("This station lies outside your county."))
    clean = _validate(actor, data)
    with transaction.atomic():
        before = _snapshot(station) if station is not None else None
        target = station or Station()
        _apply(target, data, clean)
        target.save()
        target.services.set(clean.services)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
            instance=target,
            before=before,
            after=_snapshot(target),
            channel=channel,
        )
        _republish()
    return target


def stations_import(*, actor: Any, rows: Sequence[tuple[int, StationInput]]) -> int:
    """Create every row's station, or none (each row validated; errors name their row)."""
    _require_writer(actor)
    errors: list[ErrorItem] = []
    cleaned: list[tuple[StationInput, _Clean]] = []
    for row, data in rows:
        try:
            cleaned.append((data, _validate(actor, data, row)))
        except ValidationFailed as failure:
            errors.extend(failure.errors)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        for data, clean in cleaned:
            station = Station()
            _apply(station, data, clean)
            station.save()
            station.services.set(clean.services)
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                instance=station,
                before=None,
                after=_snapshot(station),
                channel=AuditChannel.IMPORT,
            )
        _republish()
    return len(cleaned)

"""Training sessions: the registry and the figures it publishes.

Rules:
- a session has a date (not in the future), a county-level division, an organiser, a topic, a
  kind and a positive number of persons trained;
- published under the source `network-training`, per county and for the city, for each year
  from the first recorded session: the sessions held and the persons trained in the year
  (`TRAINING_SESSIONS_YEAR`, `TRAINING_PERSONS_YEAR`, added across units) and since the first
  recorded year (`TRAINING_SESSIONS_RECORDED`, `TRAINING_PERSONS_RECORDED`, stocks). The plan's
  training target (10 万人次) keeps its own element; the registry's totals are shown beside it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.audit import audit_record, snapshot
from hanjiang.core.errors import ErrorItem, PermissionDeniedError, ValidationFailed
from hanjiang.core.fields import date_field
from hanjiang.core.models import AuditAction, AuditChannel
from hanjiang.network.models import TrainingKind, TrainingSession
from hanjiang.registry.models import Division, DivisionLevel
from hanjiang.registry.selectors import normalize_division_code
from hanjiang.reporting.publishing import (
    DerivedValue,
    ElementDefinition,
    derived_source_register,
    derived_values_publish,
    elements_define,
)

SOURCE = "network-training"
ELEMENTS = {
    "TRAINING_SESSIONS_YEAR": ("当年电商培训场次", "Training sessions in the year", "场", "sum"),
    "TRAINING_PERSONS_YEAR": ("当年电商培训人次", "Persons trained in the year", "人次", "sum"),
    "TRAINING_SESSIONS_RECORDED": (
        "登记以来电商培训场次",
        "Training sessions since records began",
        "场",
        "last",
    ),
    "TRAINING_PERSONS_RECORDED": (
        "登记以来电商培训人次",
        "Persons trained since records began",
        "人次",
        "last",
    ),
}


@dataclass(frozen=True)
class TrainingInput:
    held_on: str
    county: str
    organiser: str
    topic: str
    kind: str
    persons: str
    note: str = ""


def _validate(actor: Any, data: TrainingInput) -> tuple[datetime.date, Division, int]:
    errors: list[ErrorItem] = []
    held_on = date_field(
        data.held_on, "held_on", None, errors, required=_("The date of the session is required.")
    )
    if held_on and held_on > timezone.localdate():
        errors.append(
            ErrorItem(
                "future_date", _("A session cannot be recorded before it is held."), field="held_on"
            )
        )
    code = normalize_division_code(data.county)
    county = (
        Division.objects.filter(code=code, level=DivisionLevel.COUNTY).first() if code else None
    )
    if county is None:
        errors.append(
            ErrorItem(
                "unknown_county",
                _("“%(value)s” is not a county-level division code.") % {"value": data.county},
                field="county",
            )
        )
    elif not (scope_of(actor).role == Role.CITY_ADMIN or scope_of(actor).covers_code(county.code)):
        errors.append(
            ErrorItem(
                "outside_scope",
                _("You may only record training in your own county."),
                field="county",
            )
        )
    for field_name in ("organiser", "topic"):
        if not getattr(data, field_name).strip():
            errors.append(ErrorItem("required", _("This field is required."), field=field_name))
    if data.kind not in TrainingKind.values:
        errors.append(ErrorItem("invalid_choice", _("Unknown kind of training."), field="kind"))
    persons = (
        int(data.persons)
        if data.persons.strip().isascii() and data.persons.strip().isdigit()
        else 0
    )
    if persons <= 0:
        errors.append(
            ErrorItem(
                "invalid_persons",
                _("The number of persons trained must be a whole number above zero."),
                field="persons",
            )
        )
    if errors or held_on is None or county is None:
        raise ValidationFailed(errors)
    return held_on, county, persons


def training_record(
    *,
    actor: Any,
    data: TrainingInput,
    channel: AuditChannel = AuditChannel.WEB,
    session: TrainingSession | None = None,
) -> TrainingSession:
    """Record a session, or correct `session` (which must lie in the actor's scope)."""
    scope = scope_of(actor)
    if scope.role not in {Role.CITY_ADMIN, Role.COUNTY_OFFICER}:
        raise PermissionDeniedError("forbidden", _("Your role may not record training."))
    if session is not None and not scope.covers_code(session.county.code):
        raise PermissionDeniedError("forbidden", _("This session lies outside your county."))
    held_on, county, persons = _validate(actor, data)
    with transaction.atomic():
        before = snapshot(session) if session is not None else None
        target = session or TrainingSession()
        target.held_on, target.county, target.persons = held_on, county, persons
        target.organiser, target.topic = data.organiser.strip(), data.topic.strip()
        target.kind, target.note = data.kind, data.note.strip()
        target.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
            instance=target,
            before=before,
            after=snapshot(target),
            channel=channel,
        )
        transaction.on_commit(lambda: training_publish(timezone.localdate()))
    return target


def training_publish(today: datetime.date) -> int:
    derived_source_register(
        code=SOURCE,
        name_zh="电商培训名录",
        name_en="Training registry",
        module="network",
        citation="由培训场次名录按日期汇总",
    )
    elements_define(
        ElementDefinition(code, name_zh, name_en, unit, "integer", aggregation, "readiness")
        for code, (name_zh, name_en, unit, aggregation) in ELEMENTS.items()
    )
    rows = (
        TrainingSession.objects.annotate(year=ExtractYear("held_on"))
        .values("county__code", "year")
        .annotate(sessions=Count("id"), persons=Sum("persons"))
        .order_by()
    )
    by_key = {(row["county__code"], row["year"]): (row["sessions"], row["persons"]) for row in rows}
    city = Division.objects.filter(level=DivisionLevel.CITY).first()
    values: list[DerivedValue] = []
    years: set[str] = set()
    if by_key and city is not None:
        first = min(year for _code, year in by_key)
        counties = sorted({code for code, _year in by_key})
        for unit, members in [(code, [code]) for code in counties] + [(city.code, counties)]:
            total_sessions = total_persons = 0
            for year in range(first, today.year + 1):
                sessions = sum(by_key.get((code, year), (0, 0))[0] for code in members)
                persons = sum(by_key.get((code, year), (0, 0))[1] for code in members)
                total_sessions += sessions
                total_persons += persons
                years.add(str(year))
                values += [
                    DerivedValue("TRAINING_SESSIONS_YEAR", str(year), unit, sessions),
                    DerivedValue("TRAINING_PERSONS_YEAR", str(year), unit, persons),
                    DerivedValue("TRAINING_SESSIONS_RECORDED", str(year), unit, total_sessions),
                    DerivedValue("TRAINING_PERSONS_RECORDED", str(year), unit, total_persons),
                ]
    summary = derived_values_publish(
        source_code=SOURCE, elements=set(ELEMENTS), periods=years, values=values
    )
    return summary.imported + summary.updated + summary.deleted


def training_import(*, actor: Any, rows: list[tuple[int, TrainingInput]]) -> int:
    """Record every row's session, or none; errors carry their row."""
    if scope_of(actor).role not in {Role.CITY_ADMIN, Role.COUNTY_OFFICER}:
        raise PermissionDeniedError("forbidden", _("Your role may not record training."))
    errors: list[ErrorItem] = []
    checked = []
    for row, data in rows:
        try:
            checked.append((data, _validate(actor, data)))
        except ValidationFailed as failure:
            errors.extend(
                ErrorItem(item.code, item.message, field=item.field, row=row)
                for item in failure.errors
            )
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        for data, (held_on, county, persons) in checked:
            session = TrainingSession.objects.create(
                held_on=held_on,
                county=county,
                organiser=data.organiser.strip(),
                topic=data.topic.strip(),
                kind=data.kind,
                persons=persons,
                note=data.note.strip(),
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                instance=session,
                before=None,
                after=snapshot(session),
                channel=AuditChannel.IMPORT,
            )
        transaction.on_commit(lambda: training_publish(timezone.localdate()))
    return len(checked)

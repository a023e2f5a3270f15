"""Demonstration designations: their registry and the counts they publish.

Rules:
- a designation is held by a division (of the level its kind requires: a county for a rural
  demonstration county, a township for a demonstration town …) or by an organisation (bases,
  enterprises, parks);
- it counts in every year from the year granted until the year before it is revoked;
- counts are published for the city, per (level, kind) that the plan measures, for each year
  from the first year a designation of that (level, kind) was granted; the city's published
  baselines (the plan's own 2020 counts) are never overwritten (a source replaces only its own
  values).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.audit import audit_record, snapshot
from hanjiang.core.errors import ErrorItem, PermissionDeniedError, ValidationFailed
from hanjiang.core.models import AuditAction, AuditChannel
from hanjiang.network.models import (
    KIND_HOLDER_LEVEL,
    ORGANISATION_KINDS,
    Designation,
    DesignationKind,
    DesignationLevel,
)
from hanjiang.registry.models import Division, DivisionLevel, Organisation
from hanjiang.registry.selectors import normalize_division_code
from hanjiang.reporting.publishing import (
    DerivedValue,
    ElementDefinition,
    derived_source_register,
    derived_values_publish,
    elements_define,
)

SOURCE = "network-designations"
# (level, kind) → the element that counts them, with its names.
COUNTED = {
    ("national", "rural_demo_county"): (
        "NATIONAL_DEMO_COUNTIES",
        "国家级电子商务进农村综合示范县",
        "National rural e-commerce demonstration counties",
    ),
    ("provincial", "rural_demo_county"): (
        "PROVINCIAL_DEMO_COUNTIES",
        "省级电子商务进农村综合示范县",
        "Provincial rural e-commerce demonstration counties",
    ),
    ("national", "demo_base"): (
        "NATIONAL_DEMO_BASES",
        "国家级电子商务示范基地",
        "National e-commerce demonstration bases",
    ),
    ("provincial", "demo_base"): (
        "PROVINCIAL_DEMO_BASES",
        "省级电子商务示范基地",
        "Provincial e-commerce demonstration bases",
    ),
    ("national", "demo_enterprise"): (
        "NATIONAL_DEMO_ENTERPRISES",
        "国家级电子商务示范企业",
        "National e-commerce demonstration enterprises",
    ),
    ("provincial", "demo_enterprise"): (
        "PROVINCIAL_DEMO_ENTERPRISES",
        "省级电子商务示范企业",
        "Provincial e-commerce demonstration enterprises",
    ),
    ("municipal", "demo_enterprise"): (
        "CITY_DEMO_ENTERPRISES",
        "市级电子商务示范企业",
        "Municipal e-commerce demonstration enterprises",
    ),
    ("municipal", "demo_town"): ("DEMO_TOWNS", "电子商务示范镇", "E-commerce demonstration towns"),
    ("municipal", "demo_village"): (
        "DEMO_VILLAGES",
        "电子商务示范村",
        "E-commerce demonstration villages",
    ),
}


@dataclass(frozen=True)
class DesignationInput:
    level: str
    kind: str
    holder: str  # a division code or an organisation's credit code
    year_granted: str
    source: str
    year_revoked: str = ""
    title: str = ""
    note: str = ""


def _year(
    text: str, field: str, row: int | None, errors: list[ErrorItem], required: bool
) -> int | None:
    text = text.strip()
    if not text:
        if required:
            errors.append(ErrorItem("required", _("The year is required."), field=field, row=row))
        return None
    if not (text.isascii() and text.isdigit() and 1990 <= int(text) <= timezone.localdate().year):
        errors.append(
            ErrorItem(
                "invalid_year",
                _("“%(value)s” is not a year from 1990 to this year.") % {"value": text},
                field=field,
                row=row,
            )
        )
        return None
    return int(text)


def _validate(
    actor: Any, data: DesignationInput, row: int | None = None
) -> tuple[Division | None, Organisation | None, int, int | None]:
    errors: list[ErrorItem] = []
    if data.level not in DesignationLevel.values:
        errors.append(ErrorItem("invalid_choice", _("Unknown level."), field="level", row=row))
    if data.kind not in DesignationKind.values:
        errors.append(
            ErrorItem("invalid_choice", _("Unknown kind of designation."), field="kind", row=row)
        )
    if not data.source.strip():
        errors.append(
            ErrorItem("required", _("Name the document that grants it."), field="source", row=row)
        )
    granted = _year(data.year_granted, "year_granted", row, errors, required=True)
    revoked = _year(data.year_revoked, "year_revoked", row, errors, required=False)
    if granted and revoked and revoked < granted:
        errors.append(
            ErrorItem(
                "revoked_before_granted",
                _("It cannot be revoked before it was granted."),
                field="year_revoked",
                row=row,
            )
        )
    holder = data.holder.strip().upper()
    division = organisation = None
    code = normalize_division_code(holder)
    if code:
        division = Division.objects.filter(code=code).first()
    elif len(holder) == 18:
        organisation = Organisation.objects.select_related("division").filter(uscc=holder).first()
    if division is None and organisation is None:
        errors.append(
            ErrorItem(
                "unknown_holder",
                _("“%(value)s” is neither a division code nor a registered credit code.")
                % {"value": data.holder},
                field="holder",
                row=row,
            )
        )
    elif data.kind in ORGANISATION_KINDS and organisation is None:
        errors.append(
            ErrorItem(
                "wrong_holder",
                _("This kind of designation is held by an organisation."),
                field="holder",
                row=row,
            )
        )
    elif data.kind in KIND_HOLDER_LEVEL and (
        division is None or division.level != KIND_HOLDER_LEVEL[DesignationKind(data.kind)]
    ):
        errors.append(
            ErrorItem(
                "wrong_holder",
                _("This kind of designation is held by a division of its level."),
                field="holder",
                row=row,
            )
        )
    scope = scope_of(actor)
    territory = division.code if division else organisation.division.code if organisation else ""
    if territory and scope.role != Role.CITY_ADMIN and not scope.covers_code(territory):
        errors.append(
            ErrorItem(
                "outside_scope",
                _("You may only register designations in your own county."),
                field="holder",
                row=row,
            )
        )
    if errors:
        raise ValidationFailed(errors)
    return division, organisation, granted or 0, revoked


def designation_save(
    *,
    actor: Any,
    data: DesignationInput,
    designation: Designation | None = None,
    channel: AuditChannel = AuditChannel.WEB,
) -> Designation:
    if scope_of(actor).role not in {Role.CITY_ADMIN, Role.COUNTY_OFFICER}:
        raise PermissionDeniedError("forbidden", _("Your role may not change designations."))
    division, organisation, granted, revoked = _validate(actor, data)
    with transaction.atomic():
        before = snapshot(designation) if designation else None
        target = designation or Designation()
        target.level, target.kind = data.level, data.kind
        target.title, target.note, target.source = (
            data.title.strip(),
            data.note.strip(),
            data.source.strip(),
        )
        target.holder_division, target.holder_organisation = division, organisation
        target.year_granted, target.year_revoked = granted, revoked
        target.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
            instance=target,
            before=before,
            after=snapshot(target),
            channel=channel,
        )
        transaction.on_commit(lambda: designations_publish(timezone.localdate()))
    return target


def held_in(year: int) -> Any:
    return Designation.objects.filter(year_granted__lte=year).exclude(year_revoked__lte=year)


def designations_publish(today: datetime.date) -> int:
    """Publish the city's counts per (level, kind) the plan measures (see the module's rules)."""
    derived_source_register(
        code=SOURCE,
        name_zh="示范创建名录",
        name_en="Designation registry",
        module="network",
        citation="由示范称号名录按授予、撤销年份计算",
    )
    elements_define(
        ElementDefinition(code, name_zh, name_en, "个", "integer", "last", "development")
        for code, name_zh, name_en in COUNTED.values()
    )
    city = Division.objects.filter(level=DivisionLevel.CITY).first()
    values: list[DerivedValue] = []
    years: set[str] = set()
    if city is not None:
        for (level, kind), (code, _zh, _en) in COUNTED.items():
            first = (
                Designation.objects.filter(level=level, kind=kind).order_by("year_granted").first()
            )
            if first is None:
                continue
            for year in range(first.year_granted, today.year + 1):
                years.add(str(year))
                count = held_in(year).filter(level=level, kind=kind).count()
                values.append(DerivedValue(code, str(year), city.code, count))
    summary = derived_values_publish(
        source_code=SOURCE, elements={v[0] for v in COUNTED.values()}, periods=years, values=values
    )
    return summary.imported + summary.updated + summary.deleted


def designations_import(*, actor: Any, rows: list[tuple[int, DesignationInput]]) -> int:
    """Register every row's designation, or none."""
    if scope_of(actor).role not in {Role.CITY_ADMIN, Role.COUNTY_OFFICER}:
        raise PermissionDeniedError("forbidden", _("Your role may not change designations."))
    errors: list[ErrorItem] = []
    checked = []
    for row, data in rows:
        try:
            checked.append((data, _validate(actor, data, row)))
        except ValidationFailed as failure:
            errors.extend(failure.errors)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        for data, (division, organisation, granted, revoked) in checked:
            designation = Designation.objects.create(
                level=data.level,
                kind=data.kind,
                title=data.title.strip(),
                note=data.note.strip(),
                source=data.source.strip(),
                holder_division=division,
                holder_organisation=organisation,
                year_granted=granted,
                year_revoked=revoked,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                instance=designation,
                before=None,
                after=snapshot(designation),
                channel=AuditChannel.IMPORT,
            )
        transaction.on_commit(lambda: designations_publish(timezone.localdate()))
    return len(checked)

"""Writes on organisations: one validation path for forms, the API and Excel imports.

Every write checks the actor's scope, validates the whole input first (all errors at once),
and then writes in one transaction with an audit entry. A batch import applies all rows or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import uscc as uscc_standard

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import Scope, scope_of
from hanjiang.core.audit import audit_record, snapshot
from hanjiang.core.errors import DomainError, ErrorItem, PermissionDeniedError, ValidationFailed
from hanjiang.core.models import AuditAction, AuditChannel
from hanjiang.registry.models import Division, Organisation, OrganisationKind, OrganisationTag
from hanjiang.registry.permissions import (
    can_delete_organisation,
    can_edit_organisation,
    can_register_in,
)
from hanjiang.registry.selectors import normalize_division_code

FIELD_LIMITS = {
    "name": 200,
    "address": 300,
    "contact_person": 100,
    "contact_phone": 50,
    "email": 254,
}


@dataclass(frozen=True)
class OrganisationInput:
    uscc: str
    name: str
    division_code: str
    kinds: Sequence[str] = field(default_factory=tuple)
    address: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    email: str = ""
    note: str = ""


def uscc_errors(value: str, *, row: int | None = None) -> tuple[str, list[ErrorItem]]:
    """The compact code and the reasons it is not a valid unified social credit code."""
    compact = uscc_standard.compact(value or "")
    if not compact:
        message: Any = _("The unified social credit code is required.")
        return compact, [ErrorItem("required", message, field="uscc", row=row)]
    try:
        uscc_standard.validate(compact)
    except stdnum_errors.InvalidLength:
        message = _("The unified social credit code must have 18 characters, this one has %(n)d.")
        return compact, [
            ErrorItem("invalid_uscc_length", message % {"n": len(compact)}, field="uscc", row=row)
        ]
    except stdnum_errors.InvalidChecksum:
        message = _("The check digit of the unified social credit code is wrong (expected %(d)s).")
        expected = uscc_standard.calc_check_digit(compact[:17])
        return compact, [
            ErrorItem("invalid_uscc_checksum", message % {"d": expected}, field="uscc", row=row)
        ]
    except stdnum_errors.ValidationError:
        message = _(
            "The unified social credit code has characters that are not allowed "
            "(8 digits, then digits and capital letters other than I, O, S, V, Z)."
        )
        return compact, [ErrorItem("invalid_uscc_format", message, field="uscc", row=row)]
    return compact, []


def _validate(
    data: OrganisationInput,
    *,
    scope: Scope,
    existing: Organisation | None,
    row: int | None,
    codes_in_batch: dict[str, int] | None = None,
) -> tuple[OrganisationInput, Division | None, list[ErrorItem]]:
    errors: list[ErrorItem] = []
    compact, code_errors = uscc_errors(data.uscc, row=row)
    errors.extend(code_errors)
    if not code_errors:
        clash = Organisation.objects.filter(uscc=compact)
        if existing is not None:
            clash = clash.exclude(pk=existing.pk)
        holder = clash.first()
        if holder is not None:
            errors.append(
                ErrorItem(
                    "duplicate_uscc",
                    _("This unified social credit code is already registered to “%(name)s”.")
                    % {"name": holder.name},
                    field="uscc",
                    row=row,
                )
            )
        elif codes_in_batch is not None and compact in codes_in_batch:
            errors.append(
                ErrorItem(
                    "duplicate_uscc",
                    _("This unified social credit code already appears in row %(row)d.")
                    % {"row": codes_in_batch[compact]},
                    field="uscc",
                    row=row,
                )
            )
    name = data.name.strip()
    if not name:
        errors.append(ErrorItem("required", _("The name is required."), field="name", row=row))
    cleaned = replace(
        data,
        uscc=compact,
        name=name,
        address=data.address.strip(),
        contact_person=data.contact_person.strip(),
        contact_phone=data.contact_phone.strip(),
        email=data.email.strip(),
        note=data.note.strip(),
        kinds=tuple(sorted(set(data.kinds))),
    )
    for field_name, limit in FIELD_LIMITS.items():
        if len(getattr(cleaned, field_name)) > limit:
            errors.append(
                ErrorItem(
                    "too_long",
                    _("At most %(limit)d characters.") % {"limit": limit},
                    field=field_name,
                    row=row,
                )
            )
    if cleaned.email:
        try:
            validate_email(cleaned.email)
        except ValidationError:
            errors.append(
                ErrorItem("invalid_email", _("Not a valid email address."), field="email", row=row)
            )
    unknown = [kind for kind in cleaned.kinds if kind not in OrganisationKind.values]
    if unknown:
        errors.append(
            ErrorItem(
                "invalid_kind",
                _("Unknown organisation kind: %(kinds)s.") % {"kinds": ", ".join(unknown)},
                field="kinds",
                row=row,
            )
        )
    if not cleaned.kinds:
        errors.append(ErrorItem("required", _("Give at least one kind."), field="kinds", row=row))
    division: Division | None = None
    normalized = normalize_division_code(cleaned.division_code)
    if normalized is None:
        errors.append(
            ErrorItem(
                "invalid_division_code",
                _("“%(code)s” is not a division code (6, 9 or 12 digits).")
                % {"code": cleaned.division_code},
                field="division_code",
                row=row,
            )
        )
    else:
        division = Division.objects.filter(code=normalized).first()
        if division is None:
            errors.append(
                ErrorItem(
                    "unknown_division",
                    _("There is no division with code %(code)s.") % {"code": cleaned.division_code},
                    field="division_code",
                    row=row,
                )
            )
    if division is not None and scope.role != Role.ENTERPRISE:
        moving = existing is None or existing.division_id != division.pk
        if moving and not can_register_in(scope, division):
            errors.append(
                ErrorItem(
                    "outside_scope",
                    _("You may only register organisations in your own county."),
                    field="division_code",
                    row=row,
                )
            )
    if scope.role == Role.ENTERPRISE and existing is not None:
        if compact != existing.uscc:
            errors.append(
                ErrorItem(
                    "read_only",
                    _("Only the commerce bureau may change the credit code."),
                    field="uscc",
                    row=row,
                )
            )
        if division is not None and division.pk != existing.division_id:
            errors.append(
                ErrorItem(
                    "read_only",
                    _("Only the commerce bureau may change the registered division."),
                    field="division_code",
                    row=row,
                )
            )
    return cleaned, division, errors


def _organisation_snapshot(organisation: Organisation) -> dict[str, Any]:
    return snapshot(organisation, extra={"kinds": organisation.kind_codes()})


def _apply(organisation: Organisation, data: OrganisationInput, division: Division) -> None:
    organisation.uscc = data.uscc
    organisation.name = data.name
    organisation.division = division
    organisation.address = data.address
    organisation.contact_person = data.contact_person
    organisation.contact_phone = data.contact_phone
    organisation.email = data.email
    organisation.note = data.note


def _set_kinds(organisation: Organisation, kinds: Sequence[str]) -> None:
    organisation.tags.exclude(kind__in=kinds).delete()
    present = set(organisation.tags.values_list("kind", flat=True))
    OrganisationTag.objects.bulk_create(
        OrganisationTag(organisation=organisation, kind=kind)
        for kind in kinds
        if kind not in present
    )
    # Drop the prefetch cache so the snapshot reads the new kinds.
    getattr(organisation, "_prefetched_objects_cache", {}).pop("tags", None)


def _require_write(scope: Scope) -> None:
    if not scope.can_write:
        raise PermissionDeniedError("forbidden", _("Your role may not change records."))


def organisation_create(
    *, actor: Any, data: OrganisationInput, channel: AuditChannel = AuditChannel.WEB
) -> Organisation:
    """Register an organisation. Raises PermissionDeniedError or ValidationFailed (every error)."""
    scope = scope_of(actor)
    if scope.role not in {Role.CITY_ADMIN, Role.COUNTY_OFFICER}:
        raise PermissionDeniedError("forbidden", _("Your role may not register organisations."))
    cleaned, division, errors = _validate(data, scope=scope, existing=None, row=None)
    if errors or division is None:
        raise ValidationFailed(errors)
    with transaction.atomic():
        organisation = Organisation()
        _apply(organisation, cleaned, division)
        organisation.save()
        _set_kinds(organisation, cleaned.kinds)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=organisation,
            before=None,
            after=_organisation_snapshot(organisation),
            channel=channel,
        )
    return organisation


def organisation_update(
    *,
    actor: Any,
    organisation: Organisation,
    data: OrganisationInput,
    channel: AuditChannel = AuditChannel.WEB,
) -> Organisation:
    scope = scope_of(actor)
    _require_write(scope)
    if not can_edit_organisation(scope, organisation):
        raise PermissionDeniedError("forbidden", _("You may not change this organisation."))
    cleaned, division, errors = _validate(data, scope=scope, existing=organisation, row=None)
    if errors or division is None:
        raise ValidationFailed(errors)
    with transaction.atomic():
        before = _organisation_snapshot(organisation)
        _apply(organisation, cleaned, division)
        organisation.save()
        _set_kinds(organisation, cleaned.kinds)
        after = _organisation_snapshot(organisation)
        if after != before:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=organisation,
                before=before,
                after=after,
                channel=channel,
            )
    return organisation


def organisation_delete(
    *, actor: Any, organisation: Organisation, channel: AuditChannel = AuditChannel.WEB
) -> None:
    scope = scope_of(actor)
    if not can_delete_organisation(scope, organisation):
        raise PermissionDeniedError("forbidden", _("You may not delete this organisation."))
    try:
        with transaction.atomic():
            before = _organisation_snapshot(organisation)
            audit_record(
                actor=actor,
                action=AuditAction.DELETE,
                instance=organisation,
                before=before,
                after=None,
                channel=channel,
            )
            organisation.delete()
    except ProtectedError as error:
        raise DomainError(
            "in_use",
            _(
                "“%(name)s” cannot be deleted: %(count)d other records refer to it "
                "(such as user accounts). Reassign or remove them first."
            )
            % {"name": organisation.name, "count": len(error.protected_objects)},
            status=409,
        ) from None


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


def organisations_import(
    *, actor: Any, rows: Sequence[tuple[int, OrganisationInput]], dry_run: bool = False
) -> ImportResult:
    """Create or update organisations by credit code: all rows are applied, or none.

    `rows` pairs each input with its row number in the file, so that errors name the row.
    Raises ValidationFailed with every error of every row.
    """
    scope = scope_of(actor)
    if scope.role not in {Role.CITY_ADMIN, Role.COUNTY_OFFICER}:
        raise PermissionDeniedError("forbidden", _("Your role may not import organisations."))
    errors: list[ErrorItem] = []
    plan: list[tuple[Organisation | None, OrganisationInput, Division]] = []
    seen: dict[str, int] = {}
    existing_by_code = {
        organisation.uscc: organisation
        for organisation in Organisation.objects.select_related("division")
        .prefetch_related("tags")
        .filter(uscc__in=[uscc_standard.compact(data.uscc or "") for _row, data in rows])
    }
    for row, data in rows:
        existing = existing_by_code.get(uscc_standard.compact(data.uscc or ""))
        if existing is not None and not can_edit_organisation(scope, existing):
            errors.append(
                ErrorItem(
                    "outside_scope",
                    _("“%(name)s” is registered outside your county.") % {"name": existing.name},
                    field="uscc",
                    row=row,
                )
            )
            continue
        cleaned, division, row_errors = _validate(
            data, scope=scope, existing=existing, row=row, codes_in_batch=seen
        )
        if cleaned.uscc and not any(error.field == "uscc" for error in row_errors):
            seen[cleaned.uscc] = row
        errors.extend(row_errors)
        if not row_errors and division is not None:
            plan.append((existing, cleaned, division))
    if errors:
        raise ValidationFailed(errors)
    created = updated = unchanged = 0
    with transaction.atomic():
        for existing, cleaned, division in plan:
            if existing is None:
                created += 1
                if not dry_run:
                    organisation_create(actor=actor, data=cleaned, channel=AuditChannel.IMPORT)
                continue
            before = _organisation_snapshot(existing)
            probe = Organisation(pk=existing.pk)
            _apply(probe, cleaned, division)
            if snapshot(probe, extra={"kinds": sorted(cleaned.kinds)}) == before:
                unchanged += 1
            else:
                updated += 1
                if not dry_run:
                    organisation_update(
                        actor=actor,
                        organisation=existing,
                        data=cleaned,
                        channel=AuditChannel.IMPORT,
                    )
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def area_coverage_set(
    *,
    actor: Any,
    area_code: str,
    division_codes: Sequence[str],
    channel: AuditChannel = AuditChannel.WEB,
) -> list[str]:
    """Set the divisions a functional zone covers (the city administrator's mapping).

    Mappings that came with the reference data keep their basis; new ones are marked as set by
    the administrator. Raises ValidationFailed naming each unknown code; nothing changes then."""
    from hanjiang.registry.models import Area, AreaDivision, MappingBasis

    if scope_of(actor).role != Role.CITY_ADMIN:
        raise PermissionDeniedError("forbidden", _("Only the city may map functional zones."))
    area = Area.objects.get(code=area_code)
    wanted: dict[str, Division] = {}
    errors: list[ErrorItem] = []
    for code in division_codes:
        normalized = normalize_division_code(code)
        division = Division.objects.filter(code=normalized).first() if normalized else None
        if division is None:
            errors.append(
                ErrorItem(
                    "unknown_division",
                    _("There is no division with code %(code)s.") % {"code": code},
                    field="division_codes",
                )
            )
        else:
            wanted[division.code] = division
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        before = sorted(area.coverage.values_list("division__code", flat=True))
        area.coverage.exclude(division__code__in=list(wanted)).delete()
        present = set(area.coverage.values_list("division__code", flat=True))
        AreaDivision.objects.bulk_create(
            AreaDivision(area=area, division=division, basis=MappingBasis.ADMINISTRATOR)
            for code, division in wanted.items()
            if code not in present
        )
        after = sorted(wanted)
        if after != before:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=area,
                before={"divisions": before},
                after={"divisions": after},
                channel=channel,
            )
    return after

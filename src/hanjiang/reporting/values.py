"""Writing data values: one engine for web entry, Excel, the API and derived sources.

Every row is checked against the metadata (element, option, period, unit, value type), the
caller's scope and the locks (approved reports, closed periods). Valid rows are written set-wise
in one transaction: inserts, updates and deletes each as one batch statement, so an import of a
million values takes seconds, and a failure part-way leaves the database as it was.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import Scope, scope_of
from hanjiang.core.errors import ErrorItem, PermissionDeniedError
from hanjiang.core.models import AuditAction, AuditChannel, AuditEntry
from hanjiang.core.periods import InvalidPeriod, Period
from hanjiang.registry.models import Division, DivisionLevel, Organisation, OrganisationTag
from hanjiang.reporting.models import (
    DataElement,
    DataSet,
    DataSource,
    DataValue,
    ReportingUnits,
    Submission,
    SubmissionStatus,
    ValueType,
)


@dataclass(frozen=True)
class ValueRow:
    element: str
    period: str
    org_unit: str
    value: str | None
    category_option: str = ""
    comment: str = ""
    explanation: str = ""


@dataclass
class ImportSummary:
    imported: int = 0
    updated: int = 0
    deleted: int = 0
    ignored: int = 0
    conflicts: list[ErrorItem] = field(default_factory=list)
    dry_run: bool = False

    @property
    def status(self) -> str:
        if self.conflicts and not (self.imported or self.updated or self.deleted or self.ignored):
            return "ERROR"
        return "WARNING" if self.conflicts else "SUCCESS"

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "dry_run": self.dry_run,
            "import_count": {
                "imported": self.imported,
                "updated": self.updated,
                "deleted": self.deleted,
                "ignored": self.ignored,
            },
            "conflicts": [conflict.as_dict() for conflict in self.conflicts],
        }


@dataclass(frozen=True)
class _ElementInfo:
    id: int
    code: str
    value_type: str
    options: frozenset[str]
    is_derived: bool
    data_sets: tuple[DataSet, ...]


def _element_index() -> dict[str, _ElementInfo]:
    elements = DataElement.objects.select_related("category").prefetch_related(
        "category__options", "data_sets"
    )
    return {
        element.code: _ElementInfo(
            id=element.pk,
            code=element.code,
            value_type=element.value_type,
            options=frozenset(option.code for option in element.category.options.all())
            if element.category
            else frozenset(),
            is_derived=element.is_derived,
            data_sets=tuple(element.data_sets.all()),
        )
        for element in elements
    }


@dataclass
class _Units:
    """Organisation units by code: divisions (any code form) and organisations (credit code)."""

    divisions: dict[str, tuple[str, str]]
    organisations: dict[str, tuple[str, str]]
    organisation_kinds: dict[str, set[str]]

    @classmethod
    def load(cls, codes: Iterable[str]) -> _Units:
        divisions: dict[str, tuple[str, str]] = {}
        for code, short, level in Division.objects.values_list("code", "short_code", "level"):
            divisions[code] = divisions[short] = (code, level)
        credit_codes = {code.upper() for code in codes if len(code) == 18}
        organisations: dict[str, tuple[str, str]] = {}
        kinds: dict[str, set[str]] = {}
        if credit_codes:
            rows = Organisation.objects.filter(uscc__in=credit_codes).values_list(
                "uscc", "division__code", "pk"
            )
            ids = {}
            for uscc, division_code, pk in rows:
                organisations[uscc] = (uscc, division_code)
                ids[pk] = uscc
            for organisation_id, kind in OrganisationTag.objects.filter(
                organisation_id__in=ids
            ).values_list("organisation_id", "kind"):
                kinds.setdefault(ids[organisation_id], set()).add(kind)
        return cls(divisions, organisations, kinds)

    def resolve(self, code: str) -> tuple[str, str, str] | None:
        """(unit code, division code, level or 'organisation') or None if unknown."""
        division = self.divisions.get(code)
        if division is not None:
            return division[0], division[0], division[1]
        organisation = self.organisations.get(code.upper())
        if organisation is not None:
            return organisation[0], organisation[1], "organisation"
        return None


def _accepts(data_set: DataSet, level: str, unit: str, units: _Units) -> bool:
    if data_set.reporting_units == ReportingUnits.COUNTIES:
        return level == DivisionLevel.COUNTY
    if level != "organisation":
        return False
    return (
        not data_set.organisation_kind
        or data_set.organisation_kind in units.organisation_kinds.get(unit, set())
    )


def _in_scope(scope: Scope, unit: str, division_code: str) -> bool:
    if scope.role == Role.CITY_ADMIN:
        return True
    if scope.role == Role.COUNTY_OFFICER:
        return bool(scope.county_prefix) and division_code.startswith(scope.county_prefix or "-")
    if scope.role == Role.ENTERPRISE:
        return False
    return False


def _normalise(value: str, value_type: str) -> tuple[str, float | None] | str:
    """(stored text, number) or an error code."""
    if value_type == ValueType.TEXT:
        return (value, None) if len(value) <= 500 else "value_too_long"
    try:
        number = Decimal(value.replace(",", ""))
    except InvalidOperation:
        return "not_a_number"
    if not number.is_finite():
        return "not_a_number"
    if value_type == ValueType.INTEGER and number != number.to_integral_value():
        return "not_an_integer"
    if value_type == ValueType.PERCENTAGE and not Decimal(0) <= number <= Decimal(100):
        return "not_a_percentage"
    text = format(number.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    as_float = float(number)
    return (text, as_float) if math.isfinite(as_float) else "not_a_number"


MESSAGES = {
    "unknown_element": _("Unknown data element “%(value)s”."),
    "unknown_option": _("“%(value)s” is not a disaggregation option of this element."),
    "option_required": _("This element is disaggregated: give one of its options."),
    "derived_element": _("This figure is derived by the platform and cannot be entered."),
    "invalid_period": _("“%(value)s” is not a period code (2024, 2024Q3 or 202409)."),
    "wrong_period_type": _("The period “%(value)s” does not fit the data set's period type."),
    "period_not_ended": _("The period %(value)s has not ended yet."),
    "unknown_org_unit": _("Unknown organisation unit “%(value)s”."),
    "wrong_org_unit": _("“%(value)s” does not report this data set."),
    "outside_scope": _("“%(value)s” lies outside your scope."),
    "period_locked": _("Entry for %(value)s is closed; ask the city to reopen it."),
    "approved_locked": _("The report for %(value)s is approved and locked."),
    "not_a_number": _("“%(value)s” is not a number."),
    "not_an_integer": _("“%(value)s” is not a whole number."),
    "not_a_percentage": _("“%(value)s” is not a percentage between 0 and 100."),
    "value_too_long": _("The text is longer than 500 characters."),
    "duplicate_row": _("The same figure appears again in row %(value)s."),
}


def _conflict(code: str, row: int, field_name: str, value: object) -> ErrorItem:
    return ErrorItem(code, MESSAGES[code] % {"value": value}, field=field_name, row=row)


def values_import(
    *,
    actor: Any,
    rows: Sequence[ValueRow],
    source_code: str = "import",
    dry_run: bool = False,
    atomic: bool = False,
    today: datetime.date | None = None,
    channel: AuditChannel = AuditChannel.API,
    first_row: int = 1,
) -> ImportSummary:
    """Validate and write data values. Rows are numbered from `first_row` in conflicts.

    With `atomic`, any conflict means nothing is written. Raises PermissionDeniedError for a
    role that may not write figures.
    """
    scope = scope_of(actor)
    if scope.role not in {Role.CITY_ADMIN, Role.COUNTY_OFFICER, Role.ENTERPRISE}:
        raise PermissionDeniedError("forbidden", _("Your role may not enter figures."))
    today = today or timezone.localdate()
    summary = ImportSummary(dry_run=dry_run)
    elements = _element_index()
    units = _Units.load(row.org_unit for row in rows)
    source = DataSource.objects.get(code=source_code)
    periods: dict[str, Period | None] = {}
    valid: list[tuple[int, ValueRow, _ElementInfo, Period, str, str, str, float | None]] = []
    seen: dict[tuple[int, str, str, str], int] = {}
    locks = _approved_reports(rows)
    for offset, row in enumerate(rows):
        number = first_row + offset
        element = elements.get(row.element)
        if element is None:
            summary.conflicts.append(
                _conflict("unknown_element", number, "dataElement", row.element)
            )
            continue
        if element.is_derived and source.kind != DataSource.Kind.DERIVED:
            summary.conflicts.append(
                _conflict("derived_element", number, "dataElement", row.element)
            )
            continue
        option = row.category_option or ""
        if element.options and option not in element.options:
            code = "unknown_option" if option else "option_required"
            summary.conflicts.append(_conflict(code, number, "categoryOptionCombo", option))
            continue
        if not element.options and option:
            summary.conflicts.append(
                _conflict("unknown_option", number, "categoryOptionCombo", option)
            )
            continue
        if row.period not in periods:
            try:
                periods[row.period] = Period.parse(row.period)
            except InvalidPeriod:
                periods[row.period] = None
        period = periods[row.period]
        if period is None:
            summary.conflicts.append(_conflict("invalid_period", number, "period", row.period))
            continue
        data_sets = element.data_sets
        if data_sets and all(data_set.period_type != period.type for data_set in data_sets):
            summary.conflicts.append(_conflict("wrong_period_type", number, "period", row.period))
            continue
        if not period.has_ended(today) and source.kind == DataSource.Kind.ENTRY:
            summary.conflicts.append(_conflict("period_not_ended", number, "period", row.period))
            continue
        resolved = units.resolve(row.org_unit.strip())
        if resolved is None:
            summary.conflicts.append(_conflict("unknown_org_unit", number, "orgUnit", row.org_unit))
            continue
        unit, division_code, level = resolved
        if data_sets and not any(_accepts(data_set, level, unit, units) for data_set in data_sets):
            summary.conflicts.append(_conflict("wrong_org_unit", number, "orgUnit", row.org_unit))
            continue
        if scope.role == Role.ENTERPRISE:
            allowed = level == "organisation" and unit == _own_credit_code(actor)
        else:
            allowed = _in_scope(scope, unit, division_code)
        if not allowed:
            summary.conflicts.append(_conflict("outside_scope", number, "orgUnit", row.org_unit))
            continue
        if any((data_set.pk, period.code, unit) in locks for data_set in data_sets):
            summary.conflicts.append(_conflict("approved_locked", number, "period", row.period))
            continue
        if scope.role != Role.CITY_ADMIN and any(
            today > period.end + datetime.timedelta(days=data_set.lock_days)
            for data_set in data_sets
        ):
            summary.conflicts.append(_conflict("period_locked", number, "period", row.period))
            continue
        key = (element.id, period.code, unit, option)
        if key in seen:
            summary.conflicts.append(_conflict("duplicate_row", number, "value", seen[key]))
            continue
        seen[key] = number
        text = (row.value or "").strip()
        if not text:
            valid.append((number, row, element, period, unit, division_code, "", None))
            continue
        normalised = _normalise(text, element.value_type)
        if isinstance(normalised, str):
            summary.conflicts.append(_conflict(normalised, number, "value", text))
            continue
        valid.append((number, row, element, period, unit, division_code, *normalised))
    if atomic and summary.conflicts:
        return summary
    _write(valid, summary=summary, source=source, actor=actor, channel=channel, dry_run=dry_run)
    return summary


def _own_credit_code(actor: Any) -> str | None:
    organisation = getattr(actor, "organisation", None)
    return organisation.uscc if organisation is not None else None


def _approved_reports(rows: Sequence[ValueRow]) -> set[tuple[int, str, str]]:
    period_codes = {row.period for row in rows}
    if not period_codes or len(period_codes) > 5000:
        period_codes = set()
    approved = Submission.objects.filter(status=SubmissionStatus.APPROVED)
    if period_codes:
        approved = approved.filter(period__in=period_codes)
    return set(approved.values_list("data_set_id", "period", "org_unit"))


def _existing(
    keys: set[tuple[int, str, str, str]],
) -> dict[tuple[int, str, str, str], tuple[int, str, str, str, int]]:
    if not keys:
        return {}
    element_ids = {key[0] for key in keys}
    period_codes = {key[1] for key in keys}
    found: dict[tuple[int, str, str, str], tuple[int, str, str, str, int]] = {}
    query = DataValue.objects.filter(element_id__in=element_ids)
    if len(period_codes) < 1000:
        query = query.filter(period__in=period_codes)
    for row in query.values_list(
        "element_id",
        "period",
        "org_unit",
        "category_option",
        "id",
        "value",
        "comment",
        "explanation",
        "source_id",
    ).iterator(chunk_size=20000):
        key = (row[0], row[1], row[2], row[3])
        if key in keys:
            found[key] = (row[4], row[5], row[6], row[7], row[8])
    return found


INSERT_COLUMNS = (
    "element_id",
    "period",
    "period_type",
    "org_unit",
    "division_code",
    "category_option",
    "value",
    "number",
    "source_id",
    "comment",
    "explanation",
    "stored_by",
    "created_at",
    "updated_at",
)


def _write(
    valid: list[tuple[int, ValueRow, _ElementInfo, Period, str, str, str, float | None]],
    *,
    summary: ImportSummary,
    source: DataSource,
    actor: Any,
    channel: AuditChannel,
    dry_run: bool,
) -> None:
    existing = _existing(
        {(item[2].id, item[3].code, item[4], item[1].category_option or "") for item in valid}
    )
    now = timezone.now()
    stored_by = actor.get_username() if getattr(actor, "is_authenticated", False) else "system"
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    deletes: list[tuple[int]] = []
    audit: list[AuditEntry] = []
    for _number, row, element, period, unit, division_code, text, number in valid:
        option = row.category_option or ""
        current = existing.get((element.id, period.code, unit, option))
        if not text:
            if current is None:
                summary.ignored += 1
            else:
                deletes.append((current[0],))
                audit.append(
                    _audit(
                        actor,
                        stored_by,
                        channel,
                        AuditAction.DELETE,
                        current,
                        None,
                        element,
                        period,
                        unit,
                        option,
                    )
                )
                summary.deleted += 1
            continue
        comment = row.comment[:500]
        explanation = row.explanation[:500]
        if current is None:
            inserts.append(
                (
                    element.id,
                    period.code,
                    period.type.value,
                    unit,
                    division_code,
                    option,
                    text,
                    number,
                    source.pk,
                    comment,
                    explanation,
                    stored_by,
                    now,
                    now,
                )
            )
            summary.imported += 1
        elif (current[1], current[2], current[3], current[4]) == (
            text,
            comment,
            explanation,
            source.pk,
        ):
            summary.ignored += 1
        else:
            updates.append(
                (text, number, comment, explanation, source.pk, stored_by, now, current[0])
            )
            audit.append(
                _audit(
                    actor,
                    stored_by,
                    channel,
                    AuditAction.UPDATE,
                    current,
                    (text, comment),
                    element,
                    period,
                    unit,
                    option,
                )
            )
            summary.updated += 1
    if dry_run:
        return
    with transaction.atomic(), connection.cursor() as cursor:
        if inserts:
            _insert(cursor, inserts)
        if updates:
            cursor.executemany(
                "UPDATE reporting_datavalue SET value = %s, number = %s, comment = %s, "
                "explanation = %s, source_id = %s, stored_by = %s, updated_at = %s WHERE id = %s",
                updates,
            )
        if deletes:
            cursor.executemany("DELETE FROM reporting_datavalue WHERE id = %s", deletes)
        AuditEntry.objects.bulk_create(audit, batch_size=2000)


_COLUMNS = ", ".join(INSERT_COLUMNS)
COPY_SQL = f"COPY reporting_datavalue ({_COLUMNS}) FROM STDIN"
INSERT_SQL = (
    f"INSERT INTO reporting_datavalue ({_COLUMNS}) "  # noqa: S608 - constant column names
    f"VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))})"
)


def _insert(cursor: Any, rows: list[tuple[Any, ...]]) -> None:
    if connection.vendor == "postgresql":
        # COPY is PostgreSQL's bulk path: several times faster than batched INSERTs.
        with cursor.cursor.copy(COPY_SQL) as copy:
            for row in rows:
                copy.write_row(row)
        return
    cursor.executemany(INSERT_SQL, rows)


def _audit(
    actor: Any,
    stored_by: str,
    channel: AuditChannel,
    action: AuditAction,
    current: tuple[int, str, str, str, int],
    new: tuple[str, str] | None,
    element: _ElementInfo,
    period: Period,
    unit: str,
    option: str,
) -> AuditEntry:
    label = f"{element.code} {period.code} {unit}{'/' + option if option else ''}"
    return AuditEntry(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=stored_by,
        channel=channel,
        action=action,
        app_label="reporting",
        model="datavalue",
        object_id=str(current[0]),
        object_repr=label,
        before={"value": current[1], "comment": current[2]},
        after={"value": new[0], "comment": new[1]} if new else None,
    )

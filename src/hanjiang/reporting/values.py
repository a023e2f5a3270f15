"""Writing data values: one engine for web entry, Excel, the API and derived sources.

Every row is checked against the metadata (element, option, period, unit, value type), the
caller's scope and the locks (approved reports, closed periods). Valid rows are written set-wise
in one transaction: inserts, updates and deletes each as one batch statement, so an import of a
million values takes seconds, and a failure part-way leaves the database as it was.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
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

    @property
    def checks_key(self) -> tuple[int, ...]:
        """Elements of the same data sets share their period and unit checks."""
        return tuple(data_set.pk for data_set in self.data_sets) or (-self.id,)


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
    division_levels = {
        ReportingUnits.COUNTIES: DivisionLevel.COUNTY,
        ReportingUnits.TOWNSHIPS: DivisionLevel.TOWNSHIP,
        ReportingUnits.VILLAGES: DivisionLevel.VILLAGE,
    }
    if data_set.reporting_units in division_levels:
        return level == division_levels[ReportingUnits(data_set.reporting_units)]
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


MESSAGES = {
    "unknown_element": _("Unknown data element “%(value)s”."),
    "unknown_option": _("“%(value)s” is not a disaggregation option of this element."),
    "option_required": _("This element is disaggregated: give one of its options."),
    "derived_element": _("This figure is derived by the platform and cannot be entered."),
    "invalid_period": _("“%(value)s” is not a period code (2024, 2024Q3 or 202409)."),
    "wrong_period_type": _("The period “%(value)s” does not fit the data set's period type."),
    "period_not_ended": _("The period %(value)s has not ended yet."),
    "not_collected": _(
        "No report collects “%(value)s”: it is a published or derived figure, not entered."
    ),
    "unknown_org_unit": _("Unknown organisation unit “%(value)s”."),
    "wrong_org_unit": _("“%(value)s” does not report this data set."),
    "outside_scope": _("“%(value)s” lies outside your scope."),
    "period_locked": _("Entry for %(value)s is closed; ask the city to reopen it."),
    "approved_locked": _(
        "The report for %(value)s is submitted or approved; it is locked until the city "
        "returns or reopens it."
    ),
    "not_a_number": _("“%(value)s” is not a number."),
    "not_an_integer": _("“%(value)s” is not a whole number."),
    "not_a_percentage": _("“%(value)s” is not a percentage between 0 and 100."),
    "value_too_long": _("The text is longer than 500 characters."),
    "duplicate_row": _("This figure already appears in row %(value)s."),
}


def _conflict(code: str, row: int, field_name: str, value: object) -> ErrorItem:
    return ErrorItem(code, MESSAGES[code] % {"value": value}, field=field_name, row=row)


FIELDS = {
    "unknown_element": "dataElement",
    "derived_element": "dataElement",
    "unknown_option": "categoryOptionCombo",
    "option_required": "categoryOptionCombo",
    "invalid_period": "period",
    "wrong_period_type": "period",
    "period_not_ended": "period",
    "not_collected": "dataElement",
    "period_locked": "period",
    "approved_locked": "period",
    "unknown_org_unit": "orgUnit",
    "wrong_org_unit": "orgUnit",
    "outside_scope": "orgUnit",
    "duplicate_row": "value",
    "not_a_number": "value",
    "not_an_integer": "value",
    "not_a_percentage": "value",
    "value_too_long": "value",
}
SHOWN = {
    "dataElement": "element",
    "categoryOptionCombo": "category_option",
    "period": "period",
    "orgUnit": "org_unit",
    "value": "value",
}
TEXT_COLUMNS = [
    "element",
    "period",
    "org_unit",
    "category_option",
    "value",
    "comment",
    "explanation",
]


def rows_frame(rows: Sequence[ValueRow], first_row: int = 1) -> pl.DataFrame:
    """The rows as a frame, numbered from `first_row` (the file's first data row)."""
    return pl.DataFrame(
        {
            "row": pl.int_range(first_row, first_row + len(rows), eager=True),
            "element": [row.element for row in rows],
            "period": [row.period for row in rows],
            "org_unit": [row.org_unit for row in rows],
            "category_option": [row.category_option for row in rows],
            "value": [row.value for row in rows],
            "comment": [row.comment for row in rows],
            "explanation": [row.explanation for row in rows],
        },
        schema_overrides=dict.fromkeys(TEXT_COLUMNS, pl.String),
    )


def values_import(
    *,
    actor: Any,
    rows: Sequence[ValueRow] | pl.DataFrame,
    source_code: str = "import",
    dry_run: bool = False,
    atomic: bool = False,
    today: datetime.date | None = None,
    channel: AuditChannel = AuditChannel.API,
    first_row: int = 1,
) -> ImportSummary:
    """Validate and write data values. Rows are numbered from `first_row` in conflicts.

    `rows` is a list of ValueRow or a frame with the columns of `rows_frame`. With `atomic`,
    any conflict means nothing is written. Raises PermissionDeniedError for a role that may
    not write figures.
    """
    source = DataSource.objects.get(code=source_code)
    if source.kind != DataSource.Kind.ENTRY and actor is None:
        # A module publishing figures (derived from its records, or published in a document such
        # as a plan) writes for the whole city.
        scope = Scope(role=Role.CITY_ADMIN)
    else:
        scope = scope_of(actor)
    if scope.role not in {Role.CITY_ADMIN, Role.COUNTY_OFFICER, Role.ENTERPRISE}:
        raise PermissionDeniedError("forbidden", _("Your role may not enter figures."))
    today = today or timezone.localdate()
    frame = rows if isinstance(rows, pl.DataFrame) else rows_frame(rows, first_row)
    frame = frame.with_columns(
        [pl.col(column).fill_null("").str.strip_chars() for column in TEXT_COLUMNS[:5]]
        + [pl.col(column).fill_null("").str.slice(0, 500) for column in TEXT_COLUMNS[5:]]
    )
    summary = ImportSummary(dry_run=dry_run)
    elements = _element_index()
    checked = _checked(frame, elements, scope, actor, source, today)
    problems = checked.filter(pl.col("problem").is_not_null())
    for row, problem, element, period, org_unit, option, value, first in problems.select(
        "row", "problem", "element", "period", "org_unit", "category_option", "value", "first_row"
    ).iter_rows():
        field_name = FIELDS[problem]
        shown = {
            "element": element,
            "period": period,
            "org_unit": org_unit,
            "category_option": option,
            "value": first if problem == "duplicate_row" else value,
        }[SHOWN[field_name]]
        summary.conflicts.append(_conflict(problem, row, field_name, shown))
    if atomic and summary.conflicts:
        return summary
    valid = checked.filter(pl.col("problem").is_null())
    _write(valid, summary=summary, source=source, actor=actor, channel=channel, dry_run=dry_run)
    return summary


def _checked(
    frame: pl.DataFrame,
    elements: dict[str, _ElementInfo],
    scope: Scope,
    actor: Any,
    source: DataSource,
    today: datetime.date,
) -> pl.DataFrame:
    """The frame with element ids, resolved units, normalised values and a `problem` code."""
    element_table = pl.DataFrame(
        {
            "element": list(elements),
            "element_id": [info.id for info in elements.values()],
            "value_type": [info.value_type for info in elements.values()],
            "is_derived": [info.is_derived for info in elements.values()],
            "has_options": [bool(info.options) for info in elements.values()],
            "checks_key": [",".join(map(str, info.checks_key)) for info in elements.values()],
        },
        schema_overrides={"element_id": pl.Int64},
    )
    option_table = pl.DataFrame(
        {
            "element": [code for code, info in elements.items() for _option in info.options],
            "category_option": [option for info in elements.values() for option in info.options],
            "option_known": [True for info in elements.values() for _option in info.options],
        },
        schema={"element": pl.String, "category_option": pl.String, "option_known": pl.Boolean},
    )
    frame = frame.join(element_table, on="element", how="left").join(
        option_table, on=["element", "category_option"], how="left"
    )
    by_key = {",".join(map(str, info.checks_key)): info for info in elements.values()}
    periods: dict[str, Period | None] = {}
    period_rows = frame.select("checks_key", "period").unique().drop_nulls("checks_key")
    period_table = pl.DataFrame(
        {
            "checks_key": period_rows["checks_key"],
            "period": period_rows["period"],
            "period_problem": [
                _period_problem(code, by_key[key], periods, scope, source, today)
                for key, code in period_rows.iter_rows()
            ],
            "period_type": [
                (periods[code].type.value if periods.get(code) else None)  # type: ignore[union-attr]
                for _key, code in period_rows.iter_rows()
            ],
        },
        schema={
            "checks_key": pl.String,
            "period": pl.String,
            "period_problem": pl.String,
            "period_type": pl.String,
        },
    )
    units = _Units.load(frame["org_unit"].unique().to_list())
    unit_rows = frame.select("checks_key", "org_unit").unique().drop_nulls("checks_key")
    resolved = [units.resolve(code) for _key, code in unit_rows.iter_rows()]
    unit_table = pl.DataFrame(
        {
            "checks_key": unit_rows["checks_key"],
            "org_unit": unit_rows["org_unit"],
            "unit": [item[0] if item else None for item in resolved],
            "division_code": [item[1] if item else None for item in resolved],
            "unit_problem": [
                _unit_problem(code, by_key[key], units, scope, actor, source)
                for key, code in unit_rows.iter_rows()
            ],
        },
        schema={
            "checks_key": pl.String,
            "org_unit": pl.String,
            "unit": pl.String,
            "division_code": pl.String,
            "unit_problem": pl.String,
        },
    )
    frame = frame.join(period_table, on=["checks_key", "period"], how="left").join(
        unit_table, on=["checks_key", "org_unit"], how="left"
    )
    locks = _approved_reports(frame["period"].unique().to_list())
    if locks:
        lock_rows = frame.select("checks_key", "period", "unit").unique().drop_nulls()
        lock_table = lock_rows.with_columns(
            pl.Series(
                "lock_problem",
                [
                    "approved_locked"
                    if any(
                        (data_set.pk, period, unit) in locks for data_set in by_key[key].data_sets
                    )
                    else None
                    for key, period, unit in lock_rows.iter_rows()
                ],
                dtype=pl.String,
            )
        )
        frame = frame.join(lock_table, on=["checks_key", "period", "unit"], how="left")
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("lock_problem"))
    number = pl.col("value").str.replace_all(",", "").cast(pl.Float64, strict=False)
    frame = frame.with_columns(number.alias("number")).with_columns(
        pl.col("row")
        .min()
        .over(["element_id", "period", "unit", "category_option"])
        .alias("first_row")
    )
    numeric = pl.col("value_type") != ValueType.TEXT
    has_value = pl.col("value") != ""
    problem = (
        pl.when(pl.col("element_id").is_null())
        .then(pl.lit("unknown_element"))
        .when(pl.col("is_derived") & pl.lit(source.kind != DataSource.Kind.DERIVED))
        .then(pl.lit("derived_element"))
        .when(pl.col("has_options") & pl.col("option_known").is_null())
        .then(
            pl.when(pl.col("category_option") == "")
            .then(pl.lit("option_required"))
            .otherwise(pl.lit("unknown_option"))
        )
        .when(~pl.col("has_options") & (pl.col("category_option") != ""))
        .then(pl.lit("unknown_option"))
        .when(pl.col("period_problem").is_not_null())
        .then(pl.col("period_problem"))
        .when(pl.col("unit_problem").is_not_null())
        .then(pl.col("unit_problem"))
        .when(pl.col("lock_problem").is_not_null())
        .then(pl.col("lock_problem"))
        .when(pl.col("row") != pl.col("first_row"))
        .then(pl.lit("duplicate_row"))
        .when(has_value & numeric & (pl.col("number").is_null() | ~pl.col("number").is_finite()))
        .then(pl.lit("not_a_number"))
        .when(
            has_value
            & (pl.col("value_type") == ValueType.INTEGER)
            & (pl.col("number") != pl.col("number").floor())
        )
        .then(pl.lit("not_an_integer"))
        .when(
            has_value
            & (pl.col("value_type") == ValueType.PERCENTAGE)
            & ((pl.col("number") < 0) | (pl.col("number") > 100))
        )
        .then(pl.lit("not_a_percentage"))
        .when(~numeric & (pl.col("value").str.len_chars() > 500))
        .then(pl.lit("value_too_long"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    plain = pl.col("value").str.replace_all(",", "")
    trimmed = (
        pl.when(plain.str.contains(r"^-?\d+\.\d*$"))
        .then(plain.str.replace(r"0+$", "").str.replace(r"\.$", ""))
        .otherwise(plain)
    )
    return frame.with_columns(
        problem.alias("problem"),
        pl.when(numeric).then(trimmed).otherwise(pl.col("value")).alias("text"),
    )


def _period_problem(
    code: str,
    element: _ElementInfo,
    periods: dict[str, Period | None],
    scope: Scope,
    source: DataSource,
    today: datetime.date,
) -> str | None:
    if code not in periods:
        try:
            periods[code] = Period.parse(code)
        except InvalidPeriod:
            periods[code] = None
    period = periods[code]
    if period is None:
        return "invalid_period"
    # Data sets govern what units enter; published and derived figures are not entry, and a
    # figure no data set collects cannot be entered at all.
    if source.kind == DataSource.Kind.ENTRY and not element.data_sets:
        return "not_collected"
    data_sets = element.data_sets if source.kind == DataSource.Kind.ENTRY else ()
    if data_sets and all(data_set.period_type != period.type for data_set in data_sets):
        return "wrong_period_type"
    if not period.has_ended(today) and source.kind == DataSource.Kind.ENTRY:
        return "period_not_ended"
    if scope.role != Role.CITY_ADMIN and any(
        today > period.end + datetime.timedelta(days=data_set.lock_days) for data_set in data_sets
    ):
        return "period_locked"
    return None


def _unit_problem(
    code: str, element: _ElementInfo, units: _Units, scope: Scope, actor: Any, source: DataSource
) -> str | None:
    resolved = units.resolve(code.strip())
    if resolved is None:
        return "unknown_org_unit"
    unit, division_code, level = resolved
    data_sets = element.data_sets if source.kind == DataSource.Kind.ENTRY else ()
    if data_sets and not any(_accepts(data_set, level, unit, units) for data_set in data_sets):
        return "wrong_org_unit"
    if scope.role == Role.ENTERPRISE:
        allowed = level == "organisation" and unit == _own_credit_code(actor)
    else:
        allowed = _in_scope(scope, unit, division_code)
    return None if allowed else "outside_scope"


def _own_credit_code(actor: Any) -> str | None:
    organisation = getattr(actor, "organisation", None)
    return organisation.uscc if organisation is not None else None


def _approved_reports(period_codes: list[str]) -> set[tuple[int, str, str]]:
    """Reports that are submitted (waiting for the city) or approved: their values are locked."""
    approved = Submission.objects.filter(
        status__in=[SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED]
    )
    if len(period_codes) <= 5000:
        approved = approved.filter(period__in=period_codes)
    return set(approved.values_list("data_set_id", "period", "org_unit"))


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


def _existing(valid: pl.DataFrame) -> pl.DataFrame:
    """The stored values with the keys of `valid`, as a frame."""
    schema = {
        "current_id": pl.Int64,
        "element_id": pl.Int64,
        "period": pl.String,
        "unit": pl.String,
        "category_option": pl.String,
        "current_value": pl.String,
        "current_comment": pl.String,
        "current_explanation": pl.String,
        "current_source": pl.Int64,
    }
    if valid.is_empty():
        return pl.DataFrame(schema=schema)
    element_ids = valid["element_id"].unique().to_list()
    period_codes = valid["period"].unique().to_list()
    query = DataValue.objects.filter(element_id__in=element_ids)
    if len(period_codes) < 1000:
        query = query.filter(period__in=period_codes)
    if valid["unit"].n_unique() < 500:
        query = query.filter(org_unit__in=valid["unit"].unique().to_list())
    records = list(
        query.values_list(
            "id",
            "element_id",
            "period",
            "org_unit",
            "category_option",
            "value",
            "comment",
            "explanation",
            "source_id",
        )
    )
    return pl.DataFrame(records, schema=schema, orient="row")


def _write(
    valid: pl.DataFrame,
    *,
    summary: ImportSummary,
    source: DataSource,
    actor: Any,
    channel: AuditChannel,
    dry_run: bool,
) -> None:
    key = ["element_id", "period", "unit", "category_option"]
    joined = valid.join(_existing(valid), on=key, how="left")
    unchanged = (
        (pl.col("current_value") == pl.col("text"))
        & (pl.col("current_comment") == pl.col("comment"))
        & (pl.col("current_explanation") == pl.col("explanation"))
        & (pl.col("current_source") == source.pk)
    )
    joined = joined.with_columns(
        pl.when(pl.col("text") == "")
        .then(
            pl.when(pl.col("current_id").is_null())
            .then(pl.lit("ignore"))
            .otherwise(pl.lit("delete"))
        )
        .when(pl.col("current_id").is_null())
        .then(pl.lit("insert"))
        .when(unchanged)
        .then(pl.lit("ignore"))
        .otherwise(pl.lit("update"))
        .alias("action")
    )
    counts = dict(joined.group_by("action").len().iter_rows())
    summary.imported += counts.get("insert", 0)
    summary.updated += counts.get("update", 0)
    summary.deleted += counts.get("delete", 0)
    summary.ignored += counts.get("ignore", 0)
    if dry_run:
        return
    now = timezone.now()
    # SQLite stores datetimes as ISO text; converting once beats converting every row.
    stamp: Any = now.isoformat() if connection.vendor == "sqlite" else now
    stored_by = actor.get_username() if getattr(actor, "is_authenticated", False) else "system"
    # In key order, the unique index grows at its end instead of being rewritten page by page.
    inserts = (
        joined.filter(pl.col("action") == "insert")
        .sort(["unit", "period", "element_id", "category_option"])
        .select(
            "element_id",
            "period",
            "period_type",
            "unit",
            "division_code",
            "category_option",
            "text",
            pl.when(pl.col("value_type") == ValueType.TEXT)
            .then(None)
            .otherwise(pl.col("number"))
            .alias("stored_number"),
            pl.lit(source.pk).alias("source_id"),
            "comment",
            "explanation",
            pl.lit(stored_by).alias("stored_by"),
            pl.lit(stamp).alias("created_at"),
            pl.lit(stamp).alias("updated_at"),
        )
    )
    changed = joined.filter(pl.col("action").is_in(["update", "delete"]))
    updates = changed.filter(pl.col("action") == "update")
    audit = [
        AuditEntry(
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=stored_by,
            channel=channel,
            action=AuditAction.UPDATE if item["action"] == "update" else AuditAction.DELETE,
            app_label="reporting",
            model="datavalue",
            object_id=str(item["current_id"]),
            object_repr=f"{item['element']} {item['period']} {item['unit']}"
            + (f"/{item['category_option']}" if item["category_option"] else ""),
            before={"value": item["current_value"], "comment": item["current_comment"]},
            after={"value": item["text"], "comment": item["comment"]}
            if item["action"] == "update"
            else None,
        )
        for item in changed.iter_rows(named=True)
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        if not inserts.is_empty():
            _insert(cursor, inserts)
        if not updates.is_empty():
            cursor.executemany(
                "UPDATE reporting_datavalue SET value = %s, number = %s, comment = %s, "
                "explanation = %s, source_id = %s, stored_by = %s, updated_at = %s, "
                "division_code = %s WHERE id = %s",
                [
                    (text, number, comment, explanation, source.pk, stored_by, stamp, division, pk)
                    for text, number, comment, explanation, division, pk in updates.select(
                        "text",
                        pl.when(pl.col("value_type") == ValueType.TEXT)
                        .then(None)
                        .otherwise(pl.col("number"))
                        .alias("stored_number"),
                        "comment",
                        "explanation",
                        "division_code",
                        "current_id",
                    ).iter_rows()
                ],
            )
        deletes = changed.filter(pl.col("action") == "delete")["current_id"].to_list()
        if deletes:
            cursor.executemany(
                "DELETE FROM reporting_datavalue WHERE id = %s", [(pk,) for pk in deletes]
            )
        AuditEntry.objects.bulk_create(audit, batch_size=2000)


_COLUMNS = ", ".join(INSERT_COLUMNS)
COPY_SQL = f"COPY reporting_datavalue ({_COLUMNS}) FROM STDIN WITH (FORMAT csv)"
INSERT_SQL = (
    f"INSERT INTO reporting_datavalue ({_COLUMNS}) "  # noqa: S608 - constant column names
    f"VALUES ({', '.join(['%s'] * len(INSERT_COLUMNS))})"
)


def _insert(cursor: Any, rows: pl.DataFrame) -> None:
    if connection.vendor == "postgresql":
        # COPY of CSV written by Polars: PostgreSQL's bulk path, with no per-row Python.
        with cursor.cursor.copy(COPY_SQL) as copy:
            for start in range(0, rows.height, 200_000):
                copy.write(rows.slice(start, 200_000).write_csv(include_header=False))
        return
    # Column lists zipped into tuples: cheaper than converting the frame row by row.
    columns = [column.to_list() for column in rows.iter_columns()]
    cursor.executemany(INSERT_SQL, zip(*columns, strict=True))

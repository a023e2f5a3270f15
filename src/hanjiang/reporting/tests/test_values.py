from __future__ import annotations

import datetime
from typing import Any

import pytest

from hanjiang.core.errors import PermissionDeniedError
from hanjiang.core.models import AuditEntry
from hanjiang.reporting.models import DataSet, DataValue, Submission, SubmissionStatus
from hanjiang.reporting.values import ValueRow, values_import

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2024, 11, 1)


def _row(**changes: Any) -> ValueRow:
    values: dict[str, Any] = {
        "element": "ONLINE_RETAIL",
        "period": "2024Q3",
        "org_unit": "420625",
        "value": "12345.6",
    }
    values.update(changes)
    return ValueRow(**values)


def test_values_are_imported_then_ignored_then_updated(
    statistics: None, users: dict[str, Any]
) -> None:
    officer = users["county_officer"]
    rows = [_row(), _row(element="ONLINE_STORES", value="1200")]
    first = values_import(actor=officer, rows=rows, today=TODAY)
    assert (first.imported, first.updated, first.ignored, first.conflicts) == (2, 0, 0, [])
    stored = DataValue.objects.get(element__code="ONLINE_RETAIL")
    assert (stored.org_unit, stored.division_code, stored.period_type) == (
        "420625000000",
        "420625000000",
        "quarterly",
    )
    assert (stored.value, stored.number, stored.stored_by) == ("12345.6", 12345.6, "county1")
    again = values_import(actor=officer, rows=rows, today=TODAY)
    assert (again.imported, again.updated, again.ignored) == (0, 0, 2)
    changed = values_import(actor=officer, rows=[_row(value="20000")], today=TODAY)
    assert (changed.imported, changed.updated, changed.ignored) == (0, 1, 0)
    entry = AuditEntry.objects.get(model="datavalue", action="update")
    assert (entry.before, entry.after) == (
        {"value": "12345.6", "comment": ""},
        {"value": "20000", "comment": ""},
    )


@pytest.mark.parametrize(
    ("row", "code", "field"),
    [
        (_row(element="NOPE"), "unknown_element", "dataElement"),
        (_row(period="2024-09"), "invalid_period", "period"),
        (_row(period="2024"), "wrong_period_type", "period"),
        (_row(period="2024Q4"), "period_not_ended", "period"),
        (_row(org_unit="999999"), "unknown_org_unit", "orgUnit"),
        (_row(org_unit="420625100"), "wrong_org_unit", "orgUnit"),
        (_row(org_unit="420602"), "outside_scope", "orgUnit"),
        (_row(value="12,3a"), "not_a_number", "value"),
        (_row(element="ONLINE_STORES", value="10.5"), "not_an_integer", "value"),
        (_row(category_option="jd"), "unknown_option", "categoryOptionCombo"),
    ],
    ids=[
        "unknown-element",
        "bad-period",
        "yearly-in-quarterly",
        "future",
        "unknown-unit",
        "township",
        "other-county",
        "not-number",
        "fraction",
        "option",
    ],
)
def test_each_bad_row_is_refused_with_its_reason(
    statistics: None, users: dict[str, Any], row: ValueRow, code: str, field: str
) -> None:
    summary = values_import(
        actor=users["county_officer"],
        rows=[_row(element="TOTAL_RETAIL"), row],
        today=TODAY,
        first_row=2,
    )
    assert [(c.row, c.field, c.code) for c in summary.conflicts] == [(3, field, code)]
    assert summary.imported == 1
    assert DataValue.objects.count() == 1


def test_all_or_nothing_imports_nothing_on_a_conflict(
    statistics: None, users: dict[str, Any]
) -> None:
    summary = values_import(
        actor=users["county_officer"], rows=[_row(), _row(element="NOPE")], atomic=True, today=TODAY
    )
    assert (summary.status, summary.imported) == ("ERROR", 0)
    assert [c.code for c in summary.conflicts] == ["unknown_element"]
    assert DataValue.objects.count() == 0


def test_a_dry_run_counts_without_writing(statistics: None, users: dict[str, Any]) -> None:
    summary = values_import(actor=users["city_admin"], rows=[_row()], dry_run=True, today=TODAY)
    assert summary.imported == 1
    assert DataValue.objects.count() == 0


def test_an_approved_report_is_locked(statistics: None, users: dict[str, Any]) -> None:
    Submission.objects.create(
        data_set=DataSet.objects.get(code="COUNTY_QUARTERLY"),
        period="2024Q3",
        org_unit="420625000000",
        status=SubmissionStatus.APPROVED,
        submitted_at=datetime.datetime(2024, 10, 10, tzinfo=datetime.UTC),
    )
    summary = values_import(actor=users["city_admin"], rows=[_row()], today=TODAY)
    assert [c.code for c in summary.conflicts] == ["approved_locked"]


def test_a_closed_period_is_locked_for_counties_not_for_the_city(
    statistics: None, users: dict[str, Any]
) -> None:
    late = datetime.date(2025, 3, 1)
    refused = values_import(actor=users["county_officer"], rows=[_row()], today=late)
    assert [c.code for c in refused.conflicts] == ["period_locked"]
    accepted = values_import(actor=users["city_admin"], rows=[_row()], today=late)
    assert accepted.imported == 1


def test_an_empty_value_deletes_the_figure(statistics: None, users: dict[str, Any]) -> None:
    values_import(actor=users["county_officer"], rows=[_row()], today=TODAY)
    summary = values_import(actor=users["county_officer"], rows=[_row(value="")], today=TODAY)
    assert summary.deleted == 1
    assert DataValue.objects.count() == 0
    assert AuditEntry.objects.filter(model="datavalue", action="delete").count() == 1


def test_an_enterprise_reports_only_for_itself(
    statistics: None, users: dict[str, Any], own_organisation: Any, other_organisation: Any
) -> None:
    rows = [
        ValueRow("ENT_REVENUE", "2023", own_organisation.uscc, "500"),
        ValueRow("ENT_ONLINE_SALES", "2023", own_organisation.uscc, "120", category_option="jd"),
        ValueRow("ENT_REVENUE", "2023", other_organisation.uscc, "1"),
    ]
    summary = values_import(actor=users["enterprise"], rows=rows, today=datetime.date(2024, 2, 1))
    assert summary.imported == 2
    assert [(c.row, c.code) for c in summary.conflicts] == [(3, "outside_scope")]
    sales = DataValue.objects.get(element__code="ENT_ONLINE_SALES")
    assert (sales.category_option, sales.division_code) == ("jd", "420625000000")


def test_a_reviewer_cannot_write(statistics: None, users: dict[str, Any]) -> None:
    with pytest.raises(PermissionDeniedError):
        values_import(actor=users["reviewer"], rows=[_row()], today=TODAY)
    assert DataValue.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            b'{"dataValues": [{"dataElement": {"x": 1}, "value": "1"}]}',
            "dataValues[1].dataElement must be a single value",
        ),
        (b'{"dataValues": [1]}', "dataValues[1] is not an object"),
        (b'{"values": []}', "expected an object with a “dataValues” list"),
    ],
    ids=["nested", "not-object", "no-list"],
)
def test_odd_json_shapes_are_format_errors(body: bytes, reason: str) -> None:
    from hanjiang.reporting.dhis2 import FormatError, parse_json

    with pytest.raises(FormatError, match=reason.replace("[", r"\[").replace("]", r"\]")):
        parse_json(body)


def test_csv_with_nul_or_huge_fields_is_a_format_error() -> None:
    from hanjiang.reporting.dhis2 import FormatError, parse_csv

    with pytest.raises(FormatError, match="NUL"):
        parse_csv(b"ONLINE_RETAIL,2024Q3,420625,,,1\x00\n")
    with pytest.raises(FormatError, match="cannot be read"):
        parse_csv(b'ONLINE_RETAIL,2024Q3,420625,,,"' + b"x" * 200_000 + b'"\n')


def test_full_width_digits_are_not_a_period(statistics: None, users: dict[str, Any]) -> None:
    summary = values_import(
        actor=users["city_admin"], rows=[_row(period="２０２４Q3")], today=TODAY
    )
    assert [c.code for c in summary.conflicts] == ["invalid_period"]

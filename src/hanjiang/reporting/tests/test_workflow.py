"""A county's quarterly report from entry to approval, and the figures it produces."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from hanjiang.accounts.services import token_create
from hanjiang.core.models import AuditEntry
from hanjiang.reporting.models import DataValue, Submission

pytestmark = pytest.mark.django_db
GUCHENG = "420625000000"
ENTRY = f"/reporting/entry/COUNTY_QUARTERLY/2024Q3/{GUCHENG}/"
FIGURES = {
    "ONLINE_RETAIL": "52000",
    "ONLINE_RETAIL_PHYSICAL": "48000",
    "ONLINE_RETAIL_AGRI": "13000",
    "ECOMMERCE_TRANSACTIONS": "310000",
    "ONLINE_STORES": "2100",
    "ECOMMERCE_EMPLOYEES": "7600",
    "EXPRESS_PARCELS": "950.5",
    "TOTAL_RETAIL": "400000",
}


@pytest.fixture(autouse=True)
def during_reporting() -> Any:
    with time_machine.travel("2024-10-08 10:00 +0800", tick=False) as traveller:
        yield traveller


def _form(**changes: str) -> dict[str, str]:
    values = {**FIGURES, **changes}
    return {f"v:{code}:": value for code, value in values.items()}


def test_a_county_reports_and_the_city_approves(
    statistics: None, users: dict[str, Any], client_for: Any
) -> None:
    county = client_for(users["county_officer"])
    saved = county.post(ENTRY, _form())
    assert saved.status_code == 302
    assert DataValue.objects.filter(org_unit=GUCHENG, period="2024Q3").count() == 8

    county.post(ENTRY + "submit/")
    submission = Submission.objects.get(org_unit=GUCHENG, period="2024Q3")
    assert submission.status == "submitted"
    assert submission.submitted_by == users["county_officer"]
    waiting = county.post(ENTRY, _form(ONLINE_RETAIL="1"))
    assert waiting.status_code == 422
    # What the officer typed stays in the form; nothing was saved.
    typed = {cell.element.code: cell.value for cell in waiting.context["cells"]}
    assert typed["ONLINE_RETAIL"] == "1"
    assert DataValue.objects.get(element__code="ONLINE_RETAIL", org_unit=GUCHENG).value == "52000"

    admin = client_for(users["city_admin"])
    admin.post(f"/reporting/reports/{submission.pk}/approve/", {"comment": "OK"})
    submission.refresh_from_db()
    assert (submission.status, submission.decided_by) == ("approved", users["city_admin"])

    locked = county.post(ENTRY, _form(ONLINE_RETAIL="1"))
    assert locked.status_code == 422
    assert {conflict.code for conflict in locked.context["conflicts"]} == {"approved_locked"}
    assert DataValue.objects.get(element__code="ONLINE_RETAIL", org_unit=GUCHENG).value == "52000"

    figures = admin.get("/reporting/figures/", {"unit": GUCHENG, "period": "2024Q3"})
    rows = {row.code: row.value for row in figures.context["rows"]}
    assert rows["ONLINE_RETAIL"] == 52000.0
    assert rows["ONLINE_RETAIL_SHARE"] == pytest.approx(13.0)
    assert rows["AGRI_ONLINE_SHARE"] == pytest.approx(25.0)
    assert rows["POPULATION"] is None
    city = admin.get("/reporting/figures/", {"unit": "420600000000", "period": "2024"})
    city_rows = {row.code: row.value for row in city.context["rows"]}
    assert city_rows["ONLINE_RETAIL"] == 52000.0
    assert city_rows["ONLINE_STORES"] == 2100.0
    assert city_rows["INTERNET_PENETRATION"] is None


def test_submission_needs_every_value_and_explained_rule_breaks(
    statistics: None, users: dict[str, Any], client_for: Any
) -> None:
    county = client_for(users["county_officer"])
    county.post(ENTRY, _form(ONLINE_RETAIL_AGRI="", TOTAL_RETAIL=""))
    county.get(ENTRY)  # shows (and so clears) the "saved" message
    response = county.post(ENTRY + "submit/", follow=True)
    messages = [str(message) for message in response.context["messages"]]
    assert messages == [
        "“其中：农产品网络零售额”没有填报数值。",
        "“社会消费品零售总额”没有填报数值。",
    ]
    assert not Submission.objects.filter(status="submitted").exists()

    county.post(ENTRY, _form(ONLINE_RETAIL_AGRI="60000"))
    county.get(ENTRY)
    response = county.post(ENTRY + "submit/", follow=True)
    messages = [str(message) for message in response.context["messages"]]
    assert len(messages) == 1
    assert messages[0].startswith("“农产品网络零售额不大于网络零售额”未满足")
    explained = {**_form(ONLINE_RETAIL_AGRI="60000"), "x:ONLINE_RETAIL_AGRI:": "含外地企业代销"}
    county.post(ENTRY, explained)
    county.post(ENTRY + "submit/")
    assert Submission.objects.get(org_unit=GUCHENG).status == "submitted"


def test_a_returned_report_can_be_corrected_and_a_reopening_is_audited(
    statistics: None, users: dict[str, Any], client_for: Any
) -> None:
    county = client_for(users["county_officer"])
    admin = client_for(users["city_admin"])
    county.post(ENTRY, _form())
    county.post(ENTRY + "submit/")
    submission = Submission.objects.get()
    refused = admin.post(
        f"/reporting/reports/{submission.pk}/return/", {"comment": ""}, follow=True
    )
    assert [str(m) for m in refused.context["messages"]] == ["请说明退回原因。"]
    admin.post(f"/reporting/reports/{submission.pk}/return/", {"comment": "网店数偏高，请核实"})
    submission.refresh_from_db()
    assert (submission.status, submission.comment) == ("returned", "网店数偏高，请核实")
    completeness = admin.get("/reporting/completeness/COUNTY_QUARTERLY/2024Q3/")
    assert {row.name: row.status for row in completeness.context["rows"]}["谷城县"] == "missing"
    county.post(ENTRY, _form(ONLINE_STORES="2000"))
    county.post(ENTRY + "submit/")
    admin.post(f"/reporting/reports/{submission.pk}/approve/")
    admin.post(f"/reporting/reports/{submission.pk}/reopen/", {"comment": "更正社零额"})
    submission.refresh_from_db()
    assert submission.status == "returned"
    reopen = AuditEntry.objects.filter(model="submission").order_by("-id").first()
    assert reopen is not None and reopen.before is not None and reopen.after is not None
    assert (reopen.before["status"], reopen.after["status"]) == ("approved", "returned")


def test_completeness_lists_on_time_late_and_missing(
    statistics: None, users: dict[str, Any], client_for: Any, during_reporting: Any
) -> None:
    county = client_for(users["county_officer"])
    county.post(ENTRY, _form())
    county.post(ENTRY + "submit/")
    page = client_for(users["reviewer"]).get("/reporting/completeness/COUNTY_QUARTERLY/2024Q3/")
    statuses = {row.name: row.status for row in page.context["rows"]}
    assert statuses["谷城县"] == "on_time"
    assert list(statuses.values()).count("missing") == 8
    assert page.context["counts"] == {"on_time": 1, "late": 0, "missing": 8}
    export = client_for(users["reviewer"]).get(
        "/reporting/completeness/COUNTY_QUARTERLY/2024Q3/", {"format": "xlsx"}
    )
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 10
    assert rows[5][:3] == ("420625000000", "谷城县", "按时")


def test_the_excel_template_round_trips(
    statistics: None, users: dict[str, Any], client_for: Any
) -> None:
    county = client_for(users["county_officer"])
    template = county.get("/reporting/template/COUNTY_QUARTERLY/2024Q3.xlsx")
    workbook = load_workbook(io.BytesIO(template.content))
    sheet = workbook.active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 8  # only the officer's own county
    value_column = rows[0].index("数值") + 1
    for number, row in enumerate(rows[1:], start=2):
        sheet.cell(row=number, column=value_column, value=FIGURES[row[3]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = county.post(
        "/reporting/upload/", {"file": SimpleUploadedFile("q3.xlsx", buffer.getvalue())}
    )
    assert response.status_code == 200
    assert response.context["summary"].imported == 8
    sheet.cell(row=3, column=value_column, value="很多")
    buffer = io.BytesIO()
    workbook.save(buffer)
    refused = county.post(
        "/reporting/upload/", {"file": SimpleUploadedFile("q3.xlsx", buffer.getvalue())}
    )
    assert refused.status_code == 422
    assert [(e.row, e.field, e.code) for e in refused.context["errors"]] == [
        (3, "value", "not_a_number")
    ]


def test_data_value_sets_import_and_export_through_the_api(
    statistics: None, users: dict[str, Any]
) -> None:
    _token, key = token_create(
        actor=users["county_officer"], user=users["county_officer"], name="t"
    )
    headers = {"Authorization": f"Bearer {key}"}
    client = Client()
    document = {
        "period": "2024Q3",
        "orgUnit": "420625",
        "dataValues": [{"dataElement": code, "value": value} for code, value in FIGURES.items()]
        + [{"dataElement": "ONLINE_RETAIL", "orgUnit": "420602", "value": "1"}],
    }
    dry = client.post(
        "/api/v1/dataValueSets?dryRun=true",
        json.dumps(document),
        content_type="application/json",
        headers=headers,
    ).json()
    assert dry["import_count"] == {"imported": 8, "updated": 0, "deleted": 0, "ignored": 0}
    assert DataValue.objects.count() == 0
    atomic = client.post(
        "/api/v1/dataValueSets?atomicMode=ALL",
        json.dumps(document),
        content_type="application/json",
        headers=headers,
    ).json()
    assert atomic["status"] == "ERROR"
    assert atomic["conflicts"] == [
        {
            "code": "outside_scope",
            "field": "orgUnit",
            "message": "“420602”不在您的数据范围内。",
            "row": 9,
        }
    ]
    assert DataValue.objects.count() == 0
    first = client.post(
        "/api/v1/dataValueSets",
        json.dumps(document),
        content_type="application/json",
        headers=headers,
    ).json()
    assert (first["status"], first["import_count"]["imported"]) == ("WARNING", 8)
    again = client.post(
        "/api/v1/dataValueSets",
        json.dumps(document),
        content_type="application/json",
        headers=headers,
    ).json()
    assert again["import_count"] == {"imported": 0, "updated": 0, "deleted": 0, "ignored": 8}
    exported = client.get(
        "/api/v1/dataValueSets",
        {"dataSet": "COUNTY_QUARTERLY", "period": "2024Q3", "format": "csv"},
        headers=headers,
    ).content.decode()
    lines = exported.strip().splitlines()
    assert lines[0].startswith("dataelement,period,orgunit,categoryoptioncombo")
    assert len(lines) == 9
    reimported = client.post(
        "/api/v1/dataValueSets", exported, content_type="text/csv", headers=headers
    ).json()
    assert reimported["import_count"]["ignored"] == 8
    truncated = client.post(
        "/api/v1/dataValueSets",
        json.dumps(document)[:50],
        content_type="application/json",
        headers=headers,
    )
    assert truncated.status_code == 422
    assert truncated.json()["code"] == "malformed_file"


def test_the_same_figures_through_the_page_the_api_and_excel(
    statistics: None, users: dict[str, Any], client_for: Any
) -> None:
    county = client_for(users["county_officer"])
    county.post(ENTRY, _form())
    reviewer = client_for(users["reviewer"])
    page = {
        row.code: row.value
        for row in reviewer.get(
            "/reporting/figures/", {"unit": GUCHENG, "period": "2024Q3"}
        ).context["rows"]
    }
    _token, key = token_create(actor=users["reviewer"], user=users["reviewer"], name="t")
    api = {
        row["code"]: row["value"]
        for row in Client()
        .get(f"/api/v1/figures/{GUCHENG}/2024Q3", headers={"Authorization": f"Bearer {key}"})
        .json()
    }
    sheet = load_workbook(
        io.BytesIO(
            reviewer.get(
                "/reporting/figures/", {"unit": GUCHENG, "period": "2024Q3", "format": "xlsx"}
            ).content
        )
    ).active
    assert sheet is not None
    excel = {row[1]: row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert (
        page["ONLINE_RETAIL_SHARE"]
        == api["ONLINE_RETAIL_SHARE"]
        == excel["ONLINE_RETAIL_SHARE"]
        == 13.0
    )
    assert page["ONLINE_RETAIL"] == api["ONLINE_RETAIL"] == excel["ONLINE_RETAIL"] == 52000.0
    assert page["POPULATION"] is None and api["POPULATION"] is None
    assert excel["POPULATION"] == "缺失"


def test_a_failure_in_the_middle_of_an_import_leaves_everything_as_it_was(
    statistics: None, users: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from hanjiang.reporting import values as engine

    engine.values_import(
        actor=users["county_officer"],
        rows=[engine.ValueRow("ONLINE_RETAIL", "2024Q3", GUCHENG, "100")],
    )

    def broken_insert(cursor: Any, rows: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(engine, "_insert", broken_insert)
    rows = [
        engine.ValueRow("ONLINE_RETAIL", "2024Q3", GUCHENG, "200"),
        engine.ValueRow("TOTAL_RETAIL", "2024Q3", GUCHENG, "900"),
    ]
    with pytest.raises(OSError, match="disk full"):
        engine.values_import(actor=users["county_officer"], rows=rows)
    assert list(DataValue.objects.values_list("element__code", "value")) == [
        ("ONLINE_RETAIL", "100")
    ]
    assert not AuditEntry.objects.filter(model="datavalue").exists()

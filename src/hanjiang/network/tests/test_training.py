from __future__ import annotations

import datetime
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from hanjiang.core.errors import ValidationFailed
from hanjiang.network.models import TrainingSession
from hanjiang.network.training import TrainingInput, training_publish, training_record
from hanjiang.reporting.models import DataValue

pytestmark = pytest.mark.django_db


def _input(**changes: Any) -> TrainingInput:
    values: dict[str, Any] = {
        "held_on": "2023-05-10",
        "county": "420625",
        "organiser": "谷城县商务局（测试数据）",
        "topic": "农村电商直播实务",
        "kind": "livestreaming",
        "persons": "120",
    }
    values.update(changes)
    return TrainingInput(**values)


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"persons": "0"}, "persons", "invalid_persons"),
        ({"persons": "-5"}, "persons", "invalid_persons"),
        ({"county": "420602"}, "county", "outside_scope"),
        ({"county": "420625100"}, "county", "unknown_county"),
        ({"held_on": "2099-01-01"}, "held_on", "future_date"),
        ({"held_on": " "}, "held_on", "required"),
        ({"held_on": "2024-13-01"}, "held_on", "invalid_date"),
        ({"kind": "magic"}, "kind", "invalid_choice"),
    ],
    ids=["zero", "negative", "other-county", "township", "future", "no-date", "bad-date", "kind"],
)
def test_bad_sessions_are_refused(
    statistics: None, users: dict[str, Any], changes: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        training_record(actor=users["county_officer"], data=_input(**changes))
    assert [(error.field, error.code) for error in caught.value.errors] == [(field, code)]
    assert not TrainingSession.objects.exists()


def test_yearly_and_recorded_totals_are_published(statistics: None, users: dict[str, Any]) -> None:
    admin = users["city_admin"]
    training_record(actor=admin, data=_input())
    training_record(actor=admin, data=_input(held_on="2023-09-01", persons="80"))
    training_record(actor=admin, data=_input(held_on="2024-03-01", county="420624", persons="50"))
    training_publish(datetime.date(2024, 12, 31))
    figures = {
        (code, unit, period): number
        for code, unit, period, number in DataValue.objects.filter(
            source__code="network-training"
        ).values_list("element__code", "org_unit", "period", "number")
    }
    assert figures[("TRAINING_PERSONS_YEAR", "420625000000", "2023")] == 200
    assert figures[("TRAINING_SESSIONS_YEAR", "420600000000", "2023")] == 2
    assert figures[("TRAINING_PERSONS_YEAR", "420600000000", "2024")] == 50
    assert figures[("TRAINING_PERSONS_RECORDED", "420600000000", "2024")] == 250
    assert figures[("TRAINING_SESSIONS_RECORDED", "420624000000", "2023")] == 0


def test_an_import_records_every_row_or_none(
    statistics: None, users: dict[str, Any], client_for: Any
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["held_on", "county_code", "organiser", "topic", "kind", "persons"])
    sheet.append(["2023-05-10", "420625", "县商务局", "直播", "livestreaming", "30"])
    sheet.append(["2023-05-11", "420625", "县商务局", "直播", "livestreaming", "0"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = client_for(users["county_officer"]).post(
        "/network/training/import/", {"file": SimpleUploadedFile("t.xlsx", buffer.getvalue())}
    )
    assert response.status_code == 422
    assert [(e.row, e.code) for e in response.context["errors"]] == [(3, "invalid_persons")]
    assert not TrainingSession.objects.exists()


def test_training_through_the_api(statistics: None, users: dict[str, Any]) -> None:
    from django.test import Client

    from hanjiang.accounts.services import token_create

    _token, key = token_create(
        actor=users["county_officer"], user=users["county_officer"], name="t"
    )
    headers = {"Authorization": f"Bearer {key}"}
    payload = {
        "held_on": "2023-05-10",
        "county": "420625",
        "organiser": "县商务局",
        "topic": "直播",
        "kind": "livestreaming",
        "persons": 40,
    }
    created = Client().post(
        "/api/v1/training", payload, content_type="application/json", headers=headers
    )
    assert created.status_code == 201
    assert created.json()["county_code"] == "420625000000"
    refused = Client().post(
        "/api/v1/training",
        {**payload, "persons": 0},
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "invalid_persons"
    assert Client().get("/api/v1/training", headers=headers).json()["count"] == 1


def test_a_session_is_corrected_on_its_page_and_through_the_api(
    statistics: None, users: dict[str, Any], client_for: Any
) -> None:
    officer = users["county_officer"]
    session = training_record(actor=officer, data=_input())
    client = client_for(officer)
    page = client.post(
        f"/network/training/{session.pk}/edit/",
        {
            "held_on": "2023-05-11",
            "county": "420625",
            "organiser": "谷城县商务局（测试数据）",
            "topic": "农村电商直播实务",
            "kind": "livestreaming",
            "persons": "0",
        },
    )
    assert page.status_code == 422
    assert [e.code for e in page.context["errors"]] == ["invalid_persons"]
    answer = client.put(
        f"/api/v1/training/{session.pk}",
        data=json.dumps(
            {
                "held_on": "2023-05-11",
                "county": "420625",
                "organiser": "谷城县商务局（测试数据）",
                "topic": "农村电商直播实务",
                "kind": "livestreaming",
                "persons": 135,
            }
        ),
        content_type="application/json",
    )
    assert answer.status_code == 200
    session.refresh_from_db()
    assert (session.held_on, session.persons) == (datetime.date(2023, 5, 11), 135)
    missing = client.put(
        f"/api/v1/training/{session.pk}", data="{}", content_type="application/json"
    )
    assert missing.status_code == 422
    assert {e["field"] for e in missing.json()["errors"]} == {
        "held_on",
        "county",
        "organiser",
        "topic",
        "kind",
        "persons",
    }

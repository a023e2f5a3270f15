from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from hanjiang.core.errors import PermissionDeniedError, ValidationFailed
from hanjiang.core.models import AuditEntry
from hanjiang.network.coverage import coverage_publish, load_plan_denominators
from hanjiang.network.models import Station
from hanjiang.network.services import StationInput, station_save
from hanjiang.registry.models import Division
from hanjiang.reporting.models import DataValue

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 6, 30)


@pytest.fixture
def xiangyang_plan(statistics: None) -> Any:
    from hanjiang.plans.loader import DATA_DIR, plan_load_file

    plan = plan_load_file(DATA_DIR / "xiangyang-2021-2025.yaml").plan
    load_plan_denominators()
    return plan


def _point(village: str, **changes: Any) -> StationInput:
    values: dict[str, Any] = {
        "name": "测试村级服务点（测试数据）",
        "level": "village_point",
        "division_code": village,
        "opened_on": "2024-03-01",
        "services": ("parcels", "buy-sell"),
    }
    values.update(changes)
    return StationInput(**values)


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"division_code": "420625100"}, "division_code", "wrong_level"),
        ({"division_code": "420602001008"}, "division_code", "outside_scope"),
        ({"division_code": "420625999999"}, "division_code", "unknown_division"),
        ({"closed_on": "2024-01-01"}, "closed_on", "closes_before_opening"),
        ({"services": ("teleport",)}, "services", "invalid_service"),
        ({"latitude": "123"}, "latitude", "invalid_coordinate"),
    ],
    ids=["township-for-point", "other-county", "unknown", "closes-first", "service", "latitude"],
)
def test_bad_stations_are_refused(
    statistics: None, users: dict[str, Any], changes: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        station_save(actor=users["county_officer"], data=_point("420625100201", **changes))
    assert [(error.field, error.code) for error in caught.value.errors] == [(field, code)]
    assert not Station.objects.exists()


def test_a_reviewer_cannot_register(statistics: None, users: dict[str, Any]) -> None:
    with pytest.raises(PermissionDeniedError):
        station_save(actor=users["reviewer"], data=_point("420625100201"))


def test_a_new_point_is_audited_and_changes_the_county_coverage_the_same_day(
    xiangyang_plan: Any, users: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    village = Division.objects.filter(code__startswith="420625", kind="village").first()
    assert village is not None
    with (
        time_machine.travel("2025-06-30 10:00 +0800", tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        station = station_save(actor=users["county_officer"], data=_point(village.code))
    assert AuditEntry.objects.filter(model="station", object_id=str(station.pk)).count() == 1
    coverage = DataValue.objects.get(
        source__code="network-stations",
        element__code="VILLAGE_SERVICE_COVERAGE",
        org_unit="420625000000",
        period="2025",
    )
    assert coverage.number == pytest.approx(round(100 / 240, 2))
    points = DataValue.objects.get(
        source__code="network-stations",
        element__code="VILLAGE_SERVICE_POINTS",
        org_unit="420625000000",
        period="2024",
    )
    assert points.value == "1"
    # Only one county has named stations: no city total poses as complete.
    assert not DataValue.objects.filter(
        source__code="network-stations", org_unit="420600000000"
    ).exists()


def test_the_city_figure_appears_once_every_county_of_the_table_has_stations(
    xiangyang_plan: Any, users: dict[str, Any], client_for: Any
) -> None:
    admin = users["city_admin"]
    for county in ("420683", "420626", "420684", "420625", "420624", "420682", "420607"):
        village = Division.objects.filter(code__startswith=county, kind="village").first()
        assert village is not None
        Station.objects.create(
            name="点", level="village_point", division=village, opened_on=datetime.date(2024, 5, 1)
        )
    coverage_publish(TODAY)
    city = DataValue.objects.get(
        source__code="network-stations",
        element__code="VILLAGE_SERVICE_POINTS",
        org_unit="420600000000",
        period="2025",
    )
    assert city.value == "7"
    with time_machine.travel("2025-06-30 10:00 +0800", tick=False):
        page = client_for(admin).get(f"/plans/{xiangyang_plan.code}/")
    rows = {
        row.indicator.measure_element: row.progress for row in page.context["rows"] if row.progress
    }
    village_coverage = rows["VILLAGE_SERVICE_COVERAGE"]
    assert village_coverage.latest is not None and village_coverage.latest.year == 2025


def test_table_2_2_reproduces_the_plan_and_computes_coverage_both_ways(
    xiangyang_plan: Any, users: dict[str, Any], client_for: Any
) -> None:
    response = client_for(users["reviewer"]).get("/network/table-2-2/")
    rows = {row["county"].name: row for row in response.context["rows"]}
    assert response.context["totals"] == {"centres": 7, "stations": 65, "points": 1189}
    nanzhang = rows["南漳县"]
    assert (nanzhang["stations"], nanzhang["plan_township_rate"]) == (5, 42)
    assert nanzhang["plan_townships"] == pytest.approx(11.9)
    assert (nanzhang["townships"], nanzhang["township_rate"]) == (10, 50.0)
    yicheng = rows["宜城市"]
    assert (yicheng["points"], yicheng["plan_village_rate"], yicheng["villages"]) == (180, 95, 196)
    assert yicheng["plan_villages"] == pytest.approx(189.5)


def test_an_import_registers_every_row_or_none(
    statistics: None, users: dict[str, Any], client_for: Any
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["名称", "层级", "区划代码", "开业日期", "服务项目"])
    sheet.append(
        ["甲村服务点", "村级电商服务点", "420625100201", "2024-01-05", "快递收发、代买代卖"]
    )
    sheet.append(["乙村服务点", "村级电商服务点", "420625100", "2024-01-05", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client = client_for(users["county_officer"])
    refused = client.post(
        "/network/import/", {"file": SimpleUploadedFile("s.xlsx", buffer.getvalue())}
    )
    assert refused.status_code == 422
    assert [(e.row, e.code) for e in refused.context["errors"]] == [(3, "wrong_level")]
    assert not Station.objects.exists()
    sheet.delete_rows(3)
    buffer = io.BytesIO()
    workbook.save(buffer)
    accepted = client.post(
        "/network/import/", {"file": SimpleUploadedFile("s.xlsx", buffer.getvalue())}
    )
    assert accepted.context["created"] == 1
    station = Station.objects.get()
    assert sorted(kind.code for kind in station.services.all()) == ["buy-sell", "parcels"]


def test_stations_through_the_api(statistics: None, users: dict[str, Any]) -> None:
    from django.test import Client

    from hanjiang.accounts.services import token_create

    _token, key = token_create(
        actor=users["county_officer"], user=users["county_officer"], name="t"
    )
    headers = {"Authorization": f"Bearer {key}"}
    client = Client()
    created = client.post(
        "/api/v1/stations",
        {
            "name": "城关镇服务站（测试数据）",
            "level": "township_station",
            "division_code": "420625100",
            "opened_on": "2023-04-01",
            "services": ["parcels"],
        },
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201
    assert created.json()["division_code"] == "420625100000"
    refused = client.post(
        "/api/v1/stations",
        {
            "name": "错",
            "level": "township_station",
            "division_code": "420602001",
            "opened_on": "2023-04-01",
            "closed_on": "2022-01-01",
        },
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 422
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
        ("division_code", "outside_scope"),
        ("closed_on", "closes_before_opening"),
    ]
    listed = client.get("/api/v1/stations", headers=headers).json()
    assert [item["name"] for item in listed["items"]] == ["城关镇服务站（测试数据）"]


def test_a_station_outside_the_county_is_refused_and_a_missing_one_is_not_found(
    statistics: None, users: dict[str, Any], client_for: Any
) -> None:
    from django.urls import reverse

    from hanjiang.accounts.services import token_create

    elsewhere = station_save(actor=users["city_admin"], data=_point("420602001008"))
    own = station_save(actor=users["county_officer"], data=_point("420625100201"))
    missing = elsewhere.pk + own.pk
    page = client_for(users["county_officer"])
    answers = [
        page.get(reverse("network:station-detail", args=[pk])).status_code
        for pk in (own.pk, elsewhere.pk, missing)
    ]
    assert answers == [200, 403, 404]
    _token, key = token_create(
        actor=users["county_officer"], user=users["county_officer"], name="t"
    )
    api = [
        client_for(None).get(f"/api/v1/stations/{pk}", headers={"Authorization": f"Bearer {key}"})
        for pk in (own.pk, elsewhere.pk, missing)
    ]
    assert [response.status_code for response in api] == [200, 403, 404]
    assert api[1].json()["code"] == "outside_scope"

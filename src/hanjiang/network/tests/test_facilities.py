"""The facility registries: parks and residents, express services, cold chain, scenic spots,
platforms and presences — their checks, their pages, Excel and API, and the figures they publish."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from hanjiang.core.errors import ValidationFailed
from hanjiang.core.models import AuditEntry
from hanjiang.network import facilities, figures
from hanjiang.network.models import (
    ExpressService,
    Park,
    ParkTenant,
    Platform,
    PlatformPresence,
)
from hanjiang.network.registries import record_save, records_import
from hanjiang.registry.models import Division, DivisionKind, Organisation
from hanjiang.registry.tests.factories import OrganisationFactory, make_uscc
from hanjiang.reporting.models import DataValue

pytestmark = pytest.mark.django_db
DAY = datetime.date(2024, 12, 31)


def _township(county: Division) -> Division:
    return county.children.filter(kind=DivisionKind.TOWN).order_by("code").first()


def _villages(township: Division, count: int) -> list[Division]:
    return list(
        township.children.filter(kind=DivisionKind.VILLAGE, editions__year=2023).order_by("code")[
            :count
        ]
    )


def _park(actor: Any, division: Division, **changes: Any) -> Park:
    data = {
        "name": "谷城县电商产业园（测试数据）",
        "kind": "ecommerce_park",
        "division_code": division.short_code,
        "capacity": "2",
        "opened_on": "2022-03-01",
    } | changes
    return record_save(facilities.PARKS, actor=actor, data=data).record


def _value(element: str, unit: str, period: str) -> float | None:
    value = DataValue.objects.filter(element__code=element, org_unit=unit, period=period).first()
    return value.number if value else None


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"division_code": "420602"}, "name", "outside_scope"),
        ({"division_code": "420699"}, "division_code", "unknown_division"),
        ({"closed_on": "2022-01-01"}, "closed_on", "ends_before_start"),
        ({"capacity": "0"}, "capacity", "invalid_number"),
        ({"capacity": "两"}, "capacity", "invalid_number"),
        ({"kind": "zoo"}, "kind", "invalid_choice"),
        ({"opened_on": ""}, "opened_on", "required"),
        ({"latitude": "95"}, "latitude", "invalid_coordinate"),
        ({"operator_uscc": "91420625MA00000000"}, "operator_uscc", "unknown_organisation"),
    ],
    ids=[
        "other-county",
        "no-division",
        "closes-first",
        "zero-capacity",
        "text-capacity",
        "kind",
        "no-date",
        "latitude",
        "operator",
    ],
)
def test_bad_parks_are_refused(
    users: dict[str, Any], county: Division, changes: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _park(users["county_officer"], county, **changes)
    assert [(error.field, error.code) for error in caught.value.errors] == [(field, code)]
    assert not Park.objects.exists()


def test_a_park_is_saved_audited_and_unique(users: dict[str, Any], county: Division) -> None:
    park = _park(users["county_officer"], county, floor_area="12000.5")
    assert (park.division, park.capacity, str(park.floor_area)) == (county, 2, "12000.5")
    entry = AuditEntry.objects.get(model="park")
    assert (entry.action, entry.after["capacity"]) == ("create", 2)
    with pytest.raises(ValidationFailed) as caught:
        _park(users["city_admin"], county)
    assert [error.code for error in caught.value.errors] == ["duplicate"]


def test_residents_above_capacity_are_allowed_but_flagged(
    users: dict[str, Any], county: Division, client_for: Any
) -> None:
    admin = users["city_admin"]
    park = _park(admin, county)
    enterprises = [
        OrganisationFactory(division=county, uscc=make_uscc("420625")) for n in range(1, 4)
    ]
    warnings = []
    for enterprise in enterprises:
        saved = record_save(
            facilities.PARK_RESIDENTS,
            actor=admin,
            data={
                "park": park.name,
                "organisation_uscc": enterprise.uscc,
                "moved_in": "2023-01-01",
            },
        )
        warnings.append(saved.warnings)
    assert warnings[:2] == [[], []]
    assert warnings[2] == ["谷城县电商产业园（测试数据） 有 3 家入驻企业，超过容量 2 家。"]
    page = client_for(admin).get(f"/network/parks/{park.pk}/")
    assert [str(flag) for flag in page.context["flags"]] == warnings[2]
    assert page.context["extra"] == {"residents": 3, "occupancy": 150.0}


def test_tenancies_do_not_overlap_or_precede_the_park(
    users: dict[str, Any], county: Division, own_organisation: Organisation
) -> None:
    admin = users["city_admin"]
    park = _park(admin, county)
    data = {"park": park.name, "organisation_uscc": own_organisation.uscc}
    record_save(facilities.PARK_RESIDENTS, actor=admin, data=data | {"moved_in": "2023-01-01"})
    with pytest.raises(ValidationFailed) as caught:
        record_save(facilities.PARK_RESIDENTS, actor=admin, data=data | {"moved_in": "2021-01-01"})
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("moved_in", "outside_park_period"),
        ("organisation_uscc", "duplicate"),
    ]
    # Moving out and in again later is a new tenancy, not an overlap.
    first = ParkTenant.objects.get()
    record_save(
        facilities.PARK_RESIDENTS,
        actor=admin,
        data=data | {"moved_in": "2023-01-01", "moved_out": "2023-06-30"},
        instance=first,
    )
    record_save(facilities.PARK_RESIDENTS, actor=admin, data=data | {"moved_in": "2024-02-01"})
    assert ParkTenant.objects.count() == 2


def test_occupancy_and_park_counts_are_published(users: dict[str, Any], county: Division) -> None:
    admin = users["city_admin"]
    park = _park(admin, county, capacity="4")
    record_save(
        facilities.PARKS,
        actor=admin,
        data={
            "name": "谷城县物流园（测试数据）",
            "kind": "logistics_park",
            "division_code": county.short_code,
            "opened_on": "2023-05-01",
        },
    )
    for moved_in in ("2022-06-01", "2024-01-10"):
        enterprise = OrganisationFactory(division=county, uscc=make_uscc("420625"))
        ParkTenant.objects.create(
            park=park,
            organisation=enterprise,
            moved_in=datetime.date.fromisoformat(moved_in),
        )
    figures.parks_publish(DAY)
    unit = county.code
    assert [_value("PARK_OCCUPANCY_RATE", unit, year) for year in ("2022", "2023", "2024")] == [
        25.0,
        25.0,
        50.0,
    ]
    # Logistics parks are counted from the first one's opening; no cross-border park is
    # registered, so their count is missing, not zero.
    assert [_value("LOGISTICS_PARKS", unit, year) for year in ("2022", "2023", "2024")] == [
        None,
        1.0,
        1.0,
    ]
    assert _value("CROSSBORDER_PARKS", unit, "2024") is None
    assert _value("PARK_RESIDENT_ENTERPRISES", "420600000000", "2024") == 2.0
    assert _value("PARK_OCCUPANCY_RATE", "420600000000", "2024") == 50.0


def test_a_village_is_not_served_twice_by_one_carrier(
    users: dict[str, Any], county: Division
) -> None:
    village = _villages(_township(county), 1)[0]
    row = {"village_code": village.code, "carrier": "顺丰速运", "since": "2023-01-01"}
    officer = users["county_officer"]
    record_save(facilities.EXPRESS, actor=officer, data=row)
    with pytest.raises(ValidationFailed) as caught:
        record_save(facilities.EXPRESS, actor=officer, data=row | {"since": "2024-05-01"})
    assert [(e.field, e.code) for e in caught.value.errors] == [("carrier", "served_twice")]
    # In one batch, the second row of the same village and carrier is refused, and nothing lands.
    other = _villages(_township(county), 2)[1]
    batch = [
        (2, {"village_code": other.code, "carrier": "sf", "since": "2023-01-01"}),
        (3, {"village_code": other.code, "carrier": "SF Express", "since": "2023-03-01"}),
        (4, {"village_code": other.code, "carrier": "中国邮政（含 EMS）", "since": "2023-03-01"}),
    ]
    with pytest.raises(ValidationFailed) as caught:
        records_import(facilities.EXPRESS, actor=officer, rows=batch)
    assert [(e.row, e.code) for e in caught.value.errors] == [(3, "served_twice")]
    assert ExpressService.objects.count() == 1


def test_village_express_coverage_is_published_per_county_only_while_partial(
    users: dict[str, Any], county: Division, django_capture_on_commit_callbacks: Any
) -> None:
    township = _township(county)
    villages = _villages(township, 3)
    listed = Division.objects.filter(
        code__startswith="420625", kind=DivisionKind.VILLAGE, editions__year=2023
    ).count()
    rows = [
        (n + 2, {"village_code": v.code, "carrier": "中国邮政（含 EMS）", "since": "2024-01-01"})
        for n, v in enumerate(villages[:2])
    ] + [(4, {"village_code": villages[2].code, "carrier": "zto", "since": "2024-01-01"})]
    with django_capture_on_commit_callbacks(execute=True):
        records_import(facilities.EXPRESS, actor=users["county_officer"], rows=rows)
    year = str(timezone.localdate().year)
    assert _value("VILLAGE_EXPRESS_COVERAGE", county.code, year) == round(100 * 3 / listed, 2)
    assert _value("VILLAGE_POSTAL_COVERAGE", county.code, year) == round(100 * 2 / listed, 2)
    assert _value("EXPRESS_SERVED_VILLAGES", county.code, year) == 3.0
    # No community is recorded: community coverage is missing, not zero.
    assert _value("COMMUNITY_EXPRESS_COVERAGE", county.code, year) is None
    # Only one county has records: the city's coverage is not published.
    assert _value("VILLAGE_EXPRESS_COVERAGE", "420600000000", year) is None
    table = {row.township.code: row for row in figures.township_table("420625", DAY)}
    assert table[township.code].with_express == 3


def test_cold_chain_figures(users: dict[str, Any], county: Division) -> None:
    township = _township(county)
    village = _villages(township, 1)[0]
    admin = users["city_admin"]
    base = {"kind": "cold_store", "temperature": "both", "opened_on": "2023-04-01"}
    for name, division, capacity in (
        ("县城冷链中心（测试数据）", county, "5000"),
        ("镇冷库（测试数据）", township, "300.5"),
        ("村预冷库（测试数据）", village, ""),
    ):
        record_save(
            facilities.COLD_CHAIN,
            actor=admin,
            data=base | {"name": name, "division_code": division.code, "capacity_tonnes": capacity},
        )
    figures.cold_chain_publish(DAY)
    towns = Division.objects.filter(
        code__startswith="420625", kind__in=["town", "township"], editions__year=2023
    ).count()
    assert _value("COLD_CHAIN_FACILITIES", county.code, "2024") == 3.0
    assert _value("COLD_CHAIN_CAPACITY", county.code, "2024") == 5300.5
    assert _value("COLD_CHAIN_TOWNSHIP_COVERAGE", county.code, "2024") == round(100 / towns, 2)
    assert _value("COLD_CHAIN_FACILITIES", "420600000000", "2024") == 3.0


def test_scenic_coverage_and_platform_counts(
    users: dict[str, Any], county: Division, own_organisation: Organisation
) -> None:
    admin = users["city_admin"]
    for name, grade in (("测试景区甲（测试数据）", "AAAA"), ("测试景区乙（测试数据）", "3")):
        record_save(
            facilities.SCENIC,
            actor=admin,
            data={"name": name, "grade": grade, "division_code": county.short_code},
        )
    for name, kind in (
        ("第三方平台甲（测试数据）", "third_party"),
        ("第三方平台乙（测试数据）", "大型第三方平台"),
        ("本地平台（测试数据）", "local"),
    ):
        record_save(
            facilities.PLATFORMS,
            actor=admin,
            data={"name": name, "kind": kind, "launched_on": "2021-06-01"},
        )
    record_save(
        facilities.PRESENCES,
        actor=admin,
        data={
            "platform": "第三方平台甲（测试数据）",
            "scenic_spot": "测试景区甲（测试数据）",
            "since": "2024-02-01",
        },
    )
    record_save(
        facilities.PRESENCES,
        actor=users["enterprise"],
        data={
            "platform": "第三方平台甲（测试数据）",
            "organisation_uscc": own_organisation.uscc,
            "since": "2023-02-01",
        },
    )
    figures.presences_publish(DAY)
    assert _value("A_LEVEL_SCENIC_ONLINE_COVERAGE", county.code, "2024") == 50.0
    assert _value("A_LEVEL_SCENIC_ONLINE_COVERAGE", "420600000000", "2024") == 50.0
    assert [
        _value(code, "420600000000", "2024")
        for code in ("TRADING_PLATFORMS_ENTERED", "LOCAL_TRADING_PLATFORMS", "PLATFORM_ENTERPRISES")
    ] == [1.0, 1.0, 1.0]
    assert _value("TRADING_PLATFORMS_ENTERED", "420600000000", "2022") == 0.0


def test_presences_have_one_holder_and_enterprises_register_only_their_own(
    users: dict[str, Any], county: Division, other_organisation: Organisation
) -> None:
    admin = users["city_admin"]
    record_save(
        facilities.PLATFORMS, actor=admin, data={"name": "平台（测试数据）", "kind": "local"}
    )
    record_save(
        facilities.SCENIC,
        actor=admin,
        data={"name": "景区（测试数据）", "grade": "A", "division_code": county.short_code},
    )
    base = {"platform": "平台（测试数据）", "since": "2024-01-01"}
    with pytest.raises(ValidationFailed) as caught:
        record_save(
            facilities.PRESENCES,
            actor=admin,
            data=base
            | {"organisation_uscc": other_organisation.uscc, "scenic_spot": "景区（测试数据）"},
        )
    assert [e.code for e in caught.value.errors] == ["one_holder"]
    with pytest.raises(ValidationFailed) as caught:
        record_save(
            facilities.PRESENCES,
            actor=users["enterprise"],
            data=base | {"organisation_uscc": other_organisation.uscc},
        )
    assert [e.code for e in caught.value.errors] == ["outside_scope"]
    with pytest.raises(ValidationFailed) as caught:
        record_save(facilities.PRESENCES, actor=admin, data=base | {"platform": "不存在的平台"})
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("platform", "unknown_record"),
    ]
    assert not PlatformPresence.objects.exists()


def _sheet(rows: list[list[str]]) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("sheet.xlsx", buffer.getvalue())


def test_excel_import_is_all_or_nothing_and_export_reimports(
    users: dict[str, Any], county: Division, client_for: Any
) -> None:
    township = _township(county)
    client = client_for(users["county_officer"])
    header = ["名称", "类型", "温度带", "区划代码", "开业日期", "库容（吨）"]
    refused = client.post(
        "/network/cold-chain/import/",
        {
            "file": _sheet(
                [
                    header,
                    [
                        "冷库一（测试数据）",
                        "冷库",
                        "冷藏",
                        township.short_code,
                        "2024-01-01",
                        "100",
                    ],
                    ["冷库二（测试数据）", "冷库", "冰冻", "420602", "2024/01/01", "-3"],
                ]
            )
        },
    )
    assert refused.status_code == 422
    assert [(e.row, e.field, e.code) for e in refused.context["errors"]] == [
        (3, "temperature", "invalid_choice"),
        (3, "capacity_tonnes", "invalid_number"),
        (3, "opened_on", "invalid_date"),
    ]
    accepted = client.post(
        "/network/cold-chain/import/",
        {
            "file": _sheet(
                [
                    header,
                    [
                        "冷库一（测试数据）",
                        "冷库",
                        "冷藏",
                        township.short_code,
                        "2024-01-01",
                        "100",
                    ],
                    ["冷库二（测试数据）", "cold_store", "frozen", township.code, "2024-02-01", ""],
                ]
            )
        },
    )
    assert accepted.context["created"] == 2
    exported = client.get("/network/cold-chain/?format=xlsx")
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:5] == ["名称", "类型", "温度带", "区划代码", "行政区划"]
    assert rows[1][:5] == ["冷库一（测试数据）", "冷库", "冷藏", township.short_code, township.name]
    again = client.post(
        "/network/cold-chain/import/", {"file": SimpleUploadedFile("e.xlsx", exported.content)}
    )
    assert again.context["created"] == 2


def test_api_creates_updates_and_lists(
    users: dict[str, Any], county: Division, client_for: Any
) -> None:
    client = client_for(users["county_officer"])
    created = client.post(
        "/api/v1/network/scenic-spots",
        data=json.dumps(
            {"name": "API 景区（测试数据）", "grade": 5, "division_code": county.short_code}
        ),
        content_type="application/json",
    )
    assert created.status_code == 201
    body = created.json()
    assert (body["name"], body["grade"], body["division_code"], body["warnings"]) == (
        "API 景区（测试数据）",
        5,
        "420625",
        [],
    )
    updated = client.put(
        f"/api/v1/network/scenic-spots/{body['id']}",
        data=json.dumps(
            {"name": "API 景区（测试数据）", "grade": "AAAA", "division_code": "420625"}
        ),
        content_type="application/json",
    )
    assert updated.json()["grade"] == 4
    refused = client.post(
        "/api/v1/network/scenic-spots",
        data=json.dumps({"name": "", "grade": 9, "division_code": "420602"}),
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert [(e["field"], e["code"]) for e in refused.json()["errors"]] == [
        ("name", "required"),
        ("grade", "invalid_choice"),
    ]
    listing = client.get("/api/v1/network/scenic-spots?county=420625").json()
    assert (listing["count"], [item["grade"] for item in listing["items"]]) == (1, [4])


def test_pages_show_the_registries_and_the_map(
    users: dict[str, Any], county: Division, client_for: Any
) -> None:
    admin = users["city_admin"]
    park = _park(admin, county, latitude="32.26", longitude="111.65")
    client = client_for(users["county_officer"])
    listing = client.get("/network/parks/?choice=ecommerce_park&status=current")
    assert [row["record"] for row in listing.context["rows"]] == [park]
    assert client.get("/network/parks/?choice=logistics_park").context["rows"] == []
    form = client.post(
        "/network/parks/new/",
        {"name": "", "kind": "ecommerce_park", "division_code": "420602", "opened_on": "x"},
    )
    assert form.status_code == 422
    assert [(e.field, e.code) for e in form.context["errors"]] == [
        ("name", "required"),
        ("opened_on", "invalid_date"),
    ]
    page = client.get("/network/map/?metric=express&county=420625")
    assert page.status_code == 200
    assert page.context["points"][1]["points"] == [
        {"name": park.name, "value": ["111.650000", "32.260000"]}
    ]
    assert {row["name"]: row["value"] for row in page.context["map_rows"]} == {"谷城县": None}
    assert (
        len(page.context["townships"])
        == Division.objects.filter(parent=county, level="township", editions__year=2023).count()
    )
    county_page = client.get("/network/counties/420625/")
    assert county_page.context["express_gap_count"] is None
    assert [registry.slug for registry, _records in county_page.context["facilities"]] == [
        "parks",
        "cold-chain",
        "scenic-spots",
    ]


def test_load_network_registers_the_plans_platforms_once(statistics: None) -> None:
    out = io.StringIO()
    call_command("load_network", stdout=out)
    assert "19 platforms named by the plan registered" in out.getvalue()
    local = Platform.objects.filter(kind="local").order_by("name")
    assert [p.name for p in local] == ["12349", "淘大集", "襄飞全球购"]
    assert Platform.objects.get(name="襄飞全球购").note == (
        "规划第二章一（七）提及："
        "“跨境电商经营平台“襄飞全球购”上线，2020 年 12 月完成 1210 首单业务”"
    )
    assert not Platform.objects.filter(launched_on__isnull=False).exists()
    again = io.StringIO()
    call_command("load_network", stdout=again)
    assert "0 platforms named by the plan registered" in again.getvalue()
    assert Platform.objects.count() == 19


def test_scenic_figures_start_at_the_earliest_grading(
    users: dict[str, Any], county: Division
) -> None:
    admin = users["city_admin"]
    for name, graded_on in (
        ("无日期景区（测试数据）", ""),
        ("有日期景区（测试数据）", "2022-05-01"),
    ):
        record_save(
            facilities.SCENIC,
            actor=admin,
            data={
                "name": name,
                "grade": "AAA",
                "division_code": county.short_code,
                "graded_on": graded_on,
            },
        )
    figures.scenic_publish(DAY)
    assert [_value("A_LEVEL_SCENIC_SPOTS", county.code, year) for year in ("2021", "2022")] == [
        None,
        2.0,
    ]
    assert _value("A_LEVEL_SCENIC_ONLINE_COVERAGE", county.code, "2022") == 0.0


def test_denominators_are_recorded_per_county_year_and_level(
    users: dict[str, Any], county: Division, client_for: Any
) -> None:
    officer = users["county_officer"]
    data = {
        "county_code": "420625",
        "year": "2024",
        "level": "村级电商服务点",
        "value": "238",
        "source": "谷城县统计年鉴 2024（测试数据）",
    }
    saved = record_save(facilities.DENOMINATORS, actor=officer, data=data).record
    assert (saved.county, saved.year, saved.level, saved.value) == (
        county,
        2024,
        "village_point",
        238.0,
    )
    with pytest.raises(ValidationFailed) as caught:
        record_save(
            facilities.DENOMINATORS,
            actor=officer,
            data=data | {"level": "county_centre", "value": "0"},
        )
    assert [(e.field, e.code) for e in caught.value.errors] == [("value", "invalid_number")]
    with pytest.raises(ValidationFailed) as caught:
        record_save(facilities.DENOMINATORS, actor=officer, data=data | {"level": "county_centre"})
    assert [(e.field, e.code) for e in caught.value.errors] == [("level", "invalid_choice")]
    with pytest.raises(ValidationFailed) as caught:
        record_save(facilities.DENOMINATORS, actor=officer, data=data | {"value": "240"})
    assert [(e.field, e.code) for e in caught.value.errors] == [("year", "duplicate")]
    with pytest.raises(ValidationFailed) as caught:
        record_save(facilities.DENOMINATORS, actor=officer, data=data | {"county_code": "420602"})
    assert [e.code for e in caught.value.errors] == ["outside_scope"]
    from hanjiang.network.coverage import plan_denominators

    assert plan_denominators(county, 2025) == (None, 238.0)
    page = client_for(officer).get("/network/denominators/")
    assert [row["record"] for row in page.context["rows"]] == [saved]

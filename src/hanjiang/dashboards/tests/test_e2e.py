"""End to end in real headless Chromium (Debian's package), driven by Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hanjiang.accounts.models import Role
from hanjiang.registry.models import Division
from hanjiang.registry.tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def browser_page() -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself happen before and after, never concurrently.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        try:
            yield page
        finally:
            browser.close()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def test_a_county_officer_sees_its_county_and_no_other(
    live_server: Any, reference: None, browser_page: Any
) -> None:
    county = Division.objects.get(code="420625000000")
    UserFactory(username="gucheng", role=Role.COUNTY_OFFICER, county=county)
    page = browser_page

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "gucheng")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "gucheng" in page.inner_text("[data-testid=who]")

    page.wait_for_selector("#county-map[data-ready=true]", timeout=15000)
    assert page.get_attribute("#county-map", "data-highlighted") == "谷城县"
    highlighted = page.evaluate(
        """() => echarts.getInstanceByDom(document.getElementById('county-map'))
              .getOption().series[0].data.filter(d => d.value === 1).map(d => d.name)"""
    )
    assert highlighted == ["谷城县"]
    assert page.inner_text("[data-testid=own-county]").startswith("谷城县")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home-county-officer.png"), full_page=True)

    own = page.goto(f"{live_server.url}/registry/divisions/420625/")
    assert own is not None and own.status == 200
    assert page.inner_text("[data-testid=division-name]").startswith("谷城县")

    other = page.goto(f"{live_server.url}/registry/divisions/420602/")
    assert other is not None and other.status == 403
    assert page.inner_text("[data-testid=forbidden] h1") == "无权访问"
    page.screenshot(path=str(ARTIFACTS / "forbidden-other-county.png"))


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_quarterly_report_goes_from_county_entry_to_city_figures(
    live_server: Any, statistics: None, browser_page: Any
) -> None:
    import time_machine

    county = Division.objects.get(code="420625000000")
    UserFactory(username="gucheng", role=Role.COUNTY_OFFICER, county=county)
    UserFactory(username="city", role=Role.CITY_ADMIN)
    page = browser_page
    entry = f"{live_server.url}/reporting/entry/COUNTY_QUARTERLY/2026Q3/420625000000/"
    figures = {
        "ONLINE_RETAIL": "52000",
        "ONLINE_RETAIL_PHYSICAL": "48000",
        "ONLINE_RETAIL_AGRI": "13000",
        "ECOMMERCE_TRANSACTIONS": "310000",
        "ONLINE_STORES": "2100",
        "ECOMMERCE_EMPLOYEES": "7600",
        "EXPRESS_PARCELS": "950.5",
        "TOTAL_RETAIL": "400000",
    }
    with time_machine.travel("2026-10-09 10:00 +0800", tick=True):
        _sign_in(page, live_server.url, "gucheng")
        page.goto(entry)
        page.fill("input[name='v:ONLINE_STORES:']", "12.5")
        assert page.inner_text("input[name='v:ONLINE_STORES:'] + .field-error") == "须为整数"
        for code, value in figures.items():
            page.fill(f"input[name='v:{code}:']", value)
        page.click("[data-testid=entry-form] button[type=submit]")
        page.wait_for_selector(".messages li.success")
        page.click("[data-testid=submit-report]")
        page.wait_for_selector("[data-testid=report-status]")
        assert page.inner_text("[data-testid=report-status]") == "已上报"
        page.screenshot(path=str(ARTIFACTS / "report-submitted.png"), full_page=True)
        page.click("form[action='/accounts/logout/'] button")

        _sign_in(page, live_server.url, "city")
        assert "份报表逾期未报" in page.inner_text("[data-testid=overdue] h2")
        page.goto(entry)
        page.click("[data-testid=approve]")
        page.wait_for_selector(".messages li.success")
        assert page.inner_text("[data-testid=report-status]") == "已审核"
        page.goto(f"{live_server.url}/reporting/figures/?unit=420625000000&period=2026Q3")
        share = page.inner_text("[data-testid=figures] tr[data-code=ONLINE_RETAIL_SHARE] td.num")
        assert share == "13.00"
        page.goto(f"{live_server.url}/reporting/figures/?unit=420600000000&period=2026")
        city = page.inner_text("[data-testid=figures] tr[data-code=ONLINE_RETAIL] td.num")
        assert city == "52000.00"
        page.screenshot(path=str(ARTIFACTS / "city-figures.png"), full_page=True)


def test_the_plan_dashboard_and_a_figure_recorded_on_an_indicator_page(
    live_server: Any, statistics: None, browser_page: Any
) -> None:
    from hanjiang.plans.loader import DATA_DIR, plan_load_file

    plan = plan_load_file(DATA_DIR / "xiangyang-2021-2025.yaml").plan
    UserFactory(username="city", role=Role.CITY_ADMIN)
    page = browser_page
    _sign_in(page, live_server.url, "city")
    page.goto(f"{live_server.url}/plans/{plan.code}/")
    assert page.inner_text("[data-testid=plan-title]") == plan.title
    leaves = page.locator("[data-testid=plan-tree] tr[data-code]")
    assert leaves.count() == 33
    page.screenshot(path=str(ARTIFACTS / "plan-dashboard.png"))
    page.click("[data-testid=plan-tree] tr[data-code] a >> text=5G 基站")
    page.wait_for_selector("#series-chart[data-ready=true]")
    before = page.inner_text("[data-testid=required-growth]")
    page.select_option("#year", "2023")
    page.fill("#value", "9000")
    page.fill("#citation", "示例：2023 年统计公报（测试数据）")
    page.click("[data-testid=record-form] button[type=submit]")
    page.wait_for_selector(".messages li.success")
    assert page.inner_text("[data-testid=latest]").startswith("9000 (2023)")
    after = page.inner_text("[data-testid=required-growth]")
    assert before != after
    page.screenshot(path=str(ARTIFACTS / "plan-indicator.png"), full_page=True)


def test_the_network_map_colours_counties_and_draws_places(
    live_server: Any, reference: None, browser_page: Any
) -> None:
    import datetime

    from hanjiang.network.models import Carrier, ExpressService, Park

    county = Division.objects.get(code="420625000000")
    UserFactory(username="mapper", role=Role.CITY_ADMIN)
    township = county.children.filter(level="township").order_by("code").first()
    assert township is not None
    Park.objects.create(
        name="谷城测试园（测试数据）",
        kind="ecommerce_park",
        division=township,
        opened_on=datetime.date(2023, 1, 1),
        latitude="32.262",
        longitude="111.653",
    )
    village = township.children.filter(kind="village").order_by("code").first()
    ExpressService.objects.create(
        village=village,
        carrier=Carrier.objects.get_or_create(
            code="china-post", defaults={"name_zh": "中国邮政（含 EMS）", "postal": True}
        )[0],
        since=datetime.date(2023, 1, 1),
    )
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "mapper")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/network/map/?metric=express&county=420625")
    page.wait_for_selector("#network-map[data-ready=true]", timeout=15000)
    option = page.evaluate(
        """() => { const o = echarts.getInstanceByDom(document.getElementById('network-map'))
              .getOption();
              return {coloured: o.series[0].data.filter(d => typeof d.value === 'number')
                        .map(d => [d.name, d.value]),
                      places: o.series.slice(1).map(s => [s.name, s.data.length])}; }"""
    )
    listed = Division.objects.filter(
        code__startswith="420625", kind="village", editions__year=2023
    ).count()
    assert option["coloured"] == [["谷城县", round(100 / listed, 1)]]
    assert option["places"] == [["电商服务站点", 0], ["园区", 1], ["冷链设施", 0]]
    rows = page.locator("[data-testid=township-table] tbody tr").count()
    assert rows == county.children.filter(level="township", editions__year=2023).count()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "network-map.png"), full_page=True)

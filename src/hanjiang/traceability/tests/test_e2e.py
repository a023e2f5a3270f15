"""The traceability flow in real headless Chromium: a producer registers a product and a lot,
records the lot's chain to the shop with a cold-chain reading and a failed inspection; the lot's
code opens its public trace page; the regulator sees the alert and the recall list."""

from __future__ import annotations

from typing import Any

import pytest

from hanjiang.accounts.models import Role
from hanjiang.dashboards.tests.test_e2e import ARTIFACTS, PASSWORD, browser_page  # noqa: F401
from hanjiang.registry.models import Division
from hanjiang.registry.tests.factories import OrganisationFactory, UserFactory, make_uscc

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/**")


def test_a_lot_from_the_farm_to_the_recall_list(
    live_server: Any,
    reference: None,
    browser_page: Any,  # noqa: F811
) -> None:
    county = Division.objects.get(code="420624000000")  # 南漳县
    farm = OrganisationFactory(
        division=county, uscc=make_uscc("420624"), name="测试香菇合作社（测试数据）"
    )
    UserFactory(username="grower", role=Role.ENTERPRISE, organisation=farm)
    UserFactory(username="inspector", role=Role.REVIEWER)
    page, url = browser_page, live_server.url

    _sign_in(page, url, "grower")
    page.goto(f"{url}/catalogue/producer/")
    page.fill("#name", "测试鲜香菇（测试数据）")
    page.select_option("#county", "420624")
    page.fill("#gtin", "9521234543213")
    page.fill("#min_celsius", "0")
    page.fill("#max_celsius", "8")
    page.click("form:has(#name) button[type=submit]")
    page.fill("#lot", "NZ-2026-09")
    page.fill("#harvested_on", "2026-09-20")
    page.fill("#quantity", "300")
    page.click("form:has(#lot) button[type=submit]")
    for step, at, fields in (
        ("shipping", "2026-09-21T07:30", {"#s-place": "9521141123454"}),
        ("storing", "2026-09-21T18:00", {"#s-celsius": "12.5"}),
        ("inspecting", "2026-09-22T09:00", {"#s-report": "JC-2026/118"}),
        ("retail_selling", "2026-09-23T10:00", {"#s-place": "9521111000006"}),
    ):
        page.select_option("#s-step", step)
        page.fill("#s-at", at)
        for selector, value in fields.items():
            page.fill(selector, value)
        if step == "inspecting":
            page.select_option("#s-result", "non_conformant")
        page.click("[data-testid=step-form] button[type=submit]")
        page.wait_for_selector(".messages .success")
    steps = page.locator("[data-testid=recent-events] tbody tr td:nth-child(2)").all_inner_texts()
    assert steps == ["零售", "检验", "储存", "发货", "赋码（批次采收或生产）"]

    # The code on the pack: its URL opens the public trace page, signed in or not.
    page.context.clear_cookies()
    page.goto(f"{url}/01/09521234543213/10/NZ-2026-09")
    assert page.locator("img[src$='/qr']").evaluate("img => img.naturalWidth") > 0
    trace = page.inner_text("main")
    assert "测试鲜香菇（测试数据）" in trace
    assert "12.5 °C · 超出产品温度限值" in trace
    assert "不合格" in trace
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "traceability-lot.png"), full_page=True)

    _sign_in(page, url, "inspector")
    page.goto(f"{url}/catalogue/regulator/")
    assert "12.50" in page.inner_text("[data-testid=alerts]")
    page.click("[data-testid=failed] a")
    reached = page.inner_text("main")
    assert "https://id.gs1.org/01/09521234543213/10/NZ-2026-09" in reached
    assert "https://id.gs1.org/414/9521111000006" in reached

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

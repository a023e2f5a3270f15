"""The cross-border flow in real headless Chromium: an enterprise uploads a day's trade, sees the
three-document check and the tax, sends to the customs simulator and sees the receipts; the city
sees the month's trade."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hanjiang.accounts.models import Role
from hanjiang.crossborder.models import TaxPolicy
from hanjiang.dashboards.tests.test_e2e import ARTIFACTS, PASSWORD, browser_page  # noqa: F401
from hanjiang.registry.tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/**")


def test_a_days_trade_from_upload_to_release(
    live_server: Any,
    trade_parties: dict[str, Any],
    trade_messages: dict[str, bytes],
    browser_page: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    # A transactional test may start after another emptied the tables the migrations fill.
    TaxPolicy.objects.update_or_create(
        valid_from=datetime.date(2019, 1, 1),
        defaults={
            "single_limit": Decimal(5000),
            "annual_limit": Decimal(26000),
            "within_limit_share": Decimal("0.7"),
            "duty_rate_within_limit": Decimal(0),
            "source": "财关税〔2018〕49号",
        },
    )
    page = browser_page
    files = {}
    for code, data in trade_messages.items():
        files[code] = tmp_path / f"CEB{code}.xml"
        files[code].write_bytes(data)
    # Each enterprise uploads its own messages on its workbench.
    for sender, codes in (
        ("cbec3", ["411"]),
        ("cbec4", ["511"]),
        ("cbec2", ["311", "621"]),
    ):
        page.context.clear_cookies()
        _sign_in(page, live_server.url, sender)
        page.goto(f"{live_server.url}/crossborder/workbench/")
        page.set_input_files("input[name=files]", [str(files[code]) for code in codes])
        page.click("form[enctype] button[type=submit] >> nth=0")
        page.wait_for_selector("[data-testid=outcomes]")
        statuses = page.locator("[data-testid=outcomes] tbody tr td:nth-child(3)").all_inner_texts()
        assert statuses == ["已接收"] * len(codes)
    page.click("[data-testid=trades] a")
    rules = page.locator("[data-testid=rules] td[data-rule]").all_inner_texts()
    assert rules == ["✓ 通过"] * 9
    assert page.inner_text("[data-testid=buyer-id]") == "420***********0011"
    assert "42.14" in page.inner_text("[data-testid=tax]")
    page.goto(f"{live_server.url}/crossborder/workbench/")
    page.click("[data-testid=declare]")
    page.wait_for_selector(".messages .success")
    page.click("[data-testid=trades] a")
    chain = page.inner_text("[data-testid=chain]")
    assert "800 放行" in chain and "120 海关入库" in chain
    bill = page.locator("[data-testid=tax-bills] tbody td").all_inner_texts()
    assert bill[1:] == ["已生成", "0.00", "34.52", "7.62", "42.14", "0.00"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "crossborder-trade.png"), full_page=True)
    # The city sees the month's trade by mode.
    UserFactory(username="cityadmin", role=Role.CITY_ADMIN)
    page.context.clear_cookies()
    _sign_in(page, live_server.url, "cityadmin")
    page.goto(f"{live_server.url}/crossborder/")
    month = page.locator("[data-testid=by-month] tbody tr").first.inner_text()
    assert month.split("\t")[:3] == ["2026-11", "—", "1 · 358.50"]
    page.screenshot(path=str(ARTIFACTS / "crossborder-overview.png"), full_page=True)

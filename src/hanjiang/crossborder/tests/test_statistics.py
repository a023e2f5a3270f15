"""汇总统计: concluded trade by dimension, and the plan's cross-border indicators."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from hanjiang.crossborder import statistics as figures
from hanjiang.crossborder.exchange import declare
from hanjiang.crossborder.models import Message
from hanjiang.crossborder.tests.conftest import declare_trade
from hanjiang.reporting.models import DataValue

pytestmark = pytest.mark.django_db


def _value(element: str, unit: str, period: str) -> float | None:
    found = DataValue.objects.filter(element__code=element, org_unit=unit, period=period).first()
    return found.number if found else None


def test_concluded_trade_is_counted_and_reaches_the_plan(
    statistics: None,
    trade_parties: dict[str, Any],
    trade_messages: dict[str, bytes],
    django_capture_on_commit_callbacks: Any,
) -> None:
    from hanjiang.plans.loader import DATA_DIR, plan_load_file
    from hanjiang.plans.progress import plan_progress

    plan = plan_load_file(DATA_DIR / "xiangyang-2021-2025.yaml").plan
    declare_trade(trade_parties, trade_messages)
    assert figures.breakdown() == {
        "mode": {},
        "month": {},
        "enterprise": {},
        "county": {},
        "country": {},
        "chapter": {},
    }
    with django_capture_on_commit_callbacks(execute=True):
        declare(list(Message.objects.order_by("received_at", "id")))
    parts = figures.breakdown(2026)
    assert parts["mode"] == {"9610": Decimal("358.50000")}
    assert parts["county"] == {"420606": Decimal("358.50000")}
    assert parts["chapter"] == {"04": Decimal("298.50000"), "33": Decimal("60.00000")}
    assert parts["country"] == {"116": Decimal("358.50000")}
    assert _value("CROSSBORDER_TRADE", "420600000000", "2026") == pytest.approx(0.03585)
    assert _value("CROSSBORDER_TRADE", "420606000000", "2026") == pytest.approx(0.03585)
    assert _value("CROSSBORDER_ACTIVE_ENTITIES", "420600000000", "2026") == 3
    assert _value("CROSSBORDER_MODES_IN_USE", "420600000000", "2026") == 1
    # No filing was reviewed on the platform (the test filings were created approved).
    assert _value("CROSSBORDER_ENTITIES", "420600000000", "2026") == 0
    # The plan does not define a leading enterprise: no count unless the city sets one.
    assert _value("CROSSBORDER_LEADING_ENTERPRISES", "420600000000", "2026") is None
    leaf = plan.indicators.get(measure_element="CROSSBORDER_TRADE")
    progress = plan_progress(plan, datetime.date(2026, 11, 29))[leaf.pk]
    assert progress.latest is not None
    assert (progress.latest.year, progress.latest.value) == (2026, pytest.approx(0.03585))

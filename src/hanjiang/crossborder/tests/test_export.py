"""The export side: an export inventory declared, concluded by the simulator, summarised into a
CEB701, and counted."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from hanjiang.crossborder import summary
from hanjiang.crossborder.exchange import declare
from hanjiang.crossborder.intake import messages_receive
from hanjiang.crossborder.messages import check
from hanjiang.crossborder.models import ExportInventory, Message
from hanjiang.crossborder.statistics import publish
from hanjiang.reporting.models import DataValue

pytestmark = pytest.mark.django_db
EXPORT = (Path(__file__).resolve().parent / "data" / "CEB603-synthetic.xml").read_bytes()
NOVEMBER = (datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))


def test_export_inventories_are_concluded_summarised_and_counted(
    statistics: None, trade_parties: dict[str, Any], client_for: Any
) -> None:
    agent = trade_parties["4206960002"]
    outcome = messages_receive(actor=agent["user"], files=[("e.xml", EXPORT)])[0]
    assert (outcome.status, [p.code for p in outcome.problems]) == ("accepted", [])
    inventory = ExportInventory.objects.get()
    assert [i.total_price for i in inventory.items.all()] == [320, 180]
    assert summary.groups(agent["filing"], *NOVEMBER) == []  # not concluded yet
    applied = declare(list(Message.objects.all()))
    assert [a.status for a in applied] == ["120", "399", "800"]
    inventory.refresh_from_db()
    assert (inventory.status, len(inventory.invt_no)) == ("800", 18)
    groups = summary.groups(agent["filing"], *NOVEMBER)
    assert [(g.customs_code, g.agent_code, g.ebc_code, len(g.inventories)) for g in groups] == [
        ("4601", "4206960002", "4206960002", 1)
    ]
    data = summary.application(groups[0], agent["filing"])
    assert check(data).valid
    assert f"<ceb:invtNo>{inventory.invt_no}</ceb:invtNo>".encode() in data
    client = client_for(agent["user"])
    page = client.post(
        "/crossborder/workbench/",
        {"action": "summarize", "start": "2026-11-01", "end": "2026-11-30", "summary_flag": "1"},
    )
    assert [(o.checked.message_type, o.status) for o in page.context["outcomes"]] == [
        ("CEB701Message", "accepted")
    ]
    assert summary.groups(agent["filing"], *NOVEMBER) == []  # each inventory once
    publish(datetime.date(2026, 11, 29))
    trade = DataValue.objects.get(element__code="CROSSBORDER_TRADE", org_unit="420600000000")
    assert trade.number == pytest.approx(0.05)  # 500 CNY = 0.05 万元

"""The export side: an export inventory declared, concluded by the simulator, summarised into a
CEB701, and counted."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from hanjiang.crossborder import summary
from hanjiang.crossborder.exchange import Simulator, declare, receipts_ingest, wrap
from hanjiang.crossborder.intake import messages_receive
from hanjiang.crossborder.messages import check
from hanjiang.crossborder.models import ExportInventory, Message
from hanjiang.crossborder.statistics import publish
from hanjiang.crossborder.tests.conftest import EXPORT
from hanjiang.reporting.models import DataValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def declared_export(statistics: None, trade_parties: dict[str, Any]) -> ExportInventory:
    """The synthetic export inventory, received from its declaring agent and declared to the
    customs simulator (released)."""
    messages_receive(actor=trade_parties["4206960002"]["user"], files=[("e.xml", EXPORT)])
    declare(list(Message.objects.all()))
    return ExportInventory.objects.get()


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


def test_export_values_in_other_currencies_count_by_the_rate_recorded(
    statistics: None,
    trade_parties: dict[str, Any],
    client_for: Any,
    users: dict[str, Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    agent = trade_parties["4206960002"]
    in_dollars = EXPORT.replace(b"<ceb:currency>142<", b"<ceb:currency>502<")
    messages_receive(actor=agent["user"], files=[("e.xml", in_dollars)])
    declare(list(Message.objects.all()))
    publish(datetime.date(2026, 11, 29))

    def trade() -> float | None:
        found = DataValue.objects.filter(
            element__code="CROSSBORDER_TRADE", org_unit="420600000000", period="2026"
        ).first()
        return found.number if found else None

    assert trade() == 0  # the inventory is concluded; its dollars are not counted as yuan
    admin = client_for(users["city_admin"])
    page = admin.get("/crossborder/")
    assert page.context["without_rate"] == [("502", Decimal("500.00000"))]
    refused = admin.post(
        "/crossborder/rates/",
        {"currency": "142", "valid_from": "2026-11-01", "cny_per_unit": "7.1234567", "source": ""},
    )
    assert [(e.field, e.code) for e in refused.context["errors"]] == [
        ("currency", "invalid_currency"),
        ("cny_per_unit", "invalid_number"),
        ("source", "required"),
    ]
    later = {"currency": "502", "valid_from": "2026-11-11", "cny_per_unit": "7.2", "source": "测试"}
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post("/crossborder/rates/", later).status_code == 302
    assert trade() == 0  # a rate from after the declaration date does not apply
    earlier = later | {"valid_from": "2026-11-02", "cny_per_unit": "7.1"}
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post("/crossborder/rates/", earlier).status_code == 302
    assert trade() == pytest.approx(0.355)  # 500 USD × 7.1 = 3,550 yuan
    assert admin.get("/crossborder/").context["without_rate"] == []
    reviewer = client_for(users["reviewer"])
    assert (
        reviewer.post("/crossborder/rates/", later | {"valid_from": "2026-12-01"}).status_code
        == 403
    )


# The sender's BaseTransfer (测试电商企业, the export inventory's agent and enterprise).
TRANSFER = """	<ceb:BaseTransfer>
		<ceb:copCode>4206960002</ceb:copCode>
		<ceb:copName>测试电商企业（测试数据）</ceb:copName>
		<ceb:dxpMode>DXP</ceb:dxpMode>
		<ceb:dxpId>DXPENT0000000002</ceb:dxpId>
	</ceb:BaseTransfer>
"""

CANCELLATION = """<?xml version="1.0" encoding="UTF-8"?>
<ceb:CEB605Message guid="{guid}" version="1.0" xmlns:ceb="http://www.chinaport.gov.cn/ceb">
	<ceb:InvtCancel>
		<ceb:guid>{guid}</ceb:guid>
		<ceb:appType>1</ceb:appType>
		<ceb:appTime>20261120100000</ceb:appTime>
		<ceb:appStatus>2</ceb:appStatus>
		<ceb:customsCode>4601</ceb:customsCode>
		<ceb:copNo>EXCOP0001</ceb:copNo>
		<ceb:invtNo>{number}</ceb:invtNo>
		<ceb:reason>测试撤单（测试数据）</ceb:reason>
		<ceb:agentCode>4206960002</ceb:agentCode>
		<ceb:agentName>测试电商企业（测试数据）</ceb:agentName>
		<ceb:ebcCode>4206960002</ceb:ebcCode>
		<ceb:ebcName>测试电商企业（测试数据）</ceb:ebcName>
	</ceb:InvtCancel>
{transfer}</ceb:CEB605Message>
"""


def test_an_export_cancellation_is_answered_and_takes_the_inventory_out_of_the_figures(
    trade_parties: dict[str, Any], declared_export: ExportInventory
) -> None:
    agent, inventory = trade_parties["4206960002"], declared_export
    publish(datetime.date(2026, 11, 29))
    city = {"element__code": "CROSSBORDER_TRADE", "org_unit": "420600000000", "period": "2026"}
    assert DataValue.objects.get(**city).number == pytest.approx(0.05)

    def cancellation(guid: str, number: str) -> bytes:
        return CANCELLATION.format(guid=guid, number=number, transfer=TRANSFER).encode("utf-8")

    unknown = cancellation("A1B2C3D4-0000-4000-8000-000000000001", "4601" + "2026E000000000")
    refused = messages_receive(actor=agent["user"], files=[("u.xml", unknown)])[0]
    assert [(p.code, p.path) for p in refused.checked.errors] == [
        ("unknown_inventory", "/ceb:CEB605Message/ceb:InvtCancel/ceb:invtNo")
    ]
    logistics = trade_parties["4206960004"]["user"]  # not a party of the inventory
    known = cancellation("A1B2C3D4-0000-4000-8000-000000000002", inventory.invt_no)
    outsider = messages_receive(actor=logistics, files=[("o.xml", known)])[0]
    assert [p.code for p in outsider.checked.errors] == [
        "wrong_role",
        "wrong_sender",
        "not_a_party",
    ]
    accepted = messages_receive(actor=agent["user"], files=[("c.xml", known)])[0]
    assert accepted.status == "accepted"
    applied = declare([accepted.message])
    assert [(a.status, a.applied) for a in applied] == [("120", True), ("399", True)]
    inventory.refresh_from_db()
    assert inventory.cancelled
    assert Message.objects.get(pk=accepted.message.pk).customs_status == "399"
    receipts = Message.objects.filter(channel="exchange", message_type="CEB606Message")
    assert receipts.count() == 2 and all(check(m.content.encode()).valid for m in receipts)
    publish(datetime.date(2026, 11, 29))
    assert not DataValue.objects.filter(**city).exists()  # nothing left to count, not zero
    entities = city | {"element__code": "CROSSBORDER_ENTITIES"}
    assert (
        DataValue.objects.get(**entities).number == 0
    )  # kept; the test filings have no review date


RETURN = """<?xml version="1.0" encoding="UTF-8"?>
<ceb:CEB213Message guid="{guid}" version="1.0" xmlns:ceb="http://www.chinaport.gov.cn/ceb">
	<ceb:InvtRefund>
		<ceb:InvtRefundHead>
			<ceb:guid>{guid}</ceb:guid>
			<ceb:appType>1</ceb:appType>
			<ceb:appTime>20261125100000</ceb:appTime>
			<ceb:appStatus>2</ceb:appStatus>
			<ceb:customsCode>4601</ceb:customsCode>
			<ceb:ebpCode>4206960001</ceb:ebpCode>
			<ceb:ebpName>测试电商平台（测试数据）</ceb:ebpName>
			<ceb:ebcCode>4206960002</ceb:ebcCode>
			<ceb:ebcName>测试电商企业（测试数据）</ceb:ebcName>
			<ceb:logisticsNo>EXYD000000001</ceb:logisticsNo>
			<ceb:logisticsCode>4206960004</ceb:logisticsCode>
			<ceb:logisticsName>测试物流企业（测试数据）</ceb:logisticsName>
			<ceb:coElNo>BACK0001</ceb:coElNo>
			<ceb:invtNo>{number}</ceb:invtNo>
			<ceb:agentCode>4206960002</ceb:agentCode>
			<ceb:agentName>测试电商企业（测试数据）</ceb:agentName>
			<ceb:billNo>EXBILL0001</ceb:billNo>
			<ceb:ieFlag>I</ceb:ieFlag>
			<ceb:trafMode>5</ceb:trafMode>
			<ceb:trafName>飞机</ceb:trafName>
			<ceb:portCode>4601</ceb:portCode>
			<ceb:reason>测试退货（测试数据）</ceb:reason>
			<ceb:country>303</ceb:country>
			<ceb:voyageNo>TEST20261125</ceb:voyageNo>
		</ceb:InvtRefundHead>
		<ceb:InvtRefundList>
			<ceb:gnum>1</ceb:gnum>
			<ceb:gcode>0902301000</ceb:gcode>
			<ceb:gname>测试襄茶</ceb:gname>
			<ceb:gmodel>250克/盒</ceb:gmodel>
			<ceb:qty>{qty}</ceb:qty>
			<ceb:qty1>0.25</ceb:qty1>
			<ceb:unit>140</ceb:unit>
			<ceb:unit1>035</ceb:unit1>
		</ceb:InvtRefundList>
	</ceb:InvtRefund>
{transfer}</ceb:CEB213Message>
"""


def test_an_export_return_is_checked_answered_and_deducted(
    statistics: None, trade_parties: dict[str, Any]
) -> None:
    agent = trade_parties["4206960002"]["user"]
    messages_receive(actor=agent, files=[("e.xml", EXPORT)])

    def refund(guid: str, number: str, qty: str) -> bytes:
        return RETURN.format(guid=guid, number=number, qty=qty, transfer=TRANSFER).encode("utf-8")

    number = ExportInventory.objects.get().invt_no  # not numbered by customs yet
    early = messages_receive(
        actor=agent,
        files=[
            (
                "r0.xml",
                refund("B0000000-0000-4000-8000-000000000001", "4601" + "2026E000000000", "1"),
            )
        ],
    )[0]
    assert [p.code for p in early.checked.errors] == ["unknown_inventory"]
    declare(list(Message.objects.all()))
    inventory = ExportInventory.objects.get()
    assert number == "" and inventory.status == "800"
    # Four tins were sold: five cannot come back, neither in one return nor in two.
    too_many = refund("B0000000-0000-4000-8000-000000000002", inventory.invt_no, "5")
    refused = messages_receive(actor=agent, files=[("r1.xml", too_many)])[0]
    assert [(p.code, p.path) for p in refused.checked.errors] == [
        ("return_exceeds", "/ceb:CEB213Message/ceb:InvtRefund/ceb:InvtRefundList/ceb:qty")
    ]
    first = refund("B0000000-0000-4000-8000-000000000003", inventory.invt_no, "3")
    (accepted,) = messages_receive(actor=agent, files=[("r2.xml", first)])
    assert accepted.status == "accepted"
    second = refund("B0000000-0000-4000-8000-000000000004", inventory.invt_no, "2")
    (pending,) = messages_receive(actor=agent, files=[("r3.xml", second)])
    assert [p.code for p in pending.checked.errors] == ["return_exceeds"]  # 3 still pending
    applied = declare([accepted.message])
    assert [(a.status, a.applied) for a in applied] == [("120", True), ("399", True)]
    receipts = Message.objects.filter(channel="exchange", message_type="CEB214Message")
    assert receipts.count() == 2 and all(check(m.content.encode()).valid for m in receipts)
    assert [i.returned_qty for i in inventory.items.order_by("gnum")] == [3, 0]
    publish(datetime.date(2026, 11, 29))
    trade = DataValue.objects.get(
        element__code="CROSSBORDER_TRADE", org_unit="420600000000", period="2026"
    )
    assert trade.number == pytest.approx(0.026)  # 500 − 3 × 80 = 260 CNY = 0.026 万元


def _two_returns(number: str, first: str, second: str) -> bytes:
    """A 213 of two returns (two InvtRefund blocks, each its own guid) of item 1."""
    one = RETURN.format(
        guid="C0000000-0000-4000-8000-000000000001", number=number, qty=first, transfer=TRANSFER
    )
    block_start, block_end = one.index("\t<ceb:InvtRefund>"), one.index(TRANSFER)
    block = one[block_start:block_end].replace(
        "C0000000-0000-4000-8000-000000000001", "C0000000-0000-4000-8000-000000000002"
    )
    block = block.replace(f"<ceb:qty>{first}<", f"<ceb:qty>{second}<")
    return (one[:block_end] + block + one[block_end:]).encode("utf-8")


def test_each_return_of_a_message_is_counted_and_approved(
    trade_parties: dict[str, Any], declared_export: ExportInventory
) -> None:
    agent, inventory = trade_parties["4206960002"]["user"], declared_export
    # Four tins: 3 + 3 in one message is too many, the second return is the one refused.
    (refused,) = messages_receive(
        actor=agent, files=[("r.xml", _two_returns(inventory.invt_no, "3", "3"))]
    )
    assert [(p.code, p.path) for p in refused.checked.errors] == [
        ("return_exceeds", "/ceb:CEB213Message/ceb:InvtRefund[2]/ceb:InvtRefundList/ceb:qty")
    ]
    (accepted,) = messages_receive(
        actor=agent, files=[("s.xml", _two_returns(inventory.invt_no, "1", "2"))]
    )
    assert accepted.status == "accepted"
    applied = declare([accepted.message])
    assert [(a.status, a.applied) for a in applied] == [("120", True), ("399", True)] * 2
    assert [i.returned_qty for i in inventory.items.order_by("gnum")] == [3, 0]
    message = Message.objects.get(pk=accepted.message.pk)
    assert message.customs_status == "399"
    assert sorted(message.declared_guids.values_list("customs_status", flat=True)) == ["399"] * 2


def test_a_return_approved_and_one_pending_in_the_same_message(
    trade_parties: dict[str, Any], declared_export: ExportInventory
) -> None:
    agent, inventory = trade_parties["4206960002"]["user"], declared_export
    (sent,) = messages_receive(
        actor=agent, files=[("s.xml", _two_returns(inventory.invt_no, "1", "2"))]
    )
    envelope = wrap(
        sent.message.content.encode(), sender_id="x", message_type="CEB213Message", cop_msg_id="s"
    )
    first_stored, first_approved, second_stored, _second_approved = Simulator().send(envelope)
    applied = receipts_ingest([first_stored, first_approved, second_stored])
    assert [(a.status, a.applied) for a in applied] == [("120", True), ("399", True), ("120", True)]
    assert [i.returned_qty for i in inventory.items.order_by("gnum")] == [1, 0]
    message = Message.objects.get(pk=sent.message.pk)
    assert message.customs_status == "120"  # its least advanced document
    # Four tins: 1 returned, 2 awaiting customs; 2 more are too many, 1 is not.
    more = RETURN.format(
        guid="D0000000-0000-4000-8000-000000000001",
        number=inventory.invt_no,
        qty="2",
        transfer=TRANSFER,
    ).encode()
    (refused,) = messages_receive(actor=agent, files=[("m.xml", more)])
    assert [p.code for p in refused.checked.errors] == ["return_exceeds"]
    (accepted,) = messages_receive(
        actor=agent, files=[("n.xml", more.replace(b"<ceb:qty>2<", b"<ceb:qty>1<"))]
    )
    assert accepted.status == "accepted"

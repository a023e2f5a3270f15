"""Declaring to the customs simulator: the envelope, the receipts, the status machine, the
exchange folder."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from lxml import etree

from hanjiang.crossborder.exchange import (
    DXP,
    Simulator,
    _terminal_schema,
    declare,
    receipts_ingest,
    unwrap,
    wrap,
)
from hanjiang.crossborder.messages import NS, check
from hanjiang.crossborder.models import Inventory, Message, Order, Payment, TaxBill
from hanjiang.crossborder.signing import sign
from hanjiang.crossborder.tests.conftest import DATA, declare_trade

pytestmark = pytest.mark.django_db


def test_the_envelope_is_valid_and_carries_the_message(trade_messages: dict[str, bytes]) -> None:
    envelope = wrap(
        trade_messages["311"],
        sender_id="DXPENT0000000002",
        message_type="CEB311Message",
        cop_msg_id="6D3A1C52-0B9E-4F4B-8E3A-2C1F5A7B9D10",
    )
    root = etree.fromstring(envelope)
    assert _terminal_schema().validate(root)
    info = root.find(f"{{{DXP}}}TransInfo")
    assert [child.text for child in info][1:2] == ["DXPENT0000000002"]
    assert unwrap(envelope) == trade_messages["311"]


def test_a_trade_goes_through_the_simulator(
    trade_parties: dict[str, Any],
    trade_messages: dict[str, bytes],
    client_for: Any,
    users: dict[str, Any],
) -> None:
    declare_trade(trade_parties, trade_messages)
    applied = declare(list(Message.objects.order_by("received_at", "id")))
    assert [(type(a.document).__name__, a.status, a.applied) for a in applied] == [
        ("Order", "120", True),
        ("Payment", "120", True),
        ("Waybill", "120", True),
        ("Inventory", "120", True),
        ("Inventory", "399", True),
        ("Inventory", "800", True),
        ("Inventory", "1", True),  # the electronic tax bill (816)
    ]
    assert (Order.objects.get().status, Inventory.objects.get().status) == ("120", "800")
    receipts = Message.objects.filter(channel="exchange")
    assert sorted(receipts.values_list("message_type", flat=True)) == [
        "CEB312Message",
        "CEB412Message",
        "CEB512Message",
        "CEB622Message",
        "CEB622Message",
        "CEB622Message",
        "CEB816Message",
    ]
    # Every receipt the simulator wrote is valid against the official schema.
    assert all(check(m.content.encode()).valid for m in receipts)
    # The tax bill: within the limits, no duty; 70 % of VAT (13 %) and of the consumption tax
    # (15 % on SKU-002, in VAT's base), freight shared by value: 27.92 + 6.60 VAT, 7.62 CT.
    inventory = Inventory.objects.get()
    bill = TaxBill.objects.get()
    assert (bill.inventory, bill.tax_no, bill.status) == (inventory, f"T{inventory.invt_no}", "1")
    assert (bill.customs_tax, bill.value_added_tax, bill.consumption_tax, bill.total) == (
        Decimal("0"),
        Decimal("34.52"),
        Decimal("7.62"),
        Decimal("42.14"),
    )
    page = client_for(trade_parties["4206960002"]["user"]).get(
        f"/crossborder/trades/{Order.objects.get().pk}/"
    )
    assert page.context["bills"] == [(bill, Decimal("0.00"))]
    assert page.context["tax"].tax == Decimal("42.14")
    overview = client_for(users["city_admin"]).get("/crossborder/").context["taxes"]
    assert overview == {
        "count": 1,
        "duty": Decimal("0"),
        "vat": Decimal("34.52"),
        "consumption": Decimal("7.62"),
    }
    # A later receipt of the same bill (summarised) replaces it; one naming no inventory is
    # recorded unmatched.
    later = receipts.get(message_type="CEB816Message").content.encode()
    later = later.replace(b"<ceb:status>1<", b"<ceb:status>2<")
    unknown = later.replace(inventory.invt_no.encode(), b"4604" + b"2026I999999999")
    applied = receipts_ingest([later, unknown])
    assert [(a.status, a.applied) for a in applied] == [("2", True), ("2", False)]
    assert list(TaxBill.objects.values_list("status", flat=True)) == ["2"]
    # An older state arriving late does not replace the bill; a bill the schema refuses (six
    # decimals) is not recorded.
    stamp = etree.fromstring(later).findtext(".//{http://www.chinaport.gov.cn/ceb}returnTime")
    older = later.replace(b"<ceb:status>2<", b"<ceb:status>3<").replace(
        stamp.encode(), b"20200101000000000"
    )
    broken = later.replace(b"<ceb:status>2<", b"<ceb:status>3<").replace(
        b"<ceb:valueAddedTax>34.52<", b"<ceb:valueAddedTax>34.520001<"
    )
    assert [a.applied for a in receipts_ingest([older, broken])] == [False, False]
    assert list(TaxBill.objects.values_list("status", "value_added_tax")) == [
        ("2", Decimal("34.52"))
    ]
    bills = Message.objects.filter(message_type="CEB816Message").order_by("id")
    assert [[p["code"] for p in m.problems] for m in bills] == [
        [],  # the simulator's bill
        [],  # summarised
        ["unmatched"],
        ["stale_status"],
        ["invalid"],
    ]
    # Sent messages are not sent twice.
    assert declare(list(Message.objects.all())) == []


def test_a_failed_check_is_rejected_and_late_statuses_do_not_go_back(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes]
) -> None:
    messages = dict(trade_messages)
    messages["411"] = messages["411"].replace(b"<ceb:amountPaid>381.12<", b"<ceb:amountPaid>1<")
    declare_trade(trade_parties, messages)
    declare(list(Message.objects.order_by("received_at", "id")))
    inventory = Inventory.objects.get()
    assert inventory.status == "100"
    assert "支付" in inventory.status_info or "amountPaid" in inventory.status_info
    late = Simulator().send(
        wrap(messages["411"], sender_id="x", message_type="CEB411Message", cop_msg_id="late")
    )
    stale = [r.replace(b">120<", b">2<") for r in late]
    applied = receipts_ingest(stale)
    assert [(a.status, a.applied) for a in applied] == [("2", False)]
    assert Payment.objects.get().status == "120"


def test_the_exchange_folder(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes], tmp_path: Path
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "order.xml").write_bytes(trade_messages["311"])
    out = io.StringIO()
    user = trade_parties["4206960002"]["user"]
    call_command(
        "crossborder", "watch", str(tmp_path), "--user", user.username, "--once", stdout=out
    )
    assert out.getvalue().splitlines() == ["order.xml: accepted"]
    assert (tmp_path / "done" / "order.xml").exists()
    assert Message.objects.get().channel == "folder"
    (tmp_path / "in" / "again.xml").write_bytes(trade_messages["311"])
    call_command(
        "crossborder", "watch", str(tmp_path), "--user", user.username, "--once", stdout=out
    )
    assert (tmp_path / "refused" / "again.xml").exists()
    assert (tmp_path / "receipts" / "again.CEB900.xml").exists()


def _request(code: str, signer: Any, invt_no: str, **replace: bytes) -> bytes:
    data = (DATA / f"CEB{code}-synthetic.xml").read_bytes().replace(b"INVTNO", invt_no.encode())
    for old, new in replace.items():
        data = data.replace(old.encode(), new)
    return sign(data, signer)


def _two_back(signer: Any, invt_no: str, guid_end: str) -> bytes:
    """A second return (its guid ending `guid_end`) of both tins of the inventory's first item."""
    return _request(
        "625", signer, invt_no, **{"<ceb:qty>1<": b"<ceb:qty>2<", "1F02": guid_end.encode()}
    )


def test_a_return_and_a_cancellation_change_the_inventory_and_the_statistics(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes], signer: Any
) -> None:
    from hanjiang.crossborder.intake import messages_receive
    from hanjiang.crossborder.statistics import breakdown

    agent = trade_parties["4206960002"]["user"]
    declare_trade(trade_parties, trade_messages)
    declare(list(Message.objects.order_by("received_at", "id")))
    inventory = Inventory.objects.get()
    assert (inventory.status, len(inventory.invt_no)) == ("800", 18)
    assert breakdown(2026)["mode"] == {"9610": Decimal("358.50000")}
    unknown = messages_receive(
        actor=agent,
        files=[
            ("x.xml", _request("623", signer, inventory.invt_no, XYTEST2026110500001=b"NOSUCH1"))
        ],
    )[0]
    assert [p.code for p in unknown.checked.errors] == ["unknown_inventory"]

    (refund,) = messages_receive(
        actor=agent, files=[("r.xml", _request("625", signer, inventory.invt_no))]
    )
    assert (refund.status, refund.checked.errors) == ("accepted", [])
    applied = declare([refund.message])
    assert [(a.status, a.applied) for a in applied] == [("120", True), ("399", True)]
    refund.message.refresh_from_db()
    assert (refund.message.customs_status, refund.message.customs_info) == (
        "399",
        "[模拟海关] 退货审核通过",
    )
    assert [item.returned_qty for item in inventory.items.order_by("gnum")] == [
        Decimal(1),
        Decimal(0),
    ]
    # 2 × 149.25 + 60, less one returned tin at 149.25
    assert breakdown(2026)["mode"] == {"9610": Decimal("209.25000")}
    again = messages_receive(
        actor=agent, files=[("r2.xml", _two_back(signer, inventory.invt_no, "1F03"))]
    )[0]
    assert [(p.code, p.path) for p in again.checked.errors] == [
        ("return_exceeds", "/ceb:CEB625Message/ceb:InvtRefund/ceb:InvtRefundList/ceb:qty")
    ]

    (cancel,) = messages_receive(
        actor=agent, files=[("c.xml", _request("623", signer, inventory.invt_no))]
    )
    assert [(a.status, a.applied) for a in declare([cancel.message])] == [
        ("120", True),
        ("399", True),
    ]
    inventory.refresh_from_db()
    assert inventory.cancelled is True
    assert breakdown(2026)["mode"] == {}


def test_official_receipts_without_their_request_are_recorded_unmatched() -> None:
    official = DATA / "official"
    codes = ("304", "404", "506", "514", "604", "624", "626", "702", "712")
    applied = receipts_ingest([(official / f"CEB{code}Message.xml").read_bytes() for code in codes])
    assert applied and all(a.document is None and not a.applied for a in applied)
    recorded = Message.objects.filter(channel="exchange").order_by("id")
    assert [m.message_type for m in recorded] == [f"CEB{code}Message" for code in codes]
    assert {p["code"] for m in recorded for p in m.problems} == {"unmatched"}
    assert {m.status for m in recorded} == {"refused"}


def test_only_the_parties_return_once_and_a_rejection_stays(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes], signer: Any
) -> None:
    from hanjiang.accounts.models import Role
    from hanjiang.crossborder.intake import messages_receive
    from hanjiang.crossborder.models import Filing, FilingStatus
    from hanjiang.registry.tests.factories import OrganisationFactory, UserFactory

    declare_trade(trade_parties, trade_messages)
    declare(list(Message.objects.order_by("received_at", "id")))
    inventory = Inventory.objects.get()
    stranger = OrganisationFactory(name="无关代理（测试数据）")
    Filing.objects.create(
        organisation=stranger,
        customs_code="4206960009",
        dxp_id="DXPENT0000000009",
        roles=["agent"],
        modes=["9610"],
        status=FilingStatus.APPROVED,
    )
    outsider = UserFactory(username="outsider", role=Role.ENTERPRISE, organisation=stranger)
    foreign = _request("623", signer, inventory.invt_no).replace(
        b"<ceb:copCode>4206960002<", b"<ceb:copCode>4206960009<"
    )
    (refused,) = messages_receive(actor=outsider, files=[("c.xml", sign(foreign, signer))])
    assert [p.code for p in refused.checked.errors] == ["not_a_party"]

    agent = trade_parties["4206960002"]["user"]
    second_line = (
        "<ceb:InvtRefundList><ceb:gnum>1</ceb:gnum><ceb:gcode>0402100000</ceb:gcode>"
        "<ceb:gname>测试奶粉</ceb:gname><ceb:qty>2</ceb:qty><ceb:unit>122</ceb:unit>"
        "</ceb:InvtRefundList>"
    ).encode()
    closing = "\t\t</ceb:InvtRefundList>"
    twice = _request(
        "625", signer, inventory.invt_no, **{closing: closing.encode() + b"\n\t\t" + second_line}
    )
    (over,) = messages_receive(actor=agent, files=[("r.xml", twice)])
    assert [p.code for p in over.checked.errors] == ["return_exceeds"]  # 1 + 2 of 2 tins

    (refund,) = messages_receive(
        actor=agent, files=[("r1.xml", _request("625", signer, inventory.invt_no))]
    )
    # one tin is being returned, not yet decided: two more cannot be
    (more,) = messages_receive(
        actor=agent, files=[("r2.xml", _two_back(signer, inventory.invt_no, "1F04"))]
    )
    assert [p.code for p in more.checked.errors] == ["return_exceeds"]
    sent = Simulator().send(
        wrap(
            refund.message.content.encode(),
            sender_id="x",
            message_type="CEB625Message",
            cop_msg_id="r",
        )
    )
    approved = [r for r in sent if b">399<" in r]
    rejected = [r.replace(b">399<", b">100<") for r in approved]
    receipts_ingest(approved + rejected + approved)
    assert [item.returned_qty for item in inventory.items.order_by("gnum")] == [
        Decimal(1),
        Decimal(0),
    ]
    refund.message.refresh_from_db()
    # approved, then rejected: the return's effect was applied once and is not undone
    assert refund.message.customs_status == "100"
    # a rejected document does not come back with a later receipt
    order = Order.objects.get()
    late = [
        r.replace(b">120<", b">100<")
        for r in Simulator().send(
            wrap(trade_messages["311"], sender_id="x", message_type="CEB311Message", cop_msg_id="o")
        )
    ]
    Order.objects.filter(pk=order.pk).update(status="2")
    receipts_ingest(late)
    assert Order.objects.get().status == "100"
    receipts_ingest([r.replace(b">100<", b">120<") for r in late])
    assert Order.objects.get().status == "100"


def test_each_inventory_gets_its_own_customs_number(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes], signer: Any
) -> None:
    year = timezone.localdate().year
    declare_trade(trade_parties, trade_messages)
    declare(list(Message.objects.order_by("received_at", "id")))
    assert Inventory.objects.get().invt_no == f"4601{year}I000000001"
    root = etree.fromstring((DATA / "CEB621-synthetic.xml").read_bytes())
    block = root.find("{http://www.chinaport.gov.cn/ceb}Inventory")
    assert block is not None
    for n in range(2, 5):
        twin = etree.fromstring(etree.tostring(block))
        for element in twin.iter("{http://www.chinaport.gov.cn/ceb}orderNo"):
            element.text = f"XYTEST20261105{n:05d}"
        block.addnext(twin)
    block.getparent().remove(block)
    data = sign(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), signer)
    assert check(data).valid

    def numbers(cop_msg_id: str) -> set[str]:
        envelope = wrap(data, sender_id="x", message_type="CEB621Message", cop_msg_id=cop_msg_id)
        return {
            element.text or ""
            for receipt in Simulator().send(envelope)
            for element in etree.fromstring(receipt).iter(f"{{{NS}}}invtNo")
        }

    # Three inventories (rejected: their orders were never declared), three new numbers.
    assert numbers("three") == {f"4601{year}I00000000{n}" for n in (2, 3, 4)}
    # Numbering goes on after the highest number recorded.
    Inventory.objects.update(invt_no=f"4601{year}I000000041")
    assert numbers("again") == {f"4601{year}I0000000{n}" for n in (42, 43, 44)}

"""Receiving a trade's messages: storage, the platform's checks, all-or-nothing batches,
signatures and personal data."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from hanjiang.core.errors import PermissionDeniedError
from hanjiang.core.personal import digest
from hanjiang.crossborder.intake import messages_receive
from hanjiang.crossborder.messages import check
from hanjiang.crossborder.models import (
    Filing,
    FilingStatus,
    Inventory,
    Message,
    Order,
    OrderItem,
    Payment,
    Waybill,
)
from hanjiang.crossborder.signing import Sm2Sm3Signer, certificate_summary, sign
from hanjiang.crossborder.tests.conftest import (
    SM2_CERTIFICATE,
    SM2_KEY,
    declare_trade,
    rsa_signer,
    with_validity,
)

pytestmark = pytest.mark.django_db


def _send(parties: dict[str, Any], code: str, files: list[tuple[str, bytes]]) -> list[Any]:
    return messages_receive(actor=parties[code]["user"], files=files)


def test_a_trade_is_declared_and_stored(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes]
) -> None:
    declare_trade(trade_parties, trade_messages)
    order = Order.objects.get()
    assert (order.order_no, order.actural_paid, order.declared_on.isoformat()) == (
        "XYTEST2026110500001",
        Decimal("381.12000"),
        "2026-11-05",
    )
    assert [(i.gnum, i.item_name, i.total_price) for i in order.items.all()] == [
        (1, "测试奶粉", Decimal("298.50000")),
        (2, "测试面霜", Decimal("60.00000")),
    ]
    # Identity and telephone numbers are stored encrypted, compared by digest, shown masked.
    assert "420602199001010011" not in order.buyer_id_secret
    assert order.clear("buyer_id") == "420602199001010011"
    assert order.masked("buyer_id") == "420***********0011"
    assert order.masked("buyer_telephone") == "138****0000"
    assert Payment.objects.get().payer_id_digest == digest("420602199001010011")
    assert Waybill.objects.get().logistics_no == "YDTEST000000001"
    inventory = Inventory.objects.get()
    assert (inventory.trade_mode, [i.gcode for i in inventory.items.all()]) == (
        "9610",
        ["0402100000", "3304990099"],
    )
    assert Message.objects.filter(status="accepted").count() == 4


def test_the_senders_roles_codes_and_filings_are_checked(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes]
) -> None:
    # The payment institution may not send an order; its copCode is not the order's sender.
    outcome = _send(trade_parties, "4206960003", [("o.xml", trade_messages["311"])])[0]
    assert outcome.status == "refused"
    assert [(p.code, p.path) for p in outcome.checked.errors] == [
        ("wrong_role", "/ceb:CEB311Message"),
        ("wrong_sender", "/ceb:CEB311Message/ceb:BaseTransfer/ceb:copCode"),
    ]
    refused = Message.objects.get()
    assert (refused.status, refused.receipt.count("wrong_role")) == ("refused", 1)
    assert not Order.objects.exists()
    # An unfiled platform is refused by name.
    Filing.objects.filter(customs_code="4206960001").update(status=FilingStatus.REJECTED)
    outcome = _send(trade_parties, "4206960002", [("o.xml", trade_messages["311"])])[0]
    assert [(p.code, p.path.rsplit("/", 1)[-1]) for p in outcome.checked.errors] == [
        ("unfiled_enterprise", "ceb:ebpCode")
    ]


def test_a_batch_is_applied_whole_or_not_at_all(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes]
) -> None:
    broken = trade_messages["311"].replace(b"<ceb:gnum>2<", b"<ceb:gnum>5<")
    second = (
        trade_messages["311"]
        .replace(b"6D3A1C52-0B9E-4F4B-8E3A-2C1F5A7B9D10", b"1D3A1C52-0B9E-4F4B-8E3A-2C1F5A7B9D11")
        .replace(b"XYTEST2026110500001", b"XYTEST2026110500002")
    )
    outcomes = _send(trade_parties, "4206960002", [("a.xml", second), ("b.xml", broken)])
    assert [o.status for o in outcomes] == ["not_applied", "refused"]
    assert not Order.objects.exists()
    assert list(Message.objects.values_list("name", "status")) == [("b.xml", "refused")]
    outcomes = _send(
        trade_parties, "4206960002", [("a.xml", second), ("c.xml", trade_messages["311"])]
    )
    assert [o.status for o in outcomes] == ["accepted", "accepted"]
    assert Order.objects.count() == 2


def test_app_types_duplicates_and_changes(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes]
) -> None:
    order = trade_messages["311"]
    _send(trade_parties, "4206960002", [("o.xml", order)])
    again = _send(trade_parties, "4206960002", [("o.xml", order)])[0]
    assert [p.code for p in again.checked.errors] == ["duplicate_guid", "already_declared"]
    change = (
        order.replace(
            b"6D3A1C52-0B9E-4F4B-8E3A-2C1F5A7B9D10", b"2D3A1C52-0B9E-4F4B-8E3A-2C1F5A7B9D12"
        )
        .replace(b"<ceb:appType>1<", b"<ceb:appType>2<")
        .replace(
            b"<ceb:consignee>\xe6\xb5\x8b\xe8\xaf\x95\xe4\xb9\xb0\xe5\xae\xb6<",
            "<ceb:consignee>测试收货人<".encode(),
        )
    )
    assert _send(trade_parties, "4206960002", [("c.xml", change)])[0].status == "accepted"
    assert (Order.objects.get().consignee, Order.objects.get().app_type) == ("测试收货人", "2")
    missing = change.replace(b"XYTEST2026110500001", b"XYTEST2026119999999").replace(
        b"2D3A1C52", b"3D3A1C52"
    )
    outcome = _send(trade_parties, "4206960002", [("m.xml", missing)])[0]
    assert [p.code for p in outcome.checked.errors] == ["not_declared"]
    # A change replaces the stored order's items.
    renamed = change.replace(b"2D3A1C52", b"4D3A1C52").replace(
        "测试面霜".encode(), "测试面霜（改）".encode()
    )
    assert _send(trade_parties, "4206960002", [("r.xml", renamed)])[0].status == "accepted"
    assert list(OrderItem.objects.order_by("gnum").values_list("gnum", "item_name")) == [
        (1, "测试奶粉"),
        (2, "测试面霜（改）"),
    ]
    # Declared, then changed, in one batch: one order, as changed, with the change's items.
    number = b"XYTEST2026110500003"
    declared = order.replace(b"6D3A1C52", b"5D3A1C52").replace(b"XYTEST2026110500001", number)
    changed = renamed.replace(b"4D3A1C52", b"6E3A1C52").replace(b"XYTEST2026110500001", number)
    outcomes = _send(trade_parties, "4206960002", [("d.xml", declared), ("e.xml", changed)])
    assert [o.status for o in outcomes] == ["accepted", "accepted"]
    stored = Order.objects.get(order_no=number.decode())
    assert (stored.consignee, stored.app_type, stored.message.name) == ("测试收货人", "2", "e.xml")
    assert list(stored.items.order_by("gnum").values_list("gnum", "item_name")) == [
        (1, "测试奶粉"),
        (2, "测试面霜（改）"),
    ]
    assert Order.objects.count() == 2 and OrderItem.objects.count() == 4
    # Deleted, then changed, in one batch: the change names nothing live any more.
    deleted = changed.replace(b"6E3A1C52", b"7E3A1C52").replace(
        b"<ceb:appType>2<", b"<ceb:appType>3<"
    )
    late = changed.replace(b"6E3A1C52", b"8E3A1C52")
    outcomes = _send(trade_parties, "4206960002", [("x.xml", deleted), ("y.xml", late)])
    assert [o.status for o in outcomes] == ["not_applied", "refused"]
    assert [p.code for p in outcomes[1].checked.errors] == ["not_declared"]
    assert Order.objects.get(order_no=number.decode()).withdrawn is False
    # Deleted in one batch, declared anew in a later one: the same record, live again.
    assert _send(trade_parties, "4206960002", [("x.xml", deleted)])[0].status == "accepted"
    assert Order.objects.get(order_no=number.decode()).withdrawn is True
    anew = declared.replace(b"5D3A1C52", b"9E3A1C52")
    assert _send(trade_parties, "4206960002", [("n.xml", anew)])[0].status == "accepted"
    stored = Order.objects.get(order_no=number.decode())
    assert (stored.withdrawn, stored.app_type, stored.message.name) == (False, "1", "n.xml")
    assert list(stored.items.order_by("gnum").values_list("item_name", flat=True)) == [
        "测试奶粉",
        "测试面霜",
    ]


def test_inventories_name_filed_goods_and_signatures_verify(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes], signer: Any
) -> None:
    unfiled = sign(
        trade_messages["621"].replace(b"SKU-002", b"SKU-999"),
        signer,
    )
    outcome = _send(trade_parties, "4206960002", [("i.xml", unfiled)])[0]
    assert [(p.code, p.path.rsplit("/", 2)[-2:]) for p in outcome.checked.errors] == [
        ("unfiled_good", ["ceb:InventoryList[2]", "ceb:itemNo"])
    ]
    tampered = (
        trade_messages["621"]
        .replace(b"<ceb:qty>2<", b"<ceb:qty>3<")
        .replace(b"<ceb:totalPrice>298.5<", b"<ceb:totalPrice>447.75<")
    )
    checked = check(tampered)
    assert [(p.code, p.path.rsplit("/", 1)[-1]) for p in checked.errors] == [
        ("signature_invalid", "ds:DigestValue")
    ]
    unsigned_root = etree.fromstring(trade_messages["621"])
    assert unsigned_root[-1].tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"


def test_only_enterprises_with_approved_filings_send(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes], users: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDeniedError) as caught:
        messages_receive(actor=users["city_admin"], files=[("o.xml", trade_messages["311"])])
    assert caught.value.code == "forbidden"
    with pytest.raises(PermissionDeniedError) as caught:
        messages_receive(actor=users["enterprise"], files=[("o.xml", trade_messages["311"])])
    assert caught.value.code == "not_filed"


def test_a_signed_message_names_a_certificate_the_sender_filed(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes], signer: Any
) -> None:

    unsigned = trade_messages["311"]
    # the e-commerce enterprise filed the test signer's certificate: signed with another, refused
    other = sign(unsigned, Sm2Sm3Signer(SM2_KEY, SM2_CERTIFICATE))
    (outcome,) = _send(trade_parties, "4206960002", [("o.xml", other)])
    assert [(p.code, p.path, str(p.message)) for p in outcome.checked.problems] == [
        (
            "unfiled_certificate",
            "/ceb:CEB311Message/ds:Signature/ds:KeyInfo/ds:X509Data/ds:X509Certificate",
            "报文的签名证书不在贵企业备案的证书之列（CN=Hanjiang SM2 test signer (test data)，"
            "SHA-256 cfd69811feb90bc3…）。",
        )
    ]
    assert outcome.status == "refused"
    # signed with the filed one, accepted
    (outcome,) = _send(trade_parties, "4206960002", [("o.xml", sign(unsigned, signer))])
    assert (outcome.status, outcome.checked.problems) == ("accepted", [])
    # a sender that filed no certificate: accepted, with a warning
    payment = trade_messages["411"]
    (outcome,) = _send(trade_parties, "4206960003", [("p.xml", sign(payment, signer))])
    assert outcome.status == "accepted"
    assert [(p.code, p.severity) for p in outcome.checked.problems] == [
        ("certificate_not_filed", "warning")
    ]


def test_a_certificate_outside_its_validity_is_refused(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes]
) -> None:

    for days, code in (((-3650, -1), "certificate_expired"), ((0, 36500), None)):
        signer = rsa_signer("测试证书（测试数据）", days)
        filing = trade_parties["4206960002"]["filing"]
        filing.certificates = [certificate_summary(signer.certificate_der)]
        filing.save()
        message = sign(trade_messages["311"], signer)
        (outcome,) = _send(trade_parties, "4206960002", [("o.xml", message)])
        assert [p.code for p in outcome.checked.problems] == [code] * (code is not None)
    assert Order.objects.count() == 1  # the expired signature's order was not stored


def test_a_certificate_that_cannot_be_read_is_refused(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes]
) -> None:
    import base64
    import re

    from asn1crypto import pem

    # KeyInfo is not signed: an SM2 signature still verifies with a certificate whose key is the
    # same but whose validity no reader takes (here: a time without its zone).
    _kind, _headers, der = pem.unarmor(SM2_CERTIFICATE)
    crafted = base64.b64encode(with_validity(der, b"20200101000000Z", b"20991231000000"))
    signed = re.sub(
        rb"(<ds:X509Certificate>)[^<]*(</ds:X509Certificate>)",
        lambda found: found.group(1) + crafted + found.group(2),
        sign(trade_messages["311"], Sm2Sm3Signer(SM2_KEY, SM2_CERTIFICATE)),
    )
    assert check(signed).valid
    (outcome,) = _send(trade_parties, "4206960002", [("o.xml", signed)])
    assert (outcome.status, [(p.code, p.path.rsplit("/", 1)[-1]) for p in outcome.problems]) == (
        "refused",
        [("certificate_invalid", "ds:X509Certificate")],
    )

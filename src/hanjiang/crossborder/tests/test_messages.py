"""Checking CEB messages: the official samples, a synthetic order, broken and hostile input, the
CEB900 receipt and the command line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from lxml import etree

from hanjiang.crossborder.messages import check
from hanjiang.crossborder.receipts import LIMIT, receipt, receipt_is_valid
from hanjiang.crossborder.rules import apply_rules

DATA = Path(__file__).resolve().parent / "data"
OFFICIAL = sorted((DATA / "official").glob("*.xml"))
ORDER = (DATA / "CEB311-synthetic.xml").read_bytes()
# As published, these official export samples repeat BaseTransfer, which the schema refuses.
REPEATED_BASE_TRANSFER = {"403", "505", "507", "509", "605", "607"}


def _order(old: str, new: str, count: int = 1) -> bytes:
    text = ORDER.decode("utf-8")
    assert text.count(old) >= count
    return text.replace(old, new, count).encode("utf-8")


@pytest.mark.parametrize("path", OFFICIAL, ids=lambda path: path.stem)
def test_official_samples(path: Path) -> None:
    checked = check(path.read_bytes())
    code = checked.message_type[3:6]
    assert checked.message_type == path.stem
    errors = [(p.basis, p.code, p.path) for p in checked.errors]
    # The signed samples name SM2/SM3, but their digests have SHA-1's 20 bytes and their
    # certificate holds an RSA key: the published signatures do not verify.
    signed = b"xmldsig#sm2-sm3" in path.read_bytes()
    digest = f"/ceb:{path.stem}/ds:Signature/ds:SignedInfo/ds:Reference/ds:DigestValue"
    expected = [("platform", "signature_invalid", digest)] * signed
    if code in REPEATED_BASE_TRANSFER:
        expected.insert(0, ("xsd", "schema", f"/ceb:{path.stem}/ceb:BaseTransfer[2]"))
    assert errors == expected
    # A lower-case guid is a warning.
    warnings = [p.code for p in checked.problems if p.severity == "warning"]
    assert warnings == ["guid_case"] * (checked.guid != checked.guid.upper())


def test_the_synthetic_order_passes() -> None:
    checked = check(ORDER)
    assert (checked.message_type, checked.guid, checked.problems) == (
        "CEB311Message",
        "6D3A1C52-0B9E-4F4B-8E3A-2C1F5A7B9D10",
        [],
    )


HEAD = "/ceb:CEB311Message/ceb:Order/ceb:OrderHead"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "<ceb:acturalPaid>381.12<",
            "<ceb:acturalPaid>391.12<",
            [("derived", "actural_paid", f"{HEAD}/ceb:acturalPaid")],
        ),
        (
            "<ceb:currency>142</ceb:currency>\n\t\t\t<ceb:buyerRegNo>",
            "<ceb:currency>502</ceb:currency>\n\t\t\t<ceb:buyerRegNo>",
            [("xsd", "schema", f"{HEAD}/ceb:currency")],
        ),
        (
            "<ceb:gnum>2</ceb:gnum>",
            "<ceb:gnum>3</ceb:gnum>",
            [("spec", "gnum_sequence", "/ceb:CEB311Message/ceb:Order/ceb:OrderList[2]/ceb:gnum")],
        ),
        (
            "<ceb:totalPrice>298.5<",
            "<ceb:totalPrice>298.4<",
            [
                (
                    "derived",
                    "total_price",
                    "/ceb:CEB311Message/ceb:Order/ceb:OrderList[1]/ceb:totalPrice",
                )
            ],
        ),
        (
            "<ceb:orderType>I<",
            "<ceb:orderType>E<",
            [("spec", "invalid_code", f"{HEAD}/ceb:orderType")],
        ),
        (
            "<ceb:appTime>20261105093000<",
            "<ceb:appTime>20261305093000<",
            [("spec", "invalid_time", f"{HEAD}/ceb:appTime")],
        ),
        (
            "<ceb:freight>10<",
            "<ceb:freight>10.000001<",
            [("xsd", "schema", f"{HEAD}/ceb:freight")],
        ),
        (
            "<ceb:buyerName>测试买家</ceb:buyerName>\n",
            "",
            [("xsd", "schema", f"{HEAD}/ceb:buyerTelephone")],
        ),
    ],
    ids=[
        "paid",
        "currency",
        "gnum",
        "total",
        "order-type",
        "time",
        "six-decimals",
        "missing-buyer",
    ],
)
def test_broken_orders_name_the_element(
    old: str, new: str, expected: list[tuple[str, str, str]]
) -> None:
    checked = check(_order(old, new))
    assert not checked.valid
    assert [(p.basis, p.code, p.path) for p in checked.problems] == expected


def test_every_problem_is_reported_in_one_pass() -> None:
    broken = _order("<ceb:acturalPaid>381.12<", "<ceb:acturalPaid>1<")
    broken = broken.replace(b"<ceb:gnum>2</ceb:gnum>", b"<ceb:gnum>7</ceb:gnum>")
    broken = broken.replace(b"<ceb:buyerIdType>1<", b"<ceb:buyerIdType>2<")
    codes = [p.code for p in check(broken).problems]
    assert codes == ["invalid_code", "actural_paid", "gnum_sequence"]


XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<ceb:CEB311Message xmlns:ceb="http://www.chinaport.gov.cn/ceb" guid="x" version="1.0">
&x;</ceb:CEB311Message>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>"""


@pytest.mark.parametrize(
    ("data", "code", "path"),
    [
        (XXE, "doctype_forbidden", "/"),
        (LAUGHS, "doctype_forbidden", "/"),
        (
            b"<ceb:CEB311Message xmlns:ceb='http://www.chinaport.gov.cn/ceb'><a>",
            "malformed",
            "line 1",
        ),
        ("<?xml version='1.0' encoding='GBK'?><a>订单</a>".encode("gbk"), "encoding", "/"),
        ("<a>订单</a>".encode("gbk"), "encoding", "/"),
        (
            b"<ceb:CEB999Message xmlns:ceb='http://www.chinaport.gov.cn/ceb'/>",
            "unknown_message",
            "/{http://www.chinaport.gov.cn/ceb}CEB999Message",
        ),
        (b"<CEB311Message guid='x' version='1'/>", "unknown_message", "/CEB311Message"),
    ],
    ids=["xxe", "laughs", "malformed", "gbk-declared", "not-utf8", "unknown-code", "no-namespace"],
)
def test_hostile_and_unreadable_input_is_refused(data: bytes, code: str, path: str) -> None:
    checked = check(data)
    assert [(p.code, p.path) for p in checked.problems] == [(code, path)]
    assert checked.message_type == "Unknown"
    assert checked.tree is None


def test_import_inventory_rules() -> None:
    ceb = "{http://www.chinaport.gov.cn/ceb}"
    root = etree.Element(f"{ceb}CEB621Message", nsmap={"ceb": ceb[1:-1]}, guid="A" * 36)
    head = etree.SubElement(etree.SubElement(root, f"{ceb}Inventory"), f"{ceb}InventoryHead")
    for name, value in (
        ("appType", "1"),
        ("appTime", "20261105093000"),
        ("appStatus", "2"),
        ("ieFlag", "I"),
        ("tradeMode", "1210"),
        ("buyerIdType", "1"),
        ("currency", "142"),
        ("declTime", "20261131"),
        ("emsNo", ""),
        ("areaCode", "AREA01"),
        ("country", "116"),
    ):
        etree.SubElement(head, f"{ceb}{name}").text = value
    inventory = root[0]
    for gnum, unit2, qty2 in (("1", "035", "0"), ("2", "", "3")):
        item = etree.SubElement(inventory, f"{ceb}InventoryList")
        for name, value in (
            ("gnum", gnum),
            ("currency", "142"),
            ("qty", "2"),
            ("unit2", unit2),
            ("qty2", qty2),
            ("price", "5"),
            ("totalPrice", "10"),
        ):
            etree.SubElement(item, f"{ceb}{name}").text = value
    problems = [(p.code, p.path.rsplit("/", 2)[-2:]) for p in apply_rules("621", root)]
    assert problems == [
        ("invalid_time", ["ceb:InventoryHead", "ceb:declTime"]),
        ("required", ["ceb:InventoryHead", "ceb:emsNo"]),
        ("invalid_code", ["ceb:InventoryHead", "ceb:country"]),
        ("unit2_qty2", ["ceb:InventoryList[1]", "ceb:qty2"]),
        ("unit2_qty2", ["ceb:InventoryList[2]", "ceb:qty2"]),
    ]


def test_the_receipt_is_a_valid_ceb900_with_every_error() -> None:
    broken = _order("<ceb:acturalPaid>381.12<", "<ceb:acturalPaid>1<")
    broken = broken.replace(b"<ceb:gnum>2</ceb:gnum>", b"<ceb:gnum>7</ceb:gnum>")
    checked = check(broken)
    data = receipt(checked, broken, cop_msg_id="upload-1")
    assert receipt_is_valid(data)
    body = etree.fromstring(data)[0]
    values = {etree.QName(child).localname: child.text for child in body}
    assert values["returnStatus"] == "-3"
    assert values["oriMessageType"] == "CEB311Message"
    assert values["oriCopMsgId"] == "upload-1"
    assert values["returnInfo"].splitlines() == [
        f"{HEAD}/ceb:acturalPaid [derived] actural_paid: 实际支付金额 1 不等于商品价格 + 运杂费 + "
        "代扣税款 − 非现金抵扣金额 = 381.12。",
        "/ceb:CEB311Message/ceb:Order/ceb:OrderList[2]/ceb:gnum [spec] gnum_sequence: "
        "商品序号应为 1、2、3……连续：应为 2，实为“7”。",
    ]
    assert values["oriBizMessage"] == broken.decode("utf-8")
    assert len(values["returnTime"]) == 17


def test_receipts_for_unreadable_and_schema_failures() -> None:
    unreadable = check(XXE)
    data = receipt(unreadable, XXE)
    assert receipt_is_valid(data)
    body = {etree.QName(c).localname: c.text for c in etree.fromstring(data)[0]}
    assert (body["returnStatus"], body["oriMessageType"]) == ("-1", "Unknown")
    many = _order("<ceb:freight>10<", "<ceb:freight>x<")
    checked = check(many)
    checked.problems = checked.problems * 100
    data = receipt(checked, many)
    assert receipt_is_valid(data)
    info = etree.fromstring(data)[0][2].text
    assert len(info) == LIMIT
    assert info.endswith("… (100 errors in all)")


def test_the_command_line_prints_every_problem_and_fails(tmp_path: Path) -> None:
    good = tmp_path / "order.xml"
    good.write_bytes(ORDER)
    bad = tmp_path / "bad.xml"
    bad.write_bytes(_order("<ceb:orderType>I<", "<ceb:orderType>E<"))
    out = io.StringIO()
    call_command("crossborder", "validate", str(good), stdout=out)
    assert out.getvalue().splitlines() == [f"{good}: CEB311Message OK", "1 of 1 files valid."]
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(
            "crossborder",
            "validate",
            str(good),
            str(bad),
            "--receipts",
            str(tmp_path / "receipts"),
            stdout=out,
        )
    assert failure.value.returncode == 1
    assert out.getvalue().splitlines() == [
        f"{good}: CEB311Message OK",
        f"{bad}: CEB311Message FAILED",
        f"  error {HEAD}/ceb:orderType [spec] invalid_code: orderType 为“E”；应为 I。",
        "1 of 2 files valid.",
    ]
    assert receipt_is_valid((tmp_path / "receipts" / "bad.CEB900.xml").read_bytes())


def test_the_items_are_read_once_whoever_asks() -> None:
    from hanjiang.crossborder.rules import PREFIX, RowCache

    # itemNo on the second item only, barCode on neither: columns placed by item number
    message = _order("<ceb:itemNo>SKU-001</ceb:itemNo>", "").replace(
        b"<ceb:barCode></ceb:barCode>", b"", 2
    )
    checked = check(message)
    assert checked.valid
    block = checked.tree.find(f"{PREFIX}Order")  # type: ignore[union-attr]
    rows = checked.rows.get(block, "OrderList", ("qty",))
    # the rules read their columns; a later reader's columns are added to the same rows
    assert rows[0] == {"gnum": "1", "qty": "2", "price": "149.25", "totalPrice": "298.5"} | {
        "currency": "142"
    }
    again = checked.rows.get(block, "OrderList", ("itemName", "itemNo", "barCode"))
    assert again is rows
    assert [(row["itemName"], row.get("itemNo"), row.get("barCode")) for row in rows] == [
        ("测试奶粉", None, None),
        ("测试面霜", "SKU-002", None),
    ]
    names = ("qty", "price", "totalPrice", "currency", "itemName", "itemNo", "barCode")
    assert RowCache().get(block, "OrderList", names) == rows  # as if read all at once


def test_long_amounts_are_compared_without_overflow() -> None:
    # 10¹³ × 10¹³ has more digits than the default decimal context keeps
    long = _order("<ceb:qty>1<", "<ceb:qty>10000000000000<")
    long = long.replace(b"<ceb:price>60<", b"<ceb:price>10000000000000<")
    assert [(p.code, p.path.rsplit("/", 2)[-2:]) for p in check(long).errors] == [
        ("total_price", ["ceb:OrderList[2]", "ceb:totalPrice"])
    ]

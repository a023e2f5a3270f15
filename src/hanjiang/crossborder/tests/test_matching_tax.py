"""The three-document check and the retail import tax of the synthetic trade."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import polars as pl
import pytest

from hanjiang.crossborder import tax
from hanjiang.crossborder.intake import messages_receive
from hanjiang.crossborder.matching import trade_of
from hanjiang.crossborder.models import Order, TaxPolicy
from hanjiang.crossborder.tests.conftest import declare_trade

pytestmark = pytest.mark.django_db


def _results(order: Order) -> dict[str, bool | None]:
    return {result.code: result.passed for result in trade_of(order).results}


def test_a_complete_trade_passes_every_rule(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes]
) -> None:
    declare_trade(trade_parties, trade_messages)
    trade = trade_of(Order.objects.get())
    assert trade.complete
    assert {r.code: r.passed for r in trade.results} == {
        "payment_found": True,
        "waybill_found": True,
        "inventory_found": True,
        "paid_formula": True,
        "paid_equals_payment": True,
        "payment_transaction": True,
        "buyer_is_payer": True,
        "consignee_matches": True,
        "items_match": True,
    }
    assert {r.code: r.basis for r in trade.results}["buyer_is_payer"] == "policy"


def test_missing_documents_leave_rules_unevaluated(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes]
) -> None:
    messages_receive(
        actor=trade_parties["4206960002"]["user"], files=[("o.xml", trade_messages["311"])]
    )
    results = _results(Order.objects.get())
    assert [code for code, passed in results.items() if passed is None] == [
        "payment_found",
        "waybill_found",
        "inventory_found",
        "paid_equals_payment",
        "buyer_is_payer",
        "consignee_matches",
        "items_match",
    ]
    assert results["paid_formula"] is True


def test_broken_trades_name_the_failed_rule(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes]
) -> None:
    messages = dict(trade_messages)
    messages["411"] = (
        messages["411"]
        .replace(b"<ceb:amountPaid>381.12<", b"<ceb:amountPaid>380<")
        .replace(
            b"<ceb:payerIdNumber>420602199001010011<", b"<ceb:payerIdNumber>420602199001010029<"
        )
    )
    messages["511"] = messages["511"].replace(
        "樊城区测试路1号".encode(), "樊城区测试路2号".encode()
    )
    declare_trade(trade_parties, messages)
    results = _results(Order.objects.get())
    assert [code for code, passed in results.items() if passed is False] == [
        "paid_equals_payment",
        "buyer_is_payer",
        "consignee_matches",
    ]


def test_the_orders_tax_within_limits() -> None:
    lines = [
        tax.Line("SKU-001", Decimal(2), Decimal("298.5")),
        tax.Line("", Decimal(1), Decimal(60)),
    ]
    result = tax.compute(lines, Decimal(10), datetime.date(2026, 11, 5), Decimal(0))
    # (298.5 + 10 × 298.5 / 358.5 + 60 + 10 × 60 / 358.5) × 13 % × 70 % = 368.5 × 0.091
    assert (result.treatment, result.dutiable, result.tax) == (
        "within_limits",
        Decimal("368.50"),
        Decimal("33.53"),
    )
    assert result.policy.source.startswith("财关税〔2018〕49号")


def test_limits_follow_the_dated_policy() -> None:
    one = [tax.Line("", Decimal(1), Decimal(3000))]
    # 2018: the single limit was 2,000; from 2019, 5,000.
    old = tax.compute(one, Decimal(0), datetime.date(2018, 6, 1), Decimal(0))
    new = tax.compute(one, Decimal(0), datetime.date(2019, 6, 1), Decimal(0))
    assert (old.treatment, old.tax) == ("single_item_full_tax", Decimal("390.00"))
    assert (new.treatment, new.tax) == ("within_limits", Decimal("273.00"))
    two = [tax.Line("", Decimal(2), Decimal(6000))]
    assert tax.compute(two, Decimal(0), datetime.date(2026, 1, 5), Decimal(0)).treatment == (
        "general_trade"
    )
    near = tax.compute(one, Decimal(0), datetime.date(2026, 1, 5), Decimal(24000))
    assert (near.treatment, near.year_total) == ("general_trade", Decimal(27000))
    TaxPolicy.objects.create(
        valid_from=datetime.date(2026, 7, 1),
        single_limit=Decimal(8000),
        annual_limit=Decimal(50000),
        within_limit_share=Decimal("0.7"),
        duty_rate_within_limit=Decimal(0),
        source="测试政策（测试数据）",
    )
    assert tax.compute(one, Decimal(0), datetime.date(2026, 8, 1), Decimal(24000)).treatment == (
        "within_limits"
    )


def test_a_declaration_beyond_the_annual_quota_is_warned(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes]
) -> None:
    large = (
        trade_messages["311"]
        .replace(b"<ceb:goodsValue>358.5<", b"<ceb:goodsValue>26358.5<")
        .replace(b"<ceb:acturalPaid>381.12<", b"<ceb:acturalPaid>26381.12<")
        .replace(b"<ceb:qty>1<", b"<ceb:qty>1<")
        .replace(b"<ceb:price>60<", b"<ceb:price>26060<")
        .replace(b"<ceb:totalPrice>60<", b"<ceb:totalPrice>26060<")
    )
    outcome = messages_receive(actor=trade_parties["4206960002"]["user"], files=[("o.xml", large)])[
        0
    ]
    assert outcome.status == "accepted"
    assert [(p.code, p.severity) for p in outcome.checked.problems] == [("quota", "warning")]


def test_the_bulk_check_agrees_with_the_check_of_each_trade(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes]
) -> None:
    from hanjiang.crossborder.matching import RULES, check_frames, frames_from_records

    messages = dict(trade_messages)
    messages["511"] = messages["511"].replace("测试路1号".encode(), "测试路9号".encode())
    declare_trade(trade_parties, messages)
    second = (
        trade_messages["311"]
        .replace(b"6D3A1C52-0B9E-4F4B-8E3A-2C1F5A7B9D10", b"5D3A1C52-0B9E-4F4B-8E3A-2C1F5A7B9D15")
        .replace(b"XYTEST2026110500001", b"XYTEST2026110500002")
    )
    messages_receive(actor=trade_parties["4206960002"]["user"], files=[("o2.xml", second)])
    bulk = check_frames(*frames_from_records()).sort("order_no")
    for order in Order.objects.order_by("order_no"):
        one = {r.code: r.passed for r in trade_of(order).results if r.code in RULES}
        row = bulk.filter(pl.col("order_no") == order.order_no).select(RULES).row(0, named=True)
        assert row == one
    assert bulk["consignee_matches"].to_list() == [False, None]


def test_the_annual_quota_counts_the_buyers_stored_orders(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes]
) -> None:
    def order(n: int) -> tuple[str, bytes]:
        return f"o{n}.xml", (
            trade_messages["311"]
            .replace(
                b"6D3A1C52-0B9E-4F4B-8E3A-2C1F5A7B9D10",
                f"6D3A1C52-0B9E-4F4B-8E3A-2C1F5A7B9D{n:02d}".encode(),
            )
            .replace(b"XYTEST2026110500001", f"XYTEST20261105000{n:02d}".encode())
            .replace(b"<ceb:goodsValue>358.5<", b"<ceb:goodsValue>4798.5<")
            .replace(b"<ceb:acturalPaid>381.12<", b"<ceb:acturalPaid>4821.12<")
            .replace(b"<ceb:price>60<", b"<ceb:price>4500<")
            .replace(b"<ceb:totalPrice>60<", b"<ceb:totalPrice>4500<")
        )

    user = trade_parties["4206960002"]["user"]
    first = messages_receive(actor=user, files=[order(n) for n in range(11, 16)])
    assert [(o.status, [p.code for p in o.checked.problems]) for o in first] == [
        ("accepted", [])
    ] * 5
    # 5 orders of about 4,800 are stored; a sixth takes the buyer past 26,000 in the year
    (sixth,) = messages_receive(actor=user, files=[order(16)])
    assert (sixth.status, [(p.code, p.severity) for p in sixth.checked.problems]) == (
        "accepted",
        [("quota", "warning")],
    )


@pytest.mark.parametrize(
    ("qty", "price", "code"),
    [
        ("1", "6000", "full_tax"),  # one item line of quantity 1: declared, full tax
        ("2", "3000", "quota"),  # above the single limit otherwise: general trade
        ("1", "4900", None),  # within the limits
    ],
)
def test_an_order_of_one_line_above_the_single_limit(
    trade_parties: dict[str, Any],
    trade_messages: dict[str, bytes],
    qty: str,
    price: str,
    code: str | None,
) -> None:
    text = trade_messages["311"].decode("utf-8")
    first = text.index("\t\t<ceb:OrderList>")
    second = text.index("\t\t<ceb:OrderList>", first + 1)
    total = Decimal(qty) * Decimal(price)
    one = (
        (text[:first] + text[second:])
        .replace("<ceb:gnum>2<", "<ceb:gnum>1<")
        .replace("<ceb:qty>1<", f"<ceb:qty>{qty}<")
        .replace("<ceb:price>60<", f"<ceb:price>{price}<")
        .replace("<ceb:totalPrice>60<", f"<ceb:totalPrice>{total}<")
        .replace("<ceb:goodsValue>358.5<", f"<ceb:goodsValue>{total}<")
        .replace("<ceb:acturalPaid>381.12<", f"<ceb:acturalPaid>{total + Decimal('22.62')}<")
    )
    (outcome,) = messages_receive(
        actor=trade_parties["4206960002"]["user"], files=[("o.xml", one.encode("utf-8"))]
    )
    assert outcome.status == "accepted"
    assert [(p.code, p.severity, p.path) for p in outcome.checked.problems] == [
        (code, "warning", "/ceb:CEB311Message/ceb:Order/ceb:OrderHead/ceb:goodsValue")
    ] * (code is not None)
    assert outcome.documents[0].items.count() == 1

"""The three-document check (三单对碰) of an import trade, before anything goes to customs.

The specification gives no rule table for the customs' own comparison; every rule here is the
platform's pre-check, derived from the specification's field descriptions (`derived`) or from
the tax policy (`policy`):
- links: the payment by order number + platform; the waybill by order number (and, when an
  inventory names it, by logistics company + waybill number); the inventory by order number +
  platform + e-commerce enterprise;
- `acturalPaid` = `goodsValue` + `freight` + `taxTotal` − `discount`, and = the payment's
  `amountPaid`;
- the order's payment company and transaction, when given, are the payment's;
- consignee, telephone and address equal on order and waybill;
- the buyer is the payer (name and identity number; 财关税〔2016〕18号 art. 5);
- order and inventory items correspond one to one by `gnum`, with the same name;
- the inventory's waybill is the waybill found.
A rule that needs a document not yet received is not evaluated (neither passed nor failed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hanjiang.crossborder.models import Inventory, Order, Payment, Waybill


@dataclass(frozen=True)
class RuleResult:
    code: str
    label: str | Promise
    basis: str  # derived, policy
    passed: bool | None  # None: a document it needs is missing
    detail: str = ""


@dataclass
class Trade:
    order: Order
    payment: Payment | None
    waybill: Waybill | None
    inventory: Inventory | None
    results: list[RuleResult] = field(default_factory=list)

    @property
    def failed(self) -> list[RuleResult]:
        return [result for result in self.results if result.passed is False]

    @property
    def complete(self) -> bool:
        return None not in (self.payment, self.waybill, self.inventory)


def _result(
    code: str, label: str | Promise, passed: bool | None, detail: str = "", basis: str = "derived"
) -> RuleResult:
    return RuleResult(code, label, basis, passed, detail)


def trade_of(order: Order) -> Trade:
    payment = Payment.objects.filter(
        order_no=order.order_no, ebp_code=order.ebp_code, withdrawn=False
    ).first()
    inventory = (
        Inventory.objects.filter(
            order_no=order.order_no,
            ebp_code=order.ebp_code,
            ebc_code=order.ebc_code,
            withdrawn=False,
        )
        .prefetch_related("items")
        .first()
    )
    waybills = Waybill.objects.filter(order_no=order.order_no, withdrawn=False)
    if inventory is not None:
        waybills = waybills.filter(
            logistics_code=inventory.logistics_code, logistics_no=inventory.logistics_no
        )
    trade = Trade(order, payment, waybills.first(), inventory)
    trade.results = check_trade(trade)
    return trade


def check_trade(trade: Trade) -> list[RuleResult]:
    order, payment, waybill, inventory = trade.order, trade.payment, trade.waybill, trade.inventory
    results = [
        _result("payment_found", _("A payment for the order"), payment is not None or None),
        _result("waybill_found", _("A waybill for the order"), waybill is not None or None),
        _result("inventory_found", _("An inventory for the order"), inventory is not None or None),
    ]
    expected = order.goods_value + order.freight + order.tax_total - order.discount
    results.append(
        _result(
            "paid_formula",
            _("acturalPaid = goodsValue + freight + taxTotal − discount"),
            expected == order.actural_paid,
            f"{order.actural_paid.normalize()} / {expected.normalize()}",
        )
    )
    if payment is None:
        results += [
            _result("paid_equals_payment", _("Amount paid = the payment's amountPaid"), None),
            _result("buyer_is_payer", _("The buyer is the payer"), None, basis="policy"),
        ]
    else:
        results.append(
            _result(
                "paid_equals_payment",
                _("Amount paid = the payment's amountPaid"),
                order.actural_paid == payment.amount_paid,
                f"{order.actural_paid.normalize()} / {payment.amount_paid.normalize()}",
            )
        )
        if order.pay_transaction_id:
            results.append(
                _result(
                    "payment_transaction",
                    _("The order's payment transaction is the payment's"),
                    (order.pay_code, order.pay_transaction_id)
                    == (payment.pay_code, payment.pay_transaction_id),
                    f"{order.pay_transaction_id} / {payment.pay_transaction_id}",
                )
            )
        results.append(
            _result(
                "buyer_is_payer",
                _("The buyer is the payer"),
                order.buyer_name == payment.payer_name
                and order.buyer_id_digest == payment.payer_id_digest,
                f"{order.buyer_name} / {payment.payer_name}",
                basis="policy",
            )
        )
    if waybill is None:
        results.append(_result("consignee_matches", _("Consignee as on the waybill"), None))
    else:
        same = (
            order.consignee == waybill.consignee
            and order.consignee_address == waybill.consignee_address
            and order.consignee_telephone_digest == waybill.consignee_telephone_digest
        )
        results.append(
            _result(
                "consignee_matches",
                _("Consignee, telephone and address as on the waybill"),
                same,
                f"{order.consignee} {order.consignee_address} / "
                f"{waybill.consignee} {waybill.consignee_address}",
            )
        )
    if inventory is None:
        results.append(_result("items_match", _("Order and inventory items one to one"), None))
    else:
        ordered = [(item.gnum, item.item_name) for item in order.items.all()]
        declared = [(item.gnum, item.gname) for item in inventory.items.all()]
        results.append(
            _result(
                "items_match",
                _("Order and inventory items one to one (gnum and name)"),
                ordered == declared,
                "; ".join(f"{g} {n}" for g, n in sorted(set(ordered) ^ set(declared))),
            )
        )
        if waybill is None:
            results.append(
                _result(
                    "inventory_waybill",
                    _("The inventory's waybill exists"),
                    False,
                    f"{inventory.logistics_code} {inventory.logistics_no}",
                )
            )
    return results

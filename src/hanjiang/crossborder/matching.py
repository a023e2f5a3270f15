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
from typing import Any

import polars as pl
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


# The same rules over every trade at once (Polars), for the city's checks and large batches.

RULES = (
    "payment_found",
    "waybill_found",
    "inventory_found",
    "paid_formula",
    "paid_equals_payment",
    "buyer_is_payer",
    "consignee_matches",
    "items_match",
)


def check_frames(
    orders: pl.DataFrame,
    payments: pl.DataFrame,
    waybills: pl.DataFrame,
    inventories: pl.DataFrame,
    order_items: pl.DataFrame,
    inventory_items: pl.DataFrame,
) -> pl.DataFrame:
    """One row per order, one column per rule of `RULES`: true, false, or null (a document it
    needs is missing), as `check_trade` decides them one trade at a time.

    Columns: orders — ebp_code, ebc_code, order_no, goods_value, freight, tax_total, discount,
    actural_paid, buyer_name, buyer_id, consignee, consignee_address, consignee_telephone;
    payments — ebp_code, order_no, amount_paid, payer_name, payer_id; waybills — order_no,
    logistics_code, logistics_no, consignee, consignee_address, consignee_telephone;
    inventories — ebp_code, ebc_code, order_no, logistics_code, logistics_no; items — the
    document's keys, gnum, name. Amounts are decimals; identity and telephone columns digests.
    """
    key = ["ebp_code", "order_no"]
    pairs = pl.concat_str([pl.col("gnum").cast(pl.String), pl.col("name")], separator=":")

    def joined(items: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
        return items.group_by(keys).agg(pairs.sort_by(pl.col("gnum")).str.join(";").alias("items"))

    paid = payments.select(
        *key, "amount_paid", pl.col("payer_name"), pl.col("payer_id"), pl.lit(True).alias("_p")
    )
    inventory = inventories.select(
        "ebp_code",
        "ebc_code",
        "order_no",
        pl.col("logistics_code").alias("_ilc"),
        pl.col("logistics_no").alias("_iln"),
        pl.lit(True).alias("_i"),
    ).join(
        joined(inventory_items, ["ebp_code", "ebc_code", "order_no"]).rename(
            {"items": "_declared"}
        ),
        on=["ebp_code", "ebc_code", "order_no"],
        how="left",
    )
    waybill = waybills.select(
        "order_no",
        pl.col("logistics_code").alias("_wlc"),
        pl.col("logistics_no").alias("_wln"),
        pl.col("consignee").alias("_wc"),
        pl.col("consignee_address").alias("_wa"),
        pl.col("consignee_telephone").alias("_wt"),
    )
    frame = (
        orders.join(paid, on=key, how="left")
        .join(inventory, on=["ebp_code", "ebc_code", "order_no"], how="left")
        .join(joined(order_items, key).rename({"items": "_ordered"}), on=key, how="left")
        .join(waybill, on="order_no", how="left")
        # With an inventory, only the waybill it names counts.
        .filter(
            pl.col("_i").is_null()
            | pl.col("_wlc").is_null()
            | ((pl.col("_wlc") == pl.col("_ilc")) & (pl.col("_wln") == pl.col("_iln")))
        )
        .unique(subset=["ebp_code", "order_no"], keep="first", maintain_order=True)
    )
    has_payment = pl.col("_p").is_not_null()
    has_waybill = pl.col("_wlc").is_not_null()
    has_inventory = pl.col("_i").is_not_null()

    def when(present: pl.Expr, rule: pl.Expr) -> pl.Expr:
        return pl.when(present).then(rule).otherwise(None)

    return frame.select(
        "ebp_code",
        "order_no",
        pl.when(has_payment).then(True).otherwise(None).alias("payment_found"),
        pl.when(has_waybill).then(True).otherwise(None).alias("waybill_found"),
        pl.when(has_inventory).then(True).otherwise(None).alias("inventory_found"),
        (
            pl.col("goods_value") + pl.col("freight") + pl.col("tax_total") - pl.col("discount")
            == pl.col("actural_paid")
        ).alias("paid_formula"),
        when(has_payment, pl.col("actural_paid") == pl.col("amount_paid")).alias(
            "paid_equals_payment"
        ),
        when(
            has_payment,
            (pl.col("buyer_name") == pl.col("payer_name"))
            & (pl.col("buyer_id") == pl.col("payer_id")),
        ).alias("buyer_is_payer"),
        when(
            has_waybill,
            (pl.col("consignee") == pl.col("_wc"))
            & (pl.col("consignee_address") == pl.col("_wa"))
            & (pl.col("consignee_telephone") == pl.col("_wt")),
        ).alias("consignee_matches"),
        when(has_inventory, pl.col("_ordered") == pl.col("_declared").fill_null("")).alias(
            "items_match"
        ),
    )


def frames_from_records() -> tuple[pl.DataFrame, ...]:
    """The six frames of `check_frames` read from the stored documents (not withdrawn)."""
    from hanjiang.crossborder.models import InventoryItem, OrderItem

    amount = pl.Decimal(19, 5)

    def frame(rows: Any, columns: list[str], amounts: tuple[str, ...] = ()) -> pl.DataFrame:
        schema = {
            c: amount if c in amounts else pl.Int64 if c == "gnum" else pl.String for c in columns
        }
        return pl.DataFrame(list(rows), schema=schema, orient="row")

    orders = frame(
        Order.objects.filter(withdrawn=False).values_list(
            "ebp_code",
            "ebc_code",
            "order_no",
            "goods_value",
            "freight",
            "tax_total",
            "discount",
            "actural_paid",
            "buyer_name",
            "buyer_id_digest",
            "consignee",
            "consignee_address",
            "consignee_telephone_digest",
        ),
        [
            "ebp_code",
            "ebc_code",
            "order_no",
            "goods_value",
            "freight",
            "tax_total",
            "discount",
            "actural_paid",
            "buyer_name",
            "buyer_id",
            "consignee",
            "consignee_address",
            "consignee_telephone",
        ],
        ("goods_value", "freight", "tax_total", "discount", "actural_paid"),
    )
    payments = frame(
        Payment.objects.filter(withdrawn=False).values_list(
            "ebp_code", "order_no", "amount_paid", "payer_name", "payer_id_digest"
        ),
        ["ebp_code", "order_no", "amount_paid", "payer_name", "payer_id"],
        ("amount_paid",),
    )
    waybills = frame(
        Waybill.objects.filter(withdrawn=False).values_list(
            "order_no",
            "logistics_code",
            "logistics_no",
            "consignee",
            "consignee_address",
            "consignee_telephone_digest",
        ),
        [
            "order_no",
            "logistics_code",
            "logistics_no",
            "consignee",
            "consignee_address",
            "consignee_telephone",
        ],
    )
    inventories = frame(
        Inventory.objects.filter(withdrawn=False).values_list(
            "ebp_code", "ebc_code", "order_no", "logistics_code", "logistics_no"
        ),
        ["ebp_code", "ebc_code", "order_no", "logistics_code", "logistics_no"],
    )
    order_items = frame(
        OrderItem.objects.filter(order__withdrawn=False).values_list(
            "order__ebp_code", "order__order_no", "gnum", "item_name"
        ),
        ["ebp_code", "order_no", "gnum", "name"],
    )
    inventory_items = frame(
        InventoryItem.objects.filter(inventory__withdrawn=False).values_list(
            "inventory__ebp_code", "inventory__ebc_code", "inventory__order_no", "gnum", "gname"
        ),
        ["ebp_code", "ebc_code", "order_no", "gnum", "name"],
    )
    return orders, payments, waybills, inventories, order_items, inventory_items

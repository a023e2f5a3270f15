"""Composing import orders (CEB311) on the platform, from an Excel sheet of orders, for
enterprises without their own message software.

Rules:
- one sheet row per item; the rows of one order share its order number and repeat its order
  columns (those of the order's first row are used); columns are recognised by their Chinese or
  English header or by the CEB element name;
- the sender is the e-commerce enterprise (`ebcCode`, `ebcName` and `BaseTransfer` come from its
  filing); `totalPrice` = `qty` × `price`, `goodsValue` = the sum of the items, `acturalPaid` =
  `goodsValue` + `freight` + `taxTotal` − `discount`; currency 142; `appType` 1, `appStatus` 2,
  `appTime` now; a new upper-case guid per order;
- every row is checked (required columns, numbers with at most 5 decimals, a buyer identity
  number of 15 or 18 characters); any error refuses the whole sheet, by row and column;
- the composed messages then go through the same intake as any other (channel `composed`), and
  are emitted valid against the official schema.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lxml import etree

from hanjiang.core.errors import ErrorItem, ValidationFailed
from hanjiang.core.spreadsheets import Column, read_table, write_table
from hanjiang.crossborder.messages import NS
from hanjiang.crossborder.models import Filing

ORDER_COLUMNS = [
    Column("orderNo", _("Order number"), required=True, width=22),
    Column("ebpCode", _("Platform code"), required=True, width=14),
    Column("ebpName", _("Platform name"), required=True, width=20),
    Column("freight", _("Freight"), width=10),
    Column("discount", _("Discount"), width=10),
    Column("taxTotal", _("Tax withheld"), width=10),
    Column("buyerRegNo", _("Buyer's platform account"), required=True, width=16),
    Column("buyerName", _("Buyer"), required=True, width=10),
    Column("buyerTelephone", _("Buyer's telephone"), required=True, width=14),
    Column("buyerIdNumber", _("Buyer's identity card number"), required=True, width=20),
    Column("payCode", _("Payment company code"), width=14),
    Column("payName", _("Payment company name"), width=18),
    Column("payTransactionId", _("Payment transaction"), width=20),
    Column("consignee", _("Consignee"), required=True, width=10),
    Column("consigneeTelephone", _("Consignee's telephone"), required=True, width=14),
    Column("consigneeAddress", _("Consignee address"), required=True, width=30),
    Column("consigneeDistrict", _("Consignee's district code"), width=10),
    Column("itemNo", _("SKU"), width=12),
    Column("itemName", _("Item name"), required=True, width=20),
    Column("gmodel", _("Model"), required=True, width=20),
    Column("unit", _("Unit code"), required=True, width=8),
    Column("qty", _("Quantity"), required=True, width=8),
    Column("price", _("Price"), required=True, width=10),
    Column("country", _("Origin country code"), required=True, width=8),
]
NUMBERS = ("freight", "discount", "taxTotal", "qty", "price")


def template() -> bytes:
    return write_table(str(_("Import orders")), ORDER_COLUMNS, [])


@dataclass
class Composed:
    order_no: str
    data: bytes


def _number(text: str, column: str, row: int, errors: list[ErrorItem]) -> Decimal:
    try:
        value = Decimal(text.strip() or "0")
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0 or value.as_tuple().exponent < -5:  # type: ignore[operator]
        errors.append(
            ErrorItem(
                "invalid_number",
                _("“%(value)s” is not an amount of zero or more with at most 5 decimals.")
                % {"value": text},
                field=column,
                row=row,
            )
        )
        return Decimal(0)
    return value


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def compose_orders(filing: Filing, rows: Sequence[tuple[int, dict[str, str]]]) -> list[Composed]:
    """The CEB311 messages of the sheet's orders, or ValidationFailed with every problem."""
    errors: list[ErrorItem] = []
    orders: dict[str, dict[str, Any]] = {}
    for row, record in rows:
        for column in ORDER_COLUMNS:
            if column.required and not record.get(column.key, "").strip():
                errors.append(
                    ErrorItem("required", _("This column is required."), field=column.key, row=row)
                )
        numbers = {name: _number(record.get(name, ""), name, row, errors) for name in NUMBERS}
        identity = record.get("buyerIdNumber", "").strip()
        if identity and len(identity) not in (15, 18):
            errors.append(
                ErrorItem(
                    "invalid_identity",
                    _("An identity card number has 15 or 18 characters."),
                    field="buyerIdNumber",
                    row=row,
                )
            )
        order = orders.setdefault(
            record.get("orderNo", "").strip(),
            {"head": record, "numbers": numbers, "items": []},
        )
        order["items"].append((record, numbers))
    if errors:
        raise ValidationFailed(errors)
    return [_message(filing, order_no, order) for order_no, order in orders.items()]


def _message(filing: Filing, order_no: str, order: dict[str, Any]) -> Composed:
    ceb = f"{{{NS}}}"
    head_values: dict[str, str] = order["head"]
    numbers: dict[str, Decimal] = order["numbers"]
    items = [(record, values["qty"] * values["price"]) for record, values in order["items"]]
    goods = sum((total for _record, total in items), Decimal(0))
    paid = goods + numbers["freight"] + numbers["taxTotal"] - numbers["discount"]
    guid = str(uuid.uuid4()).upper()
    code = filing.customs_code or filing.organisation.uscc
    root = etree.Element(f"{ceb}CEB311Message", nsmap={"ceb": NS}, guid=guid, version="1.0")
    block = etree.SubElement(root, f"{ceb}Order")
    head = etree.SubElement(block, f"{ceb}OrderHead")

    def add(parent: etree._Element, name: str, value: str) -> None:
        etree.SubElement(parent, f"{ceb}{name}").text = value

    optional = {"payCode", "payName", "payTransactionId", "consigneeDistrict"}
    for name, value in [
        ("guid", guid),
        ("appType", "1"),
        ("appTime", timezone.localtime().strftime("%Y%m%d%H%M%S")),
        ("appStatus", "2"),
        ("orderType", "I"),
        ("orderNo", order_no),
        ("ebpCode", head_values["ebpCode"].strip()),
        ("ebpName", head_values["ebpName"].strip()),
        ("ebcCode", code),
        ("ebcName", filing.organisation.name),
        ("goodsValue", _plain(goods)),
        ("freight", _plain(numbers["freight"])),
        ("discount", _plain(numbers["discount"])),
        ("taxTotal", _plain(numbers["taxTotal"])),
        ("acturalPaid", _plain(paid)),
        ("currency", "142"),
        ("buyerRegNo", head_values["buyerRegNo"].strip()),
        ("buyerName", head_values["buyerName"].strip()),
        ("buyerTelephone", head_values["buyerTelephone"].strip()),
        ("buyerIdType", "1"),
        ("buyerIdNumber", head_values["buyerIdNumber"].strip()),
        ("payCode", head_values.get("payCode", "").strip()),
        ("payName", head_values.get("payName", "").strip()),
        ("payTransactionId", head_values.get("payTransactionId", "").strip()),
        ("consignee", head_values["consignee"].strip()),
        ("consigneeTelephone", head_values["consigneeTelephone"].strip()),
        ("consigneeAddress", head_values["consigneeAddress"].strip()),
        ("consigneeDistrict", head_values.get("consigneeDistrict", "").strip()),
    ]:
        if value or name not in optional:
            add(head, name, value)
    for gnum, (record, total) in enumerate(items, start=1):
        item = etree.SubElement(block, f"{ceb}OrderList")
        for name, value in [
            ("gnum", str(gnum)),
            ("itemNo", record.get("itemNo", "").strip()),
            ("itemName", record["itemName"].strip()),
            ("gmodel", record["gmodel"].strip()),
            ("unit", record["unit"].strip()),
            ("qty", _plain(Decimal(record["qty"]))),
            ("price", _plain(Decimal(record["price"]))),
            ("totalPrice", _plain(total)),
            ("currency", "142"),
            ("country", record["country"].strip()),
        ]:
            if value or name != "itemNo":
                add(item, name, value)
    transfer = etree.SubElement(root, f"{ceb}BaseTransfer")
    add(transfer, "copCode", code)
    add(transfer, "copName", filing.organisation.name[:100])
    add(transfer, "dxpMode", "DXP")
    add(transfer, "dxpId", filing.dxp_id)
    return Composed(order_no, bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8")))


def read_orders(upload: Any) -> list[tuple[int, dict[str, str]]]:
    return read_table(upload, ORDER_COLUMNS)

"""The cross-border declarations a user may see, as an Excel workbook for the city's own work:
import inventories, export inventories and customs tax bills, one sheet each.

Rules:
- the sheets hold what the overview counts from: every declared inventory (cancelled ones
  marked, documents their senders deleted left out), in the user's scope;
- identity numbers are masked, as on every page;
- values are the items' totals less what was returned: import values in yuan; export values in
  the items' currency, an inventory with items in several currencies on a line per currency;
- a tax bill shows its parts and total as customs sent them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hanjiang.core.spreadsheets import Column, write_tables
from hanjiang.crossborder.models import ExportInventory, Inventory, TaxBill
from hanjiang.crossborder.statistics import net_value

COMMON = [
    Column("declared_on", gettext_lazy("Declared on"), width=12),
    Column("invt_no", gettext_lazy("Customs inventory number"), width=20),
    Column("order_no", gettext_lazy("Order number"), width=22),
    Column("trade_mode", gettext_lazy("Trade mode"), width=8),
    Column("customs_code", gettext_lazy("Customs district"), width=8),
    Column("ebp_code", gettext_lazy("Platform code"), width=12),
    Column("ebc_code", gettext_lazy("Enterprise code"), width=12),
    Column("agent_code", gettext_lazy("Declaring agent code"), width=12),
]
STATUS = [
    Column("status", gettext_lazy("Customs status"), width=18),
    Column("cancelled", gettext_lazy("Cancelled by customs"), width=10),
]
IMPORTS = [
    *COMMON,
    Column("buyer_name", gettext_lazy("Buyer"), width=10),
    Column("buyer_id", gettext_lazy("Buyer's identity number (masked)"), width=22),
    Column("value", gettext_lazy("Value (yuan, less returns)"), width=14),
    *STATUS,
]
EXPORTS = [
    *COMMON,
    Column("country", gettext_lazy("Destination country"), width=8),
    Column("currency", gettext_lazy("Currency"), width=8),
    Column("value", gettext_lazy("Value (in the currency, less returns)"), width=14),
    *STATUS,
]
BILLS = [
    Column("tax_no", gettext_lazy("Tax bill number"), width=22),
    Column("invt_no", gettext_lazy("Customs inventory number"), width=20),
    Column("order_no", gettext_lazy("Order number"), width=22),
    Column("status", gettext_lazy("Status"), width=10),
    Column("customs_tax", gettext_lazy("Customs duty"), width=12),
    Column("value_added_tax", gettext_lazy("VAT"), width=12),
    Column("consumption_tax", gettext_lazy("Consumption tax"), width=12),
    Column("total", gettext_lazy("Total"), width=12),
    Column("return_time", gettext_lazy("Return time"), width=18),
]


def _common(inventory: Any) -> dict[str, Any]:
    return {
        "declared_on": inventory.declared_on.isoformat(),
        "invt_no": inventory.invt_no,
        "order_no": inventory.order_no,
        "trade_mode": inventory.trade_mode,
        "customs_code": inventory.customs_code,
        "ebp_code": inventory.ebp_code,
        "ebc_code": inventory.ebc_code,
        "agent_code": inventory.agent_code,
        "status": inventory.get_status_display(),
        "cancelled": _("yes") if inventory.cancelled else _("no"),
    }


def overview_workbook(inventories: Any, exports: Any) -> bytes:
    """The workbook of these import and export inventories (querysets in the user's scope)."""
    imports = inventories.annotate(value=Sum(net_value("items__"))).order_by(
        "declared_on", "order_no"
    )
    import_rows = [
        _common(inventory)
        | {
            "buyer_name": inventory.buyer_name,
            "buyer_id": inventory.masked("buyer_id"),
            "value": inventory.value,
        }
        for inventory in imports
    ]
    values: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    for row in exports.values("pk", "items__currency").annotate(value=Sum(net_value("items__"))):
        if row["items__currency"] is not None:
            values[row["pk"]].append((row["items__currency"], row["value"]))
    export_rows = [
        _common(inventory) | {"country": inventory.country, "currency": currency, "value": value}
        for inventory in exports.order_by("declared_on", "order_no")
        for currency, value in sorted(values[inventory.pk])
    ]
    bill_rows = [
        {
            "tax_no": bill.tax_no,
            "invt_no": bill.inventory.invt_no,
            "order_no": bill.inventory.order_no,
            "status": bill.get_status_display(),
            "customs_tax": bill.customs_tax,
            "value_added_tax": bill.value_added_tax,
            "consumption_tax": bill.consumption_tax,
            "total": bill.total,
            "return_time": bill.return_time,
        }
        for bill in TaxBill.objects.filter(inventory__in=inventories)
        .select_related("inventory")
        .order_by("return_time", "tax_no")
    ]
    return write_tables(
        [
            (_("Import inventories"), IMPORTS, import_rows),
            (_("Export inventories"), EXPORTS, export_rows),
            (_("Customs tax bills"), BILLS, bill_rows),
        ]
    )


def in_scope(codes: set[str] | None) -> tuple[Any, Any]:
    """The import and export inventories of enterprises with these codes (None: all), less
    those their senders deleted."""
    inventories = Inventory.objects.filter(withdrawn=False)
    exports = ExportInventory.objects.filter(withdrawn=False)
    if codes is not None:
        inventories = inventories.filter(ebc_code__in=codes) | inventories.filter(
            ebp_code__in=codes
        )
        exports = exports.filter(ebc_code__in=codes) | exports.filter(ebp_code__in=codes)
    return inventories, exports

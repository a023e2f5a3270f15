"""The cross-border public service platform's records: enterprise filings and their goods, the
messages received, and the documents of import trades (order, payment, waybill, inventory) read
from them.

Identity and telephone numbers are stored encrypted with a keyed digest beside them
(`core.personal`); pages and exports show them masked.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hanjiang.core.models import TimeStampedModel
from hanjiang.core.personal import decrypt, mask
from hanjiang.registry.models import Organisation


def amount(label: Any, *, optional: bool = False) -> models.DecimalField[Any, Any]:
    """An amount as the messages carry it: up to 19 digits, 5 of them decimals (N19,5)."""
    return models.DecimalField(
        label, max_digits=19, decimal_places=5, null=optional, blank=optional
    )


class FilingRole(models.TextChoices):
    PLATFORM = "platform", _("E-commerce platform (电商平台)")
    ENTERPRISE = "enterprise", _("E-commerce enterprise (电商企业)")
    LOGISTICS = "logistics", _("Logistics company (物流企业)")
    PAYMENT = "payment", _("Payment institution (支付企业)")
    AGENT = "agent", _("Declaring agent (申报企业)")
    SITE = "site", _("Supervised-site or bonded-warehouse operator (监管场所经营人)")


class TradeMode(models.TextChoices):
    BONDED = "1210", _("1210 Bonded e-commerce (保税电商)")
    DIRECT = "9610", _("9610 Cross-border e-commerce (电子商务)")
    B2B = "9710", _("9710 B2B direct export (跨境电商B2B直接出口)")
    WAREHOUSE = "9810", _("9810 Export to overseas warehouse (跨境电商出口海外仓)")


class FilingStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted for review")
    APPROVED = "approved", _("Approved and shared")
    REJECTED = "rejected", _("Returned")


class Filing(TimeStampedModel):
    """An enterprise's one filing (一次备案): its roles, codes and modes, reviewed by the city."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, related_name="crossborder_filing"
    )
    customs_code = models.CharField(_("customs registration code"), max_length=10, blank=True)
    dxp_id = models.CharField(_("exchange user id"), max_length=30)
    roles = models.JSONField(_("roles"), default=list)
    modes = models.JSONField(_("trade modes"), default=list)
    # The certificates the enterprise signs its messages with, as `signing.certificate_summary`
    # gives them (fingerprint, subject, issuer, serial, validity, key, PEM).
    certificates = models.JSONField(_("signing certificates"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=FilingStatus.choices, default=FilingStatus.SUBMITTED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)

    class Meta:
        verbose_name = _("cross-border filing")
        verbose_name_plural = _("cross-border filings")
        ordering = ["organisation__name"]

    def __str__(self) -> str:
        return str(self.organisation)

    @property
    def codes(self) -> set[str]:
        """The codes messages may name the enterprise by: its customs code or credit code."""
        return {code for code in (self.customs_code, self.organisation.uscc) if code}


class GoodsRecord(TimeStampedModel):
    """A filed good (商品备案) of an enterprise."""

    filing = models.ForeignKey(Filing, on_delete=models.PROTECT, related_name="goods")
    item_no = models.CharField(_("item number"), max_length=30)
    name = models.CharField(_("name"), max_length=250)
    gcode = models.CharField(_("HS code"), max_length=10)
    model = models.CharField(_("model"), max_length=510)
    unit = models.CharField(_("unit"), max_length=3)
    origin = models.CharField(_("origin country"), max_length=3)
    vat_rate = models.DecimalField(_("VAT rate"), max_digits=5, decimal_places=4, default=0.13)
    consumption_rate = models.DecimalField(
        _("consumption tax rate"), max_digits=5, decimal_places=4, default=0
    )

    class Meta:
        verbose_name = _("goods record")
        verbose_name_plural = _("goods records")
        ordering = ["filing", "item_no"]
        constraints = [
            models.UniqueConstraint(fields=["filing", "item_no"], name="goods_item_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_no} {self.name}"


class MessageStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")


class Channel(models.TextChoices):
    EXCHANGE = "exchange", _("Customs exchange (receipt)")
    API = "api", _("API")
    WEB = "web", _("Web upload")
    FOLDER = "folder", _("Exchange folder")
    COMPOSED = "composed", _("Composed on the platform")


class Message(models.Model):
    """A CEB message as received, with the outcome of its checks and, when refused, its CEB900."""

    guid = models.CharField(_("guid"), max_length=36, db_index=True)
    message_type = models.CharField(_("message type"), max_length=15)
    filing = models.ForeignKey(
        Filing, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    name = models.CharField(_("file name"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=MessageStatus.choices)
    problems = models.JSONField(_("problems"), default=list)
    receipt = models.TextField(_("CEB900 receipt"), blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    content = models.TextField(_("message as received"), blank=True)
    sent_at = models.DateTimeField(_("sent to customs at"), null=True, blank=True)
    # For messages whose documents are not kept as records of their own (export orders,
    # cancellations, returns, summaries …): the latest customs status their receipts gave.
    customs_status = models.CharField(_("customs status"), max_length=10, blank=True)
    customs_info = models.TextField(_("customs status information"), blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                # An enterprise's message is declared once; receipts may repeat their guid.
                fields=["guid"],
                condition=models.Q(status="accepted") & ~models.Q(channel="exchange"),
                name="accepted_guid_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_type} {self.guid}"


class DeclaredGuid(models.Model):
    """The guid of each business document an accepted message declared: receipts name the
    document they answer by it. For documents without records of their own (cancellations,
    returns …) the customs status of each is kept here."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="declared_guids")
    guid = models.CharField(_("guid"), max_length=36, db_index=True)
    customs_status = models.CharField(
        _("customs status"), max_length=4, blank=True, default="", db_default=""
    )

    def __str__(self) -> str:
        return self.guid


class CustomsStatus(models.TextChoices):
    STORED = "1", _("1 Stored at the E-Port")
    DECLARING = "2", _("2 Being declared")
    SENT = "3", _("3 Sent to customs")
    SEND_FAILED = "4", _("4 Sending failed")
    REJECTED = "100", _("100 Rejected by customs")
    ACCEPTED = "120", _("120 Accepted by customs")
    REVIEW = "300", _("300 Manual review")
    CONCLUDED = "399", _("399 Concluded")
    INSPECTION = "500", _("500 Inspection")
    RELEASED = "800", _("800 Released")
    CLOSED = "899", _("899 Closed")


class Document(TimeStampedModel):
    """What every import document has: the message it came in, its key, its customs status."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="+")
    guid = models.CharField(_("guid"), max_length=36)
    app_type = models.CharField(_("application type"), max_length=1)
    order_no = models.CharField(_("order number"), max_length=60, db_index=True)
    status = models.CharField(
        _("customs status"),
        max_length=4,
        choices=CustomsStatus.choices,
        default=CustomsStatus.DECLARING,
    )
    status_info = models.TextField(_("customs status information"), blank=True)
    withdrawn = models.BooleanField(_("deleted by the sender"), default=False)

    class Meta:
        abstract = True


class Secret(models.Model):
    """Mixin of a document holding personal numbers: encrypted value + digest per field."""

    class Meta:
        abstract = True

    def clear(self, field: str) -> str:
        return decrypt(getattr(self, f"{field}_secret"))

    def masked(self, field: str) -> str:
        return mask(self.clear(field))


class Order(Document, Secret):
    ebp_code = models.CharField(_("platform code"), max_length=18)
    ebp_name = models.CharField(_("platform name"), max_length=100)
    ebc_code = models.CharField(_("enterprise code"), max_length=18)
    ebc_name = models.CharField(_("enterprise name"), max_length=100)
    goods_value = amount(_("goods value"))
    freight = amount(_("freight"))
    discount = amount(_("discount"))
    tax_total = amount(_("tax withheld"))
    actural_paid = amount(_("amount paid"))
    buyer_name = models.CharField(_("buyer"), max_length=60)
    buyer_id_secret = models.TextField()
    buyer_id_digest = models.CharField(max_length=64, db_index=True)
    buyer_telephone_secret = models.TextField()
    buyer_telephone_digest = models.CharField(max_length=64)
    pay_code = models.CharField(_("payment company code"), max_length=18, blank=True)
    pay_transaction_id = models.CharField(_("payment transaction"), max_length=60, blank=True)
    consignee = models.CharField(_("consignee"), max_length=100)
    consignee_telephone_secret = models.TextField()
    consignee_telephone_digest = models.CharField(max_length=64)
    consignee_address = models.CharField(_("consignee address"), max_length=200)
    declared_on = models.DateField(_("declared on"))

    class Meta:
        verbose_name = _("import order")
        verbose_name_plural = _("import orders")
        ordering = ["-declared_on", "order_no"]
        constraints = [
            models.UniqueConstraint(fields=["ebp_code", "order_no"], name="order_unique")
        ]

    def __str__(self) -> str:
        return self.order_no


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    gnum = models.PositiveIntegerField(_("item number"))
    item_no = models.CharField(_("SKU"), max_length=30, blank=True)
    item_name = models.CharField(_("item name"), max_length=250)
    unit = models.CharField(_("unit"), max_length=3)
    qty = amount(_("quantity"))
    price = amount(_("price"))
    total_price = amount(_("total price"))
    country = models.CharField(_("origin country"), max_length=3)

    class Meta:
        ordering = ["order", "gnum"]

    def __str__(self) -> str:
        return f"{self.gnum} {self.item_name}"


class Payment(Document, Secret):
    pay_code = models.CharField(_("payment company code"), max_length=18)
    pay_transaction_id = models.CharField(_("payment transaction"), max_length=60)
    ebp_code = models.CharField(_("platform code"), max_length=18)
    payer_name = models.CharField(_("payer"), max_length=60)
    payer_id_secret = models.TextField()
    payer_id_digest = models.CharField(max_length=64, db_index=True)
    amount_paid = amount(_("amount paid"))
    pay_time = models.CharField(_("paid at"), max_length=14)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["order_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["pay_code", "pay_transaction_id"], name="payment_unique"
            )
        ]

    def __str__(self) -> str:
        return self.pay_transaction_id


class Waybill(Document, Secret):
    logistics_code = models.CharField(_("logistics company code"), max_length=18)
    logistics_no = models.CharField(_("waybill number"), max_length=60)
    freight = amount(_("freight"), optional=True)
    weight = amount(_("gross weight (kg)"))
    consignee = models.CharField(_("consignee"), max_length=100)
    consignee_address = models.CharField(_("consignee address"), max_length=200)
    consignee_telephone_secret = models.TextField()
    consignee_telephone_digest = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("waybill")
        verbose_name_plural = _("waybills")
        ordering = ["order_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["logistics_code", "logistics_no"], name="waybill_unique"
            )
        ]

    def __str__(self) -> str:
        return self.logistics_no


class Inventory(Document, Secret):
    ebp_code = models.CharField(_("platform code"), max_length=18)
    ebc_code = models.CharField(_("enterprise code"), max_length=18)
    logistics_code = models.CharField(_("logistics company code"), max_length=18)
    logistics_no = models.CharField(_("waybill number"), max_length=60)
    agent_code = models.CharField(_("declaring agent code"), max_length=18)
    cop_no = models.CharField(_("enterprise's internal number"), max_length=20, blank=True)
    assure_code = models.CharField(_("guarantor code"), max_length=30)
    trade_mode = models.CharField(_("trade mode"), max_length=4)
    customs_code = models.CharField(_("customs district"), max_length=4)
    buyer_name = models.CharField(_("buyer"), max_length=60)
    buyer_id_secret = models.TextField()
    buyer_id_digest = models.CharField(max_length=64, db_index=True)
    freight = amount(_("freight"))
    declared_on = models.DateField(_("declared on"))
    invt_no = models.CharField(
        _("customs inventory number"), max_length=20, blank=True, db_index=True
    )
    cancelled = models.BooleanField(
        _("cancelled by customs (撤单)"), default=False, db_default=False
    )

    class Meta:
        verbose_name = _("import inventory")
        verbose_name_plural = _("import inventories")
        ordering = ["-declared_on", "order_no"]
        constraints = [
            models.UniqueConstraint(
                fields=["ebp_code", "ebc_code", "order_no"], name="inventory_unique"
            )
        ]

    def __str__(self) -> str:
        return self.order_no


def declared_inventory(ebp_code: str, ebc_code: str, order_no: str) -> Inventory | None:
    """The live import inventory of an order (not deleted by its sender)."""
    return Inventory.objects.filter(
        ebp_code=ebp_code, ebc_code=ebc_code, order_no=order_no, withdrawn=False
    ).first()


def named_inventory(code: str, text: Callable[[str], str]) -> Inventory | ExportInventory | None:
    """The live inventory a cancellation or a return — or customs' answer to one — names, `text`
    giving its head's fields: an import inventory (623, 625 …) by its order, an export one
    (605, 213, 606, 214) by its customs number."""
    if code in {"605", "213", "606", "214"}:
        return ExportInventory.objects.filter(invt_no=text("invtNo"), withdrawn=False).first()
    return declared_inventory(text("ebpCode"), text("ebcCode"), text("orderNo"))


class InventoryItem(models.Model):
    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="items")
    gnum = models.PositiveIntegerField(_("item number"))
    item_record_no = models.CharField(_("goods record number"), max_length=30, blank=True)
    item_no = models.CharField(_("SKU"), max_length=20, blank=True)
    gcode = models.CharField(_("HS code"), max_length=10)
    gname = models.CharField(_("goods name"), max_length=250)
    qty = amount(_("quantity"))
    unit = models.CharField(_("unit"), max_length=3)
    price = amount(_("price"))
    total_price = amount(_("total price"))
    country = models.CharField(_("origin country"), max_length=3)
    returned_qty = models.DecimalField(
        _("quantity returned (退货)"), max_digits=19, decimal_places=5, default=0, db_default=0
    )

    class Meta:
        ordering = ["inventory", "gnum"]

    def __str__(self) -> str:
        return f"{self.gnum} {self.gname}"


class TaxBillStatus(models.TextChoices):
    GENERATED = "1", _("generated")
    SUMMARISED = "2", _("summarised")
    VOID = "3", _("void")


class TaxBill(models.Model):
    """A customs electronic tax bill (电子税单, CEB816) of an import inventory, as customs sent it;
    a later receipt of the same bill replaces its values."""

    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="tax_bills")
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="+")
    tax_no = models.CharField(_("tax bill number"), max_length=50, unique=True)
    customs_tax = amount(_("customs duty"))
    value_added_tax = amount(_("VAT"))
    consumption_tax = amount(_("consumption tax"))
    status = models.CharField(_("status"), max_length=1, choices=TaxBillStatus.choices)
    return_time = models.CharField(_("return time"), max_length=17)
    ent_duty_no = models.CharField(_("payment form number"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("electronic tax bill")
        verbose_name_plural = _("electronic tax bills")
        ordering = ["inventory", "tax_no"]

    def __str__(self) -> str:
        return self.tax_no

    @property
    def total(self) -> Decimal:
        total: Decimal = self.customs_tax + self.value_added_tax + self.consumption_tax
        return total


class ExchangeRate(models.Model):
    """Yuan per unit of a declared currency from a date, as the city records it with its source:
    export values in other currencies are converted by the rate in force on the declaration
    date (a new rate is a new row)."""

    currency = models.CharField(_("currency (customs code)"), max_length=3)
    valid_from = models.DateField(_("valid from"))
    cny_per_unit = models.DecimalField(_("yuan per unit"), max_digits=12, decimal_places=6)
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "valid_from"], name="rate_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.valid_from}: {self.cny_per_unit}"


class TaxPolicy(models.Model):
    """The retail import tax rules in force from a date (a change of policy is a new row)."""

    valid_from = models.DateField(_("valid from"), unique=True)
    single_limit = models.DecimalField(
        _("single transaction limit"), max_digits=12, decimal_places=2
    )
    annual_limit = models.DecimalField(
        _("annual limit per person"), max_digits=12, decimal_places=2
    )
    within_limit_share = models.DecimalField(
        _("share of VAT and consumption tax levied within limits"), max_digits=5, decimal_places=4
    )
    duty_rate_within_limit = models.DecimalField(
        _("customs duty rate within limits"), max_digits=5, decimal_places=4
    )
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("retail import tax policy")
        verbose_name_plural = _("retail import tax policies")
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.source}"


class ExportInventory(Document):
    """An export inventory (603): one parcel's declaration, later summarised (701)."""

    ebp_code = models.CharField(_("platform code"), max_length=18)
    ebc_code = models.CharField(_("enterprise code"), max_length=18)
    owner_code = models.CharField(_("producer or seller code"), max_length=18)
    agent_code = models.CharField(_("declaring agent code"), max_length=18)
    logistics_code = models.CharField(_("logistics company code"), max_length=18)
    logistics_no = models.CharField(_("waybill number"), max_length=60)
    cop_no = models.CharField(_("enterprise's internal number"), max_length=30)
    customs_code = models.CharField(_("customs district"), max_length=4)
    trade_mode = models.CharField(_("trade mode"), max_length=4)
    statistics_flag = models.CharField(_("statistics flag"), max_length=1)
    country = models.CharField(_("destination country"), max_length=3)
    invt_no = models.CharField(
        _("customs inventory number"), max_length=20, blank=True, db_index=True
    )
    declared_on = models.DateField(_("declared on"))
    cancelled = models.BooleanField(
        _("cancelled by customs (撤单)"), default=False, db_default=False
    )

    class Meta:
        verbose_name = _("export inventory")
        verbose_name_plural = _("export inventories")
        ordering = ["-declared_on", "order_no"]
        constraints = [
            models.UniqueConstraint(fields=["ebc_code", "order_no"], name="export_inventory_unique")
        ]

    def __str__(self) -> str:
        return self.order_no


class ExportInventoryItem(models.Model):
    inventory = models.ForeignKey(ExportInventory, on_delete=models.CASCADE, related_name="items")
    gnum = models.PositiveIntegerField(_("item number"))
    item_no = models.CharField(_("SKU"), max_length=20)
    gcode = models.CharField(_("HS code"), max_length=10)
    gname = models.CharField(_("goods name"), max_length=250)
    qty = amount(_("quantity"))
    unit = models.CharField(_("unit"), max_length=3)
    price = amount(_("price"))
    total_price = amount(_("total price"))
    currency = models.CharField(_("currency"), max_length=3)
    returned_qty = models.DecimalField(
        _("quantity returned (退货)"), max_digits=19, decimal_places=5, default=0, db_default=0
    )

    class Meta:
        ordering = ["inventory", "gnum"]

    def __str__(self) -> str:
        return f"{self.gnum} {self.gname}"

"""Receiving CEB messages from enterprises: the checks that need the platform's records, and the
storing of the import documents they carry.

Rules (after the message checks of `messages` and `rules`):
- only an enterprise user whose organisation's filing is approved may send, and only messages
  its roles allow (an order from a platform, an enterprise or a logistics company, a payment from
  a payment institution, a waybill from a logistics company, an inventory from a declaring agent,
  an e-commerce enterprise or a platform …); receipts (even codes) come from customs, never from
  an enterprise;
- `BaseTransfer/copCode` is one of the sender's codes (customs registration code or credit code);
- every enterprise a document names (platform, enterprise, logistics, payment, agent) has an
  approved filing; every inventory item is a good filed by the e-commerce enterprise (its
  `itemNo`, or its `itemRecordNo`, is a filed item number);
- a message guid is used once (among accepted messages and within a batch);
- a signed message's certificate is one the sender filed (when it filed none: a warning, since
  the platform cannot tell who signed) and is valid at receipt;
- `appType` 1 declares a document whose key (order: platform + order number; payment: payment
  company + transaction; waybill: logistics company + waybill number; inventory: platform +
  enterprise + order number) is not yet declared, or was deleted (it is then the same record,
  declared anew); 2 changes and 3 deletes one that is — stored, or as the batch's earlier
  messages leave it (deleted earlier in the batch, it cannot be changed);
- a batch is applied whole or not at all: when any message of it fails, nothing of it is stored
  but the refused messages themselves (with their CEB900 receipts), so that the sender sees what
  to fix; each valid message of a refused batch is reported as not applied.
"""

from __future__ import annotations

import base64
import datetime
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lxml import etree

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.bulk import insert_rows
from hanjiang.core.errors import PermissionDeniedError
from hanjiang.core.personal import digest, encrypt
from hanjiang.crossborder import tax
from hanjiang.crossborder.messages import NS, Checked, Problem, _parser, check, path_of
from hanjiang.crossborder.models import (
    Channel,
    CustomsStatus,
    DeclaredGuid,
    ExportInventory,
    ExportInventoryItem,
    Filing,
    FilingRole,
    FilingStatus,
    GoodsRecord,
    Inventory,
    InventoryItem,
    Message,
    MessageStatus,
    Order,
    OrderItem,
    Payment,
    Waybill,
    named_inventory,
)
from hanjiang.crossborder.receipts import receipt
from hanjiang.crossborder.rules import PREFIX, Fields, RowCache, _children, _text
from hanjiang.crossborder.signing import DS, certificate_summary, fingerprint

R = FilingRole
SENDERS: dict[str, set[str]] = {
    "311": {R.PLATFORM, R.ENTERPRISE, R.LOGISTICS},
    "411": {R.PAYMENT},
    "511": {R.LOGISTICS},
    "513": {R.LOGISTICS},
    "621": {R.AGENT, R.ENTERPRISE, R.PLATFORM},
    "623": {R.AGENT, R.ENTERPRISE, R.PLATFORM},
    "625": {R.AGENT, R.ENTERPRISE, R.PLATFORM},
    "711": {R.SITE},
    "303": {R.PLATFORM, R.ENTERPRISE},
    "403": {R.PLATFORM, R.ENTERPRISE},
    "505": {R.LOGISTICS},
    "507": {R.SITE, R.LOGISTICS},
    "509": {R.SITE, R.LOGISTICS},
    "607": {R.LOGISTICS, R.AGENT},
    "603": {R.AGENT, R.ENTERPRISE},
    "605": {R.AGENT, R.ENTERPRISE},
    "213": {R.AGENT, R.ENTERPRISE},
    "215": {R.AGENT, R.ENTERPRISE, R.SITE},
    "701": {R.AGENT, R.ENTERPRISE},
}


@dataclass
class Outcome:
    name: str
    checked: Checked
    status: str = ""  # accepted, refused, not_applied
    message: Message | None = None
    receipt: bytes = b""
    documents: list[Any] = field(default_factory=list)

    @property
    def problems(self) -> list[Problem]:
        return self.checked.problems


def _problem(code: str, element: etree._Element, message: Any) -> Problem:
    return Problem(code, path_of(element), message, "platform")


class Intake:
    """The checks of one batch against the records (and the batch's own earlier messages)."""

    def __init__(self, sender: Filing) -> None:
        self.sender = sender
        self.approved: dict[str, Filing] = {}
        for filing in Filing.objects.filter(status=FilingStatus.APPROVED).select_related(
            "organisation"
        ):
            for code in filing.codes:
                self.approved[code] = filing
        self.guids: set[str] = set()
        self.keys: dict[tuple[str, ...], int] = {}  # document key → app type seen in the batch
        self.spent: dict[tuple[str, int], Decimal] = {}  # (buyer digest, year) → batch total
        self.totals: dict[tuple[str, int], Decimal] = {}  # … → stored total before the batch
        self.policies: dict[datetime.date, Any] = {}
        self.accepted_guids: set[str] | None = None  # of the batch, when looked up together
        self.held: dict[Any, set[tuple[str, ...]]] = {}  # model → keys of its live documents
        self.rows = RowCache()  # the items the rules read, read on by the review and the storing
        # (return message type, inventory key) → quantity asked back by item: the returns
        # awaiting customs, then those of this batch, head by head
        self.asked: dict[tuple[str, tuple[str, ...]], defaultdict[int, Decimal]] = {}
        self.pending_read: set[str] = set()  # return message types whose pending ones are read
        # model → keys ({field: value} as a set) of documents their senders deleted (appType 3)
        self.withdrawn: dict[Any, set[frozenset[tuple[str, str]]]] = {}

    def prefetch(self, batch: Sequence[Checked]) -> None:
        """Look up, in a few queries for the whole batch, what `review` asks of the records for
        each message: guids already accepted, documents already declared, buyers' year totals."""
        guids = [checked.guid for checked in batch]
        self.accepted_guids = set()
        for first in range(0, len(guids), 500):
            self.accepted_guids |= set(
                Message.objects.filter(
                    guid__in=guids[first : first + 500], status=MessageStatus.ACCEPTED
                ).values_list("guid", flat=True)
            )
        keys: dict[Any, list[tuple[str, ...]]] = {}
        buyers: dict[int, set[str]] = {}
        for checked in batch:
            spec = HELD.get(checked.code)
            if spec is None or checked.tree is None:
                continue
            block_name, head_name, model, _fields, names = spec
            for block in _children(checked.tree, block_name):
                head = block.find(f"{PREFIX}{head_name}")
                if head is None:
                    continue
                found = Fields(head)
                keys.setdefault(model, []).append(tuple(_text(found, name) for name in names))
                if model is Order and _text(found, "appType") == "1":
                    year = _day(_text(found, "appTime")).year
                    buyers.setdefault(year, set()).add(digest(_text(found, "buyerIdNumber")))
        for model, wanted in keys.items():
            fields = next(spec[3] for spec in HELD.values() if spec[2] is model)
            numbers = sorted({key[-1] for key in wanted})
            held: set[tuple[str, ...]] = set()
            deleted: set[frozenset[tuple[str, str]]] = set()
            for first in range(0, len(numbers), 500):
                for *values, withdrawn in model.objects.filter(
                    **{f"{fields[-1]}__in": numbers[first : first + 500]}
                ).values_list(*fields, "withdrawn"):
                    if withdrawn:
                        deleted.add(frozenset(zip(fields, values, strict=True)))
                    else:
                        held.add(tuple(values))
            self.held[model] = held
            self.withdrawn[model] = deleted
        for year, digests in buyers.items():
            self.totals |= {(buyer, year): Decimal(0) for buyer in digests}
            self.totals |= {
                (buyer, year): goods + freight
                for buyer, goods, freight in tax.year_totals(sorted(digests), year)
            }

    def returned(
        self, message_type: str, key_of: Callable[[Fields], tuple[str, ...]], key: tuple[str, ...]
    ) -> defaultdict[int, Decimal]:
        """The quantities asked back so far of the inventory with `key`, by item (see `asked`);
        the returns awaiting customs are read once per batch and message type, for every
        inventory."""
        if message_type not in self.pending_read:
            for found, pending in _pending_returns(message_type, key_of).items():
                self.asked[(message_type, found)] = pending
            self.pending_read.add(message_type)
        return self.asked.setdefault((message_type, key), defaultdict(Decimal))

    def is_party(self, inventory: Any, element: etree._Element, problems: list[Problem]) -> bool:
        """Whether the sender is the inventory's platform, enterprise or declaring agent, who
        alone may cancel it or declare its return (a problem when not)."""
        if {inventory.ebp_code, inventory.ebc_code, inventory.agent_code} & set(self.sender.codes):
            return True
        problems.append(
            _problem(
                "not_a_party",
                element,
                _(
                    "Only the inventory's platform, enterprise or declaring agent may cancel it "
                    "or declare its return."
                ),
            )
        )
        return False

    def is_held(self, model: Any, fields: tuple[str, ...], key: tuple[str, ...]) -> bool:
        """Whether a live document of `model` has this key (prefetched for the batch)."""
        if model in self.held:
            return key in self.held[model]
        return bool(
            model.objects.filter(**dict(zip(fields, key, strict=True)), withdrawn=False).exists()
        )

    def quota(self, block: etree._Element, head: Fields, problems: list[Problem]) -> None:
        """Warn before a new order would take the buyer beyond the retail import limits."""
        if _text(head, "appType") != "1":
            return
        day = _day(_text(head, "appTime"))
        buyer = digest(_text(head, "buyerIdNumber"))
        rows = self.rows.get(block, "OrderList", ORDER_ITEMS.values())
        goods = sum((Decimal(row.get("totalPrice") or "0") for row in rows), Decimal(0))
        single_item = len(rows) == 1 and Decimal(rows[0].get("qty") or "0") == 1
        in_batch = self.spent.get((buyer, day.year), Decimal(0))
        if (buyer, day.year) not in self.totals:
            self.totals[(buyer, day.year)] = tax.year_total(buyer, day.year)
        earlier = self.totals[(buyer, day.year)] + in_batch
        if day not in self.policies:
            try:
                self.policies[day] = tax.policy_on(day)
            except LookupError:
                self.policies[day] = None
        policy = self.policies[day]
        if policy is None:
            return  # no tax policy recorded for that day: nothing to warn about
        result = tax.limits(goods, _decimal(head, "freight"), single_item, earlier, policy)
        self.spent[(buyer, day.year)] = in_batch + result.dutiable.quantize(tax.CENT)
        where = head.get("goodsValue")
        for note in result.notes:
            problems.append(
                Problem(
                    "quota" if result.treatment == "general_trade" else "full_tax",
                    path_of(where if where is not None else head.parent),
                    note,
                    "policy",
                    "warning",
                )
            )

    def review(self, checked: Checked) -> None:
        root = checked.tree
        assert root is not None  # noqa: S101 - only valid messages are reviewed
        code = checked.code
        problems = checked.problems
        if code not in SENDERS:
            problems.append(
                _problem(
                    "wrong_direction",
                    root,
                    _("A %(type)s is sent by customs, not by an enterprise.")
                    % {"type": checked.message_type},
                )
            )
            return
        if not SENDERS[code] & set(self.sender.roles):
            problems.append(
                _problem(
                    "wrong_role",
                    root,
                    _("Your filing's roles do not include sending a %(type)s.")
                    % {"type": checked.message_type},
                )
            )
        transfer = root.find(f"{PREFIX}BaseTransfer")
        cop = transfer.find(f"{PREFIX}copCode") if transfer is not None else None
        if cop is not None and (cop.text or "").strip() not in self.sender.codes:
            problems.append(
                _problem(
                    "wrong_sender",
                    cop,
                    _("copCode “%(code)s” is not one of your filed codes.")
                    % {"code": (cop.text or "").strip()},
                )
            )
        accepted = (
            checked.guid in self.accepted_guids
            if self.accepted_guids is not None
            else Message.objects.filter(guid=checked.guid, status=MessageStatus.ACCEPTED).exists()
        )
        if accepted or checked.guid in self.guids:
            problems.append(
                _problem(
                    "duplicate_guid",
                    root,
                    _("A message with guid %(guid)s was already received.")
                    % {"guid": checked.guid},
                )
            )
        self.guids.add(checked.guid)
        self.certificate(root, problems)
        reviewer = REVIEWS.get(code)
        if reviewer is not None:
            reviewer(self, root, problems)

    def certificate(self, root: etree._Element, problems: list[Problem]) -> None:
        """A signed message's certificate (its signature verified by the check) is one of those
        the sender filed — when it filed any: else a warning — and valid at receipt."""
        signature = root.find(f"{{{DS}}}Signature")
        element = signature.find(f".//{{{DS}}}X509Certificate") if signature is not None else None
        if element is None:
            return
        der = base64.b64decode("".join((element.text or "").split()))
        filed = {known["fingerprint"]: known for known in self.sender.certificates or []}
        certificate = filed.get(fingerprint(der))  # read when it was filed
        if certificate is None:
            try:
                certificate = certificate_summary(der)
            except ValueError:
                problems.append(
                    _problem("certificate_invalid", element, _("The certificate cannot be read."))
                )
                return
        if not filed:
            problems.append(
                Problem(
                    "certificate_not_filed",
                    path_of(element),
                    _(
                        "Your filing lists no signing certificate: the platform cannot tell who "
                        "signed this message."
                    ),
                    "platform",
                    "warning",
                )
            )
        elif certificate["fingerprint"] not in filed:
            problems.append(
                _problem(
                    "unfiled_certificate",
                    element,
                    _(
                        "The message is signed with a certificate your filing does not list "
                        "(%(subject)s, SHA-256 %(fingerprint)s…)."
                    )
                    % {
                        "subject": certificate["subject"],
                        "fingerprint": certificate["fingerprint"][:16],
                    },
                )
            )
        now = timezone.now()
        start = datetime.datetime.fromisoformat(certificate["not_before"])
        end = datetime.datetime.fromisoformat(certificate["not_after"])
        if not start <= now <= end:
            problems.append(
                _problem(
                    "certificate_expired",
                    element,
                    _("The certificate is valid from %(start)s to %(end)s, not at receipt.")
                    % {
                        "start": certificate["not_before"][:10],
                        "end": certificate["not_after"][:10],
                    },
                )
            )

    # Shared checks ------------------------------------------------------------------------------

    def filed(self, found: Fields, names: Sequence[str], problems: list[Problem]) -> None:
        for name in names:
            element = found.get(name)
            value = (element.text or "").strip() if element is not None else ""
            if element is not None and value and value not in self.approved:
                problems.append(
                    _problem(
                        "unfiled_enterprise",
                        element,
                        _("%(name)s “%(code)s” has no approved filing.")
                        % {"name": name, "code": value},
                    )
                )

    def declared(
        self,
        found: Fields,
        key: tuple[str, ...],
        exists: bool,
        problems: list[Problem],
    ) -> None:
        """appType 1 needs a new key, 2 and 3 an existing one (stored or earlier in the batch)."""
        app_type = _text(found, "appType")
        element = found.get("appType")
        last = self.keys.get(key)  # the batch's last appType for the key, when it has one
        known = last in {1, 2} if last is not None else exists
        if element is None:
            return
        if app_type == "1" and known:
            problems.append(
                _problem(
                    "already_declared",
                    element,
                    _("%(key)s is already declared: change it with appType 2.")
                    % {"key": " / ".join(key[1:])},
                )
            )
        elif app_type in {"2", "3"} and not known:
            problems.append(
                _problem(
                    "not_declared",
                    element,
                    _("%(key)s has not been declared: there is nothing to change or delete.")
                    % {"key": " / ".join(key[1:])},
                )
            )
        self.keys[key] = int(app_type) if app_type.isdecimal() else 0


def _review_order(intake: Intake, root: etree._Element, problems: list[Problem]) -> None:
    for block in _children(root, "Order"):
        head_element = block.find(f"{PREFIX}OrderHead")
        if head_element is None:
            continue
        head = Fields(head_element)
        intake.filed(head, ("ebpCode", "ebcCode", "payCode"), problems)
        key = ("order", _text(head, "ebpCode"), _text(head, "orderNo"))
        exists = intake.is_held(Order, HELD["311"][3], key[1:])
        intake.declared(head, key, exists, problems)
        intake.quota(block, head, problems)


def _review_payment(intake: Intake, root: etree._Element, problems: list[Problem]) -> None:
    for block in _children(root, "Payment"):
        head_element = block.find(f"{PREFIX}PaymentHead")
        if head_element is None:
            continue
        head = Fields(head_element)
        intake.filed(head, ("payCode", "ebpCode"), problems)
        key = ("payment", _text(head, "payCode"), _text(head, "payTransactionId"))
        exists = intake.is_held(Payment, HELD["411"][3], key[1:])
        intake.declared(head, key, exists, problems)


def _review_waybill(intake: Intake, root: etree._Element, problems: list[Problem]) -> None:
    for block in _children(root, "Logistics"):
        head_element = block.find(f"{PREFIX}LogisticsHead")
        if head_element is None:
            continue
        head = Fields(head_element)
        intake.filed(head, ("logisticsCode",), problems)
        key = ("waybill", _text(head, "logisticsCode"), _text(head, "logisticsNo"))
        exists = intake.is_held(Waybill, HELD["511"][3], key[1:])
        intake.declared(head, key, exists, problems)


def _review_inventory(intake: Intake, root: etree._Element, problems: list[Problem]) -> None:
    for block in _children(root, "Inventory"):
        head_element = block.find(f"{PREFIX}InventoryHead")
        if head_element is None:
            continue
        head = Fields(head_element)
        intake.filed(head, ("ebpCode", "ebcCode", "logisticsCode", "agentCode"), problems)
        key = ("inventory", _text(head, "ebpCode"), _text(head, "ebcCode"), _text(head, "orderNo"))
        exists = intake.is_held(Inventory, HELD["621"][3], key[1:])
        intake.declared(head, key, exists, problems)
        owner = intake.approved.get(_text(head, "ebcCode"))
        if owner is None:
            continue
        filed = set(GoodsRecord.objects.filter(filing=owner).values_list("item_no", flat=True))
        for item in _children(block, "InventoryList"):
            found = Fields(item)
            names = {_text(found, "itemNo"), _text(found, "itemRecordNo")} - {""}
            if not names & filed:
                element = next(
                    (e for e in (found.get("itemNo"), found.get("gname")) if e is not None), item
                )
                problems.append(
                    _problem(
                        "unfiled_good",
                        element,
                        _("Item %(gnum)s “%(name)s” is not a good filed by %(owner)s.")
                        % {
                            "gnum": _text(found, "gnum"),
                            "name": _text(found, "gname"),
                            "owner": owner,
                        },
                    )
                )


def _review_export_inventory(intake: Intake, root: etree._Element, problems: list[Problem]) -> None:
    for block in _children(root, "Inventory"):
        head_element = block.find(f"{PREFIX}InventoryHead")
        if head_element is None:
            continue
        head = Fields(head_element)
        intake.filed(head, ("ebcCode", "agentCode", "logisticsCode"), problems)
        key = ("export", _text(head, "ebcCode"), _text(head, "orderNo"))
        exists = intake.is_held(ExportInventory, HELD["603"][3], key[1:])
        intake.declared(head, key, exists, problems)


def _import_return_key(head: Fields) -> tuple[str, ...]:
    return (_text(head, "ebpCode"), _text(head, "ebcCode"), _text(head, "orderNo"))


def _export_return_key(head: Fields) -> tuple[str, ...]:
    return (_text(head, "invtNo"),)


def _pending_returns(
    message_type: str, key_of: Callable[[Fields], tuple[str, ...]]
) -> dict[tuple[str, ...], defaultdict[int, Decimal]]:
    """The quantities, by inventory (the `key_of` its return heads) and item, of the accepted
    returns (`message_type`) that customs has neither approved (399 and on) nor rejected yet."""
    pending: dict[tuple[str, ...], defaultdict[int, Decimal]] = {}
    decided = ["100", "399", "800", "899"]
    documents = DeclaredGuid.objects.filter(message=OuterRef("pk"))
    undecided = documents.exclude(customs_status__in=decided)
    # A message with an undecided document; one stored before documents were recorded goes by
    # its own status.
    for message in Message.objects.filter(
        Q(Exists(undecided)) | (~Q(Exists(documents)) & ~Q(customs_status__in=decided)),
        message_type=message_type,
        status=MessageStatus.ACCEPTED,
    ).prefetch_related("declared_guids"):
        statuses = {found.guid: found.customs_status for found in message.declared_guids.all()}
        root = etree.fromstring(message.content.encode("utf-8"), _parser())
        for element in root.iterfind(f".//{PREFIX}InvtRefundHead"):
            block = element.getparent()
            head = Fields(element)
            if block is None or statuses.get(_text(head, "guid")) in decided:
                continue
            asked = pending.setdefault(key_of(head), defaultdict(Decimal))
            for row in block.iterchildren(f"{PREFIX}InvtRefundList"):
                line = Fields(row)
                gnum = _text(line, "gnum")
                if gnum.isdecimal():
                    asked[int(gnum)] += Decimal(_text(line, "qty") or "0")
    return pending


def _review_return_lines(
    inventory: Any, element: etree._Element, asked: dict[int, Decimal], problems: list[Problem]
) -> None:
    """A return's lines (those of its own block: a message may carry several) are items of the
    inventory, each returning, with the returns still awaiting customs (`asked`), at most what
    is left."""
    items = {item.gnum: item for item in inventory.items.all()}
    block = element.getparent()
    for row in block.iterchildren(f"{PREFIX}InvtRefundList") if block is not None else []:
        line = Fields(row)
        gnum, qty = _text(line, "gnum"), Decimal(_text(line, "qty") or "0")
        item = items.get(int(gnum)) if gnum.isdecimal() else None
        if item is not None:
            asked[item.gnum] += qty
            qty = asked[item.gnum]
        if item is None:
            problems.append(
                _problem(
                    "unknown_item",
                    line["gnum"],
                    _("Item %(gnum)s is not an item of the inventory.") % {"gnum": gnum},
                )
            )
        elif qty > item.qty - item.returned_qty:
            problems.append(
                _problem(
                    "return_exceeds",
                    line["qty"],
                    _("Item %(gnum)s returns %(qty)s in all; at most %(left)s are left to return.")
                    % {
                        "gnum": gnum,
                        "qty": qty,
                        "left": (item.qty - item.returned_qty).normalize(),
                    },
                )
            )


def _review_cancellation(intake: Intake, root: etree._Element, problems: list[Problem]) -> None:
    """A cancellation (623) or a return (625) names a declared inventory of the sender's
    parties; a return's items are items of that inventory, each returning at most what is left."""
    code = etree.QName(root).localname[3:6]
    refund = code == "625"
    for element in root.iterfind(f".//{PREFIX}{'InvtRefundHead' if refund else 'InvtCancel'}"):
        head = Fields(element)
        intake.filed(head, ("ebpCode", "ebcCode", "agentCode"), problems)
        inventory = named_inventory(code, head.text)
        if inventory is None:
            problems.append(
                _problem(
                    "unknown_inventory",
                    head.get("orderNo") if head.get("orderNo") is not None else element,
                    _("No inventory of order %(order)s has been declared.")
                    % {"order": _text(head, "orderNo")},
                )
            )
            continue
        if not intake.is_party(inventory, element, problems):
            continue
        if inventory.invt_no and _text(head, "invtNo") != inventory.invt_no:
            problems.append(
                _problem(
                    "wrong_inventory_number",
                    head.get("invtNo") if head.get("invtNo") is not None else element,
                    _("invtNo “%(given)s” is not the customs number %(number)s of that inventory.")
                    % {"given": _text(head, "invtNo"), "number": inventory.invt_no},
                )
            )
        if not refund:
            continue
        key = (inventory.ebp_code, inventory.ebc_code, inventory.order_no)
        asked = intake.returned("CEB625Message", _import_return_key, key)
        _review_return_lines(inventory, element, asked, problems)


# The documents a message declares: message code → (block, head, model, the model's key fields,
# the head's key elements).
HELD: dict[str, tuple[str, str, Any, tuple[str, ...], tuple[str, ...]]] = {
    "311": ("Order", "OrderHead", Order, ("ebp_code", "order_no"), ("ebpCode", "orderNo")),
    "411": (
        "Payment",
        "PaymentHead",
        Payment,
        ("pay_code", "pay_transaction_id"),
        ("payCode", "payTransactionId"),
    ),
    "511": (
        "Logistics",
        "LogisticsHead",
        Waybill,
        ("logistics_code", "logistics_no"),
        ("logisticsCode", "logisticsNo"),
    ),
    "621": (
        "Inventory",
        "InventoryHead",
        Inventory,
        ("ebp_code", "ebc_code", "order_no"),
        ("ebpCode", "ebcCode", "orderNo"),
    ),
    "603": (
        "Inventory",
        "InventoryHead",
        ExportInventory,
        ("ebc_code", "order_no"),
        ("ebcCode", "orderNo"),
    ),
}


def _review_export_cancellation(
    intake: Intake, root: etree._Element, problems: list[Problem]
) -> None:
    """An export cancellation (605) or return (213) names, by its customs number, an export
    inventory of the sender's parties; a return's items are items of that inventory, each
    returning at most what is left."""
    code = etree.QName(root).localname[3:6]
    refund = code == "213"
    for element in root.iterfind(f".//{PREFIX}{'InvtRefundHead' if refund else 'InvtCancel'}"):
        head = Fields(element)
        intake.filed(head, ("ebcCode", "agentCode"), problems)
        number = _text(head, "invtNo")
        inventory = named_inventory(code, head.text)
        if inventory is None:
            problems.append(
                _problem(
                    "unknown_inventory",
                    head.get("invtNo") if head.get("invtNo") is not None else element,
                    _("No export inventory has the customs number %(number)s.")
                    % {"number": number},
                )
            )
        elif intake.is_party(inventory, element, problems) and refund:
            asked = intake.returned("CEB213Message", _export_return_key, (number,))
            _review_return_lines(inventory, element, asked, problems)


REVIEWS: dict[str, Callable[[Intake, etree._Element, list[Problem]], None]] = {
    "603": _review_export_inventory,
    "311": _review_order,
    "411": _review_payment,
    "511": _review_waybill,
    "621": _review_inventory,
    "623": _review_cancellation,
    "625": _review_cancellation,
    "605": _review_export_cancellation,
    "213": _review_export_cancellation,
}


# Storing ---------------------------------------------------------------------------------------


def _decimal(found: Fields, name: str) -> Decimal:
    return Decimal(_text(found, name) or "0")


def _day(text: str) -> datetime.date:
    return datetime.date(int(text[0:4]), int(text[4:6]), int(text[6:8]))


def _secret(target: Any, field_name: str, value: str) -> None:
    setattr(target, f"{field_name}_secret", encrypt(value))
    setattr(target, f"{field_name}_digest", digest(value))


class Writer:
    """The documents of one batch, written together once the batch is accepted: each model's new
    documents in one statement, the items of every document of a kind in one statement, changed
    documents one by one (their items replaced). A document declared and changed within the same
    batch is one document."""

    def __init__(
        self, rows: RowCache, withdrawn: dict[Any, set[frozenset[tuple[str, str]]]]
    ) -> None:
        self.rows = rows
        self.withdrawn = withdrawn
        self.documents: dict[tuple[Any, tuple[str, ...]], Any] = {}
        self.items: dict[int, tuple[Any, Any, tuple[str, ...], list[list[Any]]]] = {}

    def document(self, model: Any, key: dict[str, str], head: Fields, message: Message) -> Any:
        """The document of `key` to fill: a new one (appType 1) — or the deleted one it declares
        anew —, or the one declared (2, 3), earlier in the batch or stored."""
        app_type = _text(head, "appType")
        known = (model, tuple(key.values()))
        document = self.documents.get(known)
        if document is None and app_type != "1":
            document = model.objects.filter(**key, withdrawn=False).first()
        elif document is None and frozenset(key.items()) in self.withdrawn.get(model, set()):
            document = model.objects.filter(**key).first()  # declared anew after its deletion
        document = document or model(**key)
        if document.pk is not None:  # declared anew: customs answers the new declaration
            document.status, document.status_info = CustomsStatus.DECLARING, ""
        document.message = message
        document.guid = _text(head, "guid")
        document.app_type = app_type
        document.order_no = _text(head, "orderNo")
        document.withdrawn = app_type == "3"
        self.documents[known] = document
        return document

    def replace_items(
        self, model: Any, parent: Any, block: etree._Element, list_name: str, fields: dict[str, str]
    ) -> None:
        """The document's items are the block's `list_name` elements: {attribute: element},
        `gnum` as a number, amounts as the schema-valid decimal texts they are (0 when absent)
        — the database reads them as it would read decimals."""
        names = list(fields.values())
        empty = ["0" if name in AMOUNTS else "" for name in names]
        rows = [
            [int(found["gnum"])]
            + [found.get(name) or none for name, none in zip(names, empty, strict=True)]
            for found in self.rows.get(block, list_name, names)
        ]
        self.items[id(parent)] = (model, parent, ("gnum", *fields), rows)

    def write(self) -> None:
        by_model: dict[Any, list[Any]] = defaultdict(list)
        for (model, _key), document in self.documents.items():
            by_model[model].append(document)
        changed = {id(document) for document in self.documents.values() if document.pk is not None}
        for model, documents in by_model.items():
            model.objects.bulk_create([document for document in documents if document.pk is None])
            for document in documents:
                if id(document) in changed:
                    document.save()
        by_item_model: dict[tuple[Any, tuple[str, ...]], list[list[Any]]] = defaultdict(list)
        for model, parent, columns, rows in self.items.values():
            if id(parent) in changed:  # a change replaces the items of the document it changes
                model.objects.filter(**{OWNER[model]: parent}).delete()
            owner = parent.pk
            by_item_model[(model, columns)] += [[owner, *row] for row in rows]
        for (model, columns), rows in by_item_model.items():
            insert_rows(model, [OWNER[model], *columns], rows)


AMOUNTS = {"qty", "price", "totalPrice"}
OWNER = {OrderItem: "order", InventoryItem: "inventory", ExportInventoryItem: "inventory"}


ITEM_COMMON = {"qty": "qty", "price": "price", "total_price": "totalPrice"}
ORDER_ITEMS = ITEM_COMMON | {
    "item_no": "itemNo",
    "item_name": "itemName",
    "unit": "unit",
    "country": "country",
}


def _store_orders(writer: Writer, root: etree._Element, message: Message) -> list[Any]:
    stored = []
    for block in _children(root, "Order"):
        head = Fields(block.find(f"{PREFIX}OrderHead"))
        order = writer.document(
            Order,
            {"ebp_code": _text(head, "ebpCode"), "order_no": _text(head, "orderNo")},
            head,
            message,
        )
        order.ebp_name, order.ebc_code = _text(head, "ebpName"), _text(head, "ebcCode")
        order.ebc_name = _text(head, "ebcName")
        for name, attr in (
            ("goodsValue", "goods_value"),
            ("freight", "freight"),
            ("discount", "discount"),
            ("taxTotal", "tax_total"),
            ("acturalPaid", "actural_paid"),
        ):
            setattr(order, attr, _decimal(head, name))
        order.buyer_name = _text(head, "buyerName")
        _secret(order, "buyer_id", _text(head, "buyerIdNumber"))
        _secret(order, "buyer_telephone", _text(head, "buyerTelephone"))
        _secret(order, "consignee_telephone", _text(head, "consigneeTelephone"))
        order.pay_code = _text(head, "payCode")
        order.pay_transaction_id = _text(head, "payTransactionId")
        order.consignee = _text(head, "consignee")
        order.consignee_address = _text(head, "consigneeAddress")
        order.declared_on = _day(_text(head, "appTime"))
        writer.replace_items(
            OrderItem,
            order,
            block,
            "OrderList",
            ORDER_ITEMS,
        )
        stored.append(order)
    return stored


def _store_payments(writer: Writer, root: etree._Element, message: Message) -> list[Any]:
    stored = []
    for block in _children(root, "Payment"):
        head = Fields(block.find(f"{PREFIX}PaymentHead"))
        payment = writer.document(
            Payment,
            {
                "pay_code": _text(head, "payCode"),
                "pay_transaction_id": _text(head, "payTransactionId"),
            },
            head,
            message,
        )
        payment.ebp_code = _text(head, "ebpCode")
        payment.payer_name = _text(head, "payerName")
        _secret(payment, "payer_id", _text(head, "payerIdNumber"))
        payment.amount_paid = _decimal(head, "amountPaid")
        payment.pay_time = _text(head, "payTime")
        stored.append(payment)
    return stored


def _store_waybills(writer: Writer, root: etree._Element, message: Message) -> list[Any]:
    stored = []
    for block in _children(root, "Logistics"):
        head = Fields(block.find(f"{PREFIX}LogisticsHead"))
        waybill = writer.document(
            Waybill,
            {
                "logistics_code": _text(head, "logisticsCode"),
                "logistics_no": _text(head, "logisticsNo"),
            },
            head,
            message,
        )
        freight = _text(head, "freight")
        waybill.freight = Decimal(freight) if freight else None
        waybill.weight = _decimal(head, "weight")
        waybill.consignee = _text(head, "consignee")
        waybill.consignee_address = _text(head, "consigneeAddress")
        _secret(waybill, "consignee_telephone", _text(head, "consigneeTelephone"))
        stored.append(waybill)
    return stored


def _store_inventories(writer: Writer, root: etree._Element, message: Message) -> list[Any]:
    stored = []
    for block in _children(root, "Inventory"):
        head = Fields(block.find(f"{PREFIX}InventoryHead"))
        inventory = writer.document(
            Inventory,
            {
                "ebp_code": _text(head, "ebpCode"),
                "ebc_code": _text(head, "ebcCode"),
                "order_no": _text(head, "orderNo"),
            },
            head,
            message,
        )
        for name, attr in (
            ("logisticsCode", "logistics_code"),
            ("logisticsNo", "logistics_no"),
            ("agentCode", "agent_code"),
            ("copNo", "cop_no"),
            ("assureCode", "assure_code"),
            ("tradeMode", "trade_mode"),
            ("customsCode", "customs_code"),
            ("buyerName", "buyer_name"),
        ):
            setattr(inventory, attr, _text(head, name))
        _secret(inventory, "buyer_id", _text(head, "buyerIdNumber"))
        inventory.freight = _decimal(head, "freight")
        inventory.declared_on = _day(_text(head, "declTime"))
        writer.replace_items(
            InventoryItem,
            inventory,
            block,
            "InventoryList",
            ITEM_COMMON
            | {
                "item_record_no": "itemRecordNo",
                "item_no": "itemNo",
                "gcode": "gcode",
                "gname": "gname",
                "unit": "unit",
                "country": "country",
            },
        )
        stored.append(inventory)
    return stored


def _store_export_inventories(writer: Writer, root: etree._Element, message: Message) -> list[Any]:
    stored = []
    for block in _children(root, "Inventory"):
        head = Fields(block.find(f"{PREFIX}InventoryHead"))
        inventory = writer.document(
            ExportInventory,
            {"ebc_code": _text(head, "ebcCode"), "order_no": _text(head, "orderNo")},
            head,
            message,
        )
        for name, attr in (
            ("ebpCode", "ebp_code"),
            ("ownerCode", "owner_code"),
            ("agentCode", "agent_code"),
            ("logisticsCode", "logistics_code"),
            ("logisticsNo", "logistics_no"),
            ("copNo", "cop_no"),
            ("customsCode", "customs_code"),
            ("tradeMode", "trade_mode"),
            ("statisticsFlag", "statistics_flag"),
            ("country", "country"),
        ):
            setattr(inventory, attr, _text(head, name))
        inventory.declared_on = _day(_text(head, "appTime"))
        writer.replace_items(
            ExportInventoryItem,
            inventory,
            block,
            "InventoryList",
            ITEM_COMMON
            | {
                "item_no": "itemNo",
                "gcode": "gcode",
                "gname": "gname",
                "unit": "unit",
                "currency": "currency",
            },
        )
        stored.append(inventory)
    return stored


STORES: dict[str, Callable[[Writer, etree._Element, Message], list[Any]]] = {
    "603": _store_export_inventories,
    "311": _store_orders,
    "411": _store_payments,
    "511": _store_waybills,
    "621": _store_inventories,
}


def sender_filing(actor: Any) -> Filing:
    """The approved filing of the enterprise user sending messages, or 403."""
    scope = scope_of(actor)
    if scope.role != Role.ENTERPRISE:
        raise PermissionDeniedError("forbidden", _("Only enterprises send declarations."))
    filing = (
        Filing.objects.select_related("organisation")
        .filter(organisation_id=scope.organisation_id or 0)
        .first()
    )
    if filing is None or filing.status != FilingStatus.APPROVED:
        raise PermissionDeniedError(
            "not_filed", _("Your enterprise has no approved cross-border filing yet.")
        )
    return filing


def messages_receive(
    *, actor: Any, files: Sequence[tuple[str, bytes]], channel: str = Channel.API
) -> list[Outcome]:
    """Check every file, then store the batch whole, or only its refused messages (see the
    module's rules)."""
    filing = sender_filing(actor)
    intake = Intake(filing)
    outcomes = [Outcome(name=name, checked=check(data)) for name, data in files]
    for outcome in outcomes:
        if outcome.checked.rows is not None:
            intake.rows.update(outcome.checked.rows)
    intake.prefetch([outcome.checked for outcome in outcomes if outcome.checked.valid])
    for outcome in outcomes:
        if outcome.checked.valid:
            intake.review(outcome.checked)
    refused = any(not outcome.checked.valid for outcome in outcomes)
    stored: list[tuple[Outcome, Message]] = []
    for outcome, (name, data) in zip(outcomes, files, strict=True):
        checked = outcome.checked
        if not checked.valid:
            outcome.status = MessageStatus.REFUSED
            outcome.receipt = receipt(checked, data, cop_msg_id=name)
        elif refused:
            outcome.status = "not_applied"
            continue
        else:
            outcome.status = MessageStatus.ACCEPTED
        outcome.message = message = Message(
            guid=checked.guid[:36],
            message_type=checked.message_type,
            filing=filing,
            channel=channel,
            name=name[:255],
            status=outcome.status,
            problems=[
                {
                    "code": p.code,
                    "path": p.path,
                    "message": str(p.message),
                    "basis": p.basis,
                    "severity": p.severity,
                }
                for p in checked.problems
            ],
            receipt=outcome.receipt.decode("utf-8"),
            size=len(data),
            content=data.decode("utf-8") if checked.tree is not None else "",
        )
        stored.append((outcome, message))
    with transaction.atomic():
        Message.objects.bulk_create([message for _outcome, message in stored])
        declared: list[tuple[int, str]] = []  # (message, document guid) of accepted messages
        writer = Writer(intake.rows, intake.withdrawn)
        for outcome, message in stored:
            tree = outcome.checked.tree
            if outcome.status != MessageStatus.ACCEPTED or tree is None:
                continue
            declared += [(message.pk, guid.strip()[:36]) for guid in DOCUMENT_GUIDS(tree)]
            store = STORES.get(outcome.checked.code)
            if store is not None:
                outcome.documents = store(writer, tree, message)
        writer.write()
        insert_rows(DeclaredGuid, ("message", "guid"), declared)
    return outcomes


# The guid of each business document of a message (a block's, or its head's), as receipts cite it.
DOCUMENT_GUIDS = etree.XPath(
    "ceb:*/ceb:guid/text() | ceb:*/ceb:*/ceb:guid/text()",
    namespaces={"ceb": NS},
    smart_strings=False,
)

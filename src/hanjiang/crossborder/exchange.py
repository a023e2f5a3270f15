"""Declaring to customs: the terminal-node envelope, the connector to the exchange, the customs
simulator behind the same interface, and the receipts that move each document's status.

Rules:
- an outbound message travels in a terminal-node `DxpMsg` (namespace
  `http://www.chinaport.gov.cn/dxp`, `ver` 1.0): `TransInfo` (CopMsgId, SenderId = the
  enterprise's exchange user id, ReceiverIds, CreatTime, MsgType) and `Data`, the business XML
  Base64-encoded; the envelope is validated against the official terminal-node schema;
- the receiver id of the customs node is a setting (`CROSSBORDER_RECEIVER_ID`): the real value is
  given to a connecting enterprise by the exchange and is not in the public sources;
- a connector sends an envelope and returns the receipts that came back at once (a real exchange
  answers later, through the exchange folder); `CROSSBORDER_CONNECTOR` names its class;
- the simulator answers as customs would, by the specification's status codes: an order,
  payment or waybill is stored (120); an inventory is stored (120) and then, when the platform's
  three-document check of its trade passes, concluded (399) and released (800), otherwise
  rejected (100) with the rules that failed — the platform's pre-check standing in for the
  customs' own comparison, which is not published;
- a receipt moves a document forward only: 2 → 3/4 → 120 → 300/500 → 399 → 800 → 899, or to 100
  (rejected) from any state before release; an older status arriving late is recorded, not
  applied; a rejected document moves again only once it is declared anew;
- receipts of messages without records of their own move the message's customs status the same
  way; an approved cancellation or return (399) changes its inventory once;
- an electronic tax bill (816) is kept against the inventory its customs number names, a later
  receipt of the same bill replacing it; the simulator bills each inventory it releases within
  the retail limits with the platform's own computation (no duty).
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from lxml import etree

from hanjiang.crossborder import statistics, tax
from hanjiang.crossborder.messages import NS, SCHEMAS, _parser, check, path_of
from hanjiang.crossborder.models import (
    Channel,
    CustomsStatus,
    ExportInventory,
    Inventory,
    Message,
    MessageStatus,
    Order,
    Payment,
    TaxBill,
    Waybill,
    named_inventory,
)
from hanjiang.crossborder.rules import PREFIX, Fields, _children, _text
from hanjiang.crossborder.signing import configured_signer, is_signed, sign

DXP = "http://www.chinaport.gov.cn/dxp"
RANK = {"1": 0, "2": 1, "3": 2, "4": 2, "120": 3, "300": 4, "500": 4, "399": 5, "800": 6, "899": 7}


def _terminal_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "ceb-terminal-202205.xsd"), _parser()))


def wrap(data: bytes, *, sender_id: str, message_type: str, cop_msg_id: str) -> bytes:
    """The business message in a terminal-node envelope, validated against its schema."""
    root = etree.Element(f"{{{DXP}}}DxpMsg", nsmap={"dxp": DXP}, ver="1.0")
    info = etree.SubElement(root, f"{{{DXP}}}TransInfo")
    etree.SubElement(info, f"{{{DXP}}}CopMsgId").text = cop_msg_id[:255]
    etree.SubElement(info, f"{{{DXP}}}SenderId").text = sender_id[:16]
    receivers = etree.SubElement(info, f"{{{DXP}}}ReceiverIds")
    etree.SubElement(receivers, f"{{{DXP}}}ReceiverId").text = settings.CROSSBORDER_RECEIVER_ID
    etree.SubElement(info, f"{{{DXP}}}CreatTime").text = (
        timezone.localtime().replace(microsecond=0, tzinfo=None).isoformat()
    )
    etree.SubElement(info, f"{{{DXP}}}MsgType").text = message_type
    etree.SubElement(root, f"{{{DXP}}}Data").text = base64.b64encode(data).decode("ascii")
    schema = _terminal_schema()
    if not schema.validate(root):
        raise ValueError(str(schema.error_log))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def unwrap(envelope: bytes) -> bytes:
    root = etree.fromstring(envelope, _parser())
    data = root.find(f"{{{DXP}}}Data")
    if data is None:
        raise ValueError("No Data in the envelope.")
    return base64.b64decode("".join((data.text or "").split()))


class Connector(Protocol):
    def send(self, envelope: bytes) -> list[bytes]: ...


def connector() -> Connector:
    return import_string(settings.CROSSBORDER_CONNECTOR)()  # type: ignore[no-any-return]


# The customs simulator ------------------------------------------------------------------------


def _return_time() -> str:
    now = timezone.localtime()
    return now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}"


def _receipt(code: str, block: str, values: list[tuple[str, str]], answers: str = "") -> bytes:
    """A receipt message; its block names the document it `answers` by guid, when given."""
    guid = str(uuid.uuid4()).upper()
    root = etree.Element(f"{PREFIX}CEB{code}Message", nsmap={"ceb": NS}, guid=guid, version="1.0")
    body = etree.SubElement(root, f"{PREFIX}{block}")
    for name, value in [("guid", answers or guid), *values]:
        etree.SubElement(body, f"{PREFIX}{name}").text = value
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


class Simulator:
    """Answers as customs would (see the module's rules); used by the tests and the demo."""

    def send(self, envelope: bytes) -> list[bytes]:
        data = unwrap(envelope)
        checked = check(data)
        root = checked.tree
        if root is None or not checked.valid:
            return []
        stamp = _return_time()
        receipts: list[bytes] = []
        if checked.code == "311":
            for block in _children(root, "Order"):
                head = Fields(block.find(f"{PREFIX}OrderHead"))
                receipts.append(
                    _receipt(
                        "312",
                        "OrderReturn",
                        [
                            ("ebpCode", _text(head, "ebpCode")),
                            ("ebcCode", _text(head, "ebcCode")),
                            ("orderNo", _text(head, "orderNo")),
                            ("returnStatus", "120"),
                            ("returnTime", stamp),
                            ("returnInfo", "[模拟海关] 订单已入库"),
                        ],
                    )
                )
        elif checked.code == "411":
            for block in _children(root, "Payment"):
                head = Fields(block.find(f"{PREFIX}PaymentHead"))
                receipts.append(
                    _receipt(
                        "412",
                        "PaymentReturn",
                        [
                            ("payCode", _text(head, "payCode")),
                            ("payTransactionId", _text(head, "payTransactionId")),
                            ("returnStatus", "120"),
                            ("returnTime", stamp),
                            ("returnInfo", "[模拟海关] 支付单已入库"),
                        ],
                    )
                )
        elif checked.code == "511":
            for block in _children(root, "Logistics"):
                head = Fields(block.find(f"{PREFIX}LogisticsHead"))
                receipts.append(
                    _receipt(
                        "512",
                        "LogisticsReturn",
                        [
                            ("logisticsCode", _text(head, "logisticsCode")),
                            ("logisticsNo", _text(head, "logisticsNo")),
                            ("returnStatus", "120"),
                            ("returnTime", stamp),
                            ("returnInfo", "[模拟海关] 运单已入库"),
                        ],
                    )
                )
        elif checked.code == "621":
            receipts.extend(self._inventories(root, stamp))
        elif checked.code == "603":
            receipts.extend(self._exports(root, stamp))
        elif checked.code in ANSWERING:
            receipts.extend(self._cancellations(root, checked.code, stamp))
        return receipts

    def _cancellations(self, root: etree._Element, code: str, stamp: str) -> list[bytes]:
        """A cancellation (623, 605) is approved while its inventory is not yet closed (899), a
        return (625, 213) once it is released (800, 899); otherwise refused (100)."""
        refund = code in {"625", "213"}
        receipts = []
        for element in root.iterfind(f".//{PREFIX}{'InvtRefundHead' if refund else 'InvtCancel'}"):
            head = Fields(element)
            inventory = named_inventory(code, head.text)
            status = inventory.status if inventory is not None else ""
            if refund:
                allowed, kind, refusal = status in {"800", "899"}, "退货", "清单未放行，不能退货"
            else:
                allowed, kind, refusal = status in OPEN, "撤销", "清单状态不允许撤销"
            steps = (
                [("120", f"[模拟海关] {kind}申请已入库"), ("399", f"[模拟海关] {kind}审核通过")]
                if allowed
                else [("100", f"[模拟海关] {refusal}")]
            )
            block, names = ANSWERING[code]
            values = [(name, _text(head, name)) for name in names]
            if inventory is not None and "copNo" in names and not _text(head, "copNo"):
                values = [(n, inventory.cop_no if n == "copNo" else v) for n, v in values]
            for returned, info in steps:
                receipts.append(
                    _receipt(
                        str(int(code) + 1),
                        block,
                        [
                            *values,
                            ("preNo", _text(head, "preNo") or "B" + stamp[:8] + "000000001"),
                            ("invtNo", _text(head, "invtNo")),
                            ("returnStatus", returned),
                            ("returnTime", stamp),
                            ("returnInfo", info),
                        ],
                        answers=_text(head, "guid"),
                    )
                )
        return receipts

    def _exports(self, root: etree._Element, stamp: str) -> list[bytes]:
        """An export inventory is stored, concluded and released (no three-document check on the
        export side in the specification)."""
        receipts = []
        taken: set[str] = set()
        for block in _children(root, "Inventory"):
            head = Fields(block.find(f"{PREFIX}InventoryHead"))
            number = _inventory_number(_text(head, "customsCode"), "E", stamp, taken)
            for status, info in (
                ("120", "[模拟海关] 清单已入库"),
                ("399", "[模拟海关] 审结"),
                ("800", "[模拟海关] 放行"),
            ):
                receipts.append(
                    _receipt(
                        "604",
                        "InventoryReturn",
                        [
                            ("agentCode", _text(head, "agentCode")),
                            ("copNo", _text(head, "copNo")),
                            ("preNo", _text(head, "preNo") or "B" + stamp[:8] + "000000001"),
                            ("invtNo", number),
                            ("ebcCode", _text(head, "ebcCode")),
                            ("ebpCode", _text(head, "ebpCode")),
                            ("orderNo", _text(head, "orderNo")),
                            ("statisticsFlag", _text(head, "statisticsFlag")),
                            ("returnStatus", status),
                            ("returnTime", stamp),
                            ("returnInfo", info),
                        ],
                    )
                )
        return receipts

    def _inventories(self, root: etree._Element, stamp: str) -> list[bytes]:
        from hanjiang.crossborder.matching import trade_of

        receipts = []
        taken: set[str] = set()
        for block in _children(root, "Inventory"):
            head = Fields(block.find(f"{PREFIX}InventoryHead"))
            keys = [
                ("customsCode", _text(head, "customsCode")),
                ("ebpCode", _text(head, "ebpCode")),
                ("ebcCode", _text(head, "ebcCode")),
                ("agentCode", _text(head, "agentCode")),
                ("copNo", _text(head, "copNo")),
                ("preNo", _text(head, "preNo") or "B" + stamp[:8] + "000000001"),
            ]
            order = Order.objects.filter(
                ebp_code=_text(head, "ebpCode"), order_no=_text(head, "orderNo"), withdrawn=False
            ).first()
            failed = (
                [str(r.label) for r in trade_of(order).results if r.passed is not True]
                if order is not None
                else [str(_("No order"))]
            )
            steps = (
                [
                    ("120", "[模拟海关] 清单已入库"),
                    ("399", "[模拟海关] 审结"),
                    ("800", "[模拟海关] 放行"),
                ]
                if not failed
                else [("100", "[模拟海关] 退单：三单比对未通过：" + "；".join(failed))]
            )
            invt_no = _inventory_number(_text(head, "customsCode"), "I", stamp, taken)
            for status, info in steps:
                receipts.append(
                    _receipt(
                        "622",
                        "InventoryReturn",
                        [
                            *keys,
                            ("invtNo", invt_no),
                            ("returnStatus", status),
                            ("returnTime", stamp),
                            ("returnInfo", info[:1000]),
                        ],
                    )
                )
            if not failed and order is not None:
                receipts.extend(_tax_bill(order, block, invt_no, stamp))
        return receipts


def _inventory_number(district: str, flag: str, stamp: str, taken: set[str]) -> str:
    """A simulated customs inventory number: district, year, I or E, then a 9-digit serial, the
    next after the highest such number recorded or already given in this answer (`taken`)."""
    prefix = f"{district}{stamp[:4]}{flag}"
    model = Inventory if flag == "I" else ExportInventory
    recorded = (
        model.objects.filter(invt_no__startswith=prefix)
        .order_by("-invt_no")
        .values_list("invt_no", flat=True)
        .first()
    )
    highest = max(
        (
            int(number[len(prefix) :])
            for number in [recorded or "", *taken]
            if number.startswith(prefix) and number[len(prefix) :].isdecimal()
        ),
        default=0,
    )
    number = f"{prefix}{highest + 1:09d}"
    taken.add(number)
    return number


def _tax_bill(order: Order, block: etree._Element, invt_no: str, stamp: str) -> list[bytes]:
    """The simulator's electronic tax bill (816) of a released inventory: the platform's own
    computation within the retail limits (no duty), item by item; none where the duty would
    depend on the tariff (a single item above the single limit) or the order is general trade."""
    try:
        computed = tax.order_tax(order)
    except LookupError:
        return []
    if computed.treatment != "within_limits" or computed.vat is None:
        return []
    head = Fields(block.find(f"{PREFIX}InventoryHead"))
    root = etree.Element(
        f"{PREFIX}CEB816Message", nsmap={"ceb": NS}, guid=str(uuid.uuid4()).upper(), version="1.0"
    )
    bill = etree.SubElement(root, f"{PREFIX}Tax")
    values = [
        ("guid", str(uuid.uuid4()).upper()),
        ("returnTime", stamp),
        ("invtNo", invt_no),
        ("taxNo", f"T{invt_no}"),
        ("customsTax", "0"),
        ("valueAddedTax", str(computed.vat)),
        ("consumptionTax", str(computed.consumption)),
        ("status", "1"),
        ("note", "[模拟海关] 电子税单"),
        ("assureCode", _text(head, "assureCode")),
        ("ebcCode", _text(head, "ebcCode")),
        ("logisticsCode", _text(head, "logisticsCode")),
        ("agentCode", _text(head, "agentCode")),
        ("customsCode", _text(head, "customsCode")),
    ]
    _fill(etree.SubElement(bill, f"{PREFIX}TaxHeadRd"), values)
    # The order's lines by item number: the trade passed the check, so its inventory has the
    # same item numbers.
    lines = dict(zip((item.gnum for item in order.items.all()), computed.lines, strict=True))
    for item in _children(block, "InventoryList"):
        found = Fields(item)
        price, vat, consumption = lines[int(_text(found, "gnum"))]
        _fill(
            etree.SubElement(bill, f"{PREFIX}TaxListRd"),
            [
                ("gnum", _text(found, "gnum")),
                ("gcode", _text(found, "gcode")),
                ("taxPrice", str(price)),
                ("customsTax", "0"),
                ("valueAddedTax", str(vat)),
                ("consumptionTax", str(consumption)),
            ],
        )
    return [bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))]


def _fill(parent: etree._Element, values: list[tuple[str, str]]) -> None:
    for name, value in values:
        etree.SubElement(parent, f"{PREFIX}{name}").text = value


# Receipts ---------------------------------------------------------------------------------------


@dataclass
class Applied:
    document: Any
    status: str
    applied: bool


def _document(code: str, found: Fields) -> Any:
    """The document a receipt answers, locked (with its message and filing) until the batch of
    receipts is applied: receipts arriving by two channels at once move a document once."""
    if code == "312":
        return (
            _locked(Order)
            .filter(ebp_code=_text(found, "ebpCode"), order_no=_text(found, "orderNo"))
            .first()
        )
    if code == "412":
        return (
            _locked(Payment)
            .filter(
                pay_code=_text(found, "payCode"),
                pay_transaction_id=_text(found, "payTransactionId"),
            )
            .first()
        )
    if code == "512":
        return (
            _locked(Waybill)
            .filter(
                logistics_code=_text(found, "logisticsCode"),
                logistics_no=_text(found, "logisticsNo"),
            )
            .first()
        )
    if code == "604":
        return (
            _locked(ExportInventory)
            .filter(ebc_code=_text(found, "ebcCode"), order_no=_text(found, "orderNo"))
            .first()
        )
    if code == "622":
        return (
            _locked(Inventory)
            .filter(
                ebp_code=_text(found, "ebpCode"),
                ebc_code=_text(found, "ebcCode"),
                cop_no=_text(found, "copNo"),
            )
            .first()
        )
    return None


# A cancellation's or a return's receipt: its block and the request's fields it repeats before
# preNo, in the schema's order.
ANSWERING = {
    "623": ("InvtCancelReturn", ("customsCode", "agentCode", "ebpCode", "ebcCode", "copNo")),
    "625": ("InvtRefundReturn", ("customsCode", "agentCode", "ebpCode", "ebcCode", "copNo")),
    "605": ("InvtCancelReturn", ("agentCode", "copNo")),
    "213": ("RefundReturn", ("ebpCode", "ebcCode", "agentCode", "coElNo")),
}
# The statuses in which customs still takes a cancellation: stored, in review, concluded, released
# (the simulator's reading; not yet closed, 899).
OPEN = frozenset({"120", "300", "399", "500", "800"})

# Each receipt: the request it answers and its block.
ANSWERS = {
    "312": ("311", "OrderReturn"),
    "412": ("411", "PaymentReturn"),
    "512": ("511", "LogisticsReturn"),
    "514": ("513", "LogisticsStatusReturn"),
    "622": ("621", "InventoryReturn"),
    "624": ("623", "InvtCancelReturn"),
    "626": ("625", "InvtRefundReturn"),
    "712": ("711", "DeliveryReturn"),
    "816": ("621", "Tax"),
    "304": ("303", "OrderReturn"),
    "404": ("403", "ReceiptsReturn"),
    "506": ("505", "LogisticsReturn"),
    "508": ("507", "ArrivalReturn"),
    "510": ("509", "DepartureReturn"),
    "604": ("603", "InventoryReturn"),
    "606": ("605", "InvtCancelReturn"),
    "608": ("607", "WayBillReturn"),
    "214": ("213", "RefundReturn"),
    "216": ("215", "InvtRefundDetailReturn"),
    "702": ("701", "SummaryReturn"),
    "792": ("701", "SummaryResult"),
}
# A cancellation or a return is taken as approved by customs from this status on: the platform's
# reading of the status codes (the specification does not say which code approves them).
APPROVED = "399"


def _fields(block: etree._Element) -> Fields:
    """A receipt block's fields, or its head's when the block has one (792)."""
    if block.find(f"{PREFIX}guid") is None:
        head = next((child for child in block if isinstance(child.tag, str)), None)
        if head is not None:
            return Fields(head)
    return Fields(block)


def _locked(model: Any) -> Any:
    """Documents of `model` locked until the transaction ends (only their own rows), with their
    message and filing read along."""
    return model.objects.select_for_update(of=("self",)).select_related("message__filing")


def _answered(request: str, guid: str) -> Message | None:
    """The accepted message of type `request` that declared the document `guid`, locked."""
    return (
        Message.objects.select_for_update(of=("self",))
        .filter(
            declared_guids__guid=guid,
            message_type=f"CEB{request}Message",
            status=MessageStatus.ACCEPTED,
        )
        .order_by("-received_at")
        .first()
    )


def _forward(current: str, status: str) -> bool:
    """Forward only; a rejection (100) from any state before release, and none after it: a
    rejected document moves again only when it is declared anew."""
    if current == CustomsStatus.REJECTED:
        return False
    if status == CustomsStatus.REJECTED:
        return current not in {"800", "899"}
    return RANK.get(status, -1) > RANK.get(current, -1)


def _request_head(request: Message, guid: str) -> etree._Element | None:
    """The head (InvtCancel, InvtRefundHead …) of the document `guid` in the request message."""
    root = etree.fromstring(request.content.encode("utf-8"), _parser())
    for element in root.iterfind(f".//{PREFIX}guid"):
        if (element.text or "").strip() == guid and element.getparent() is not None:
            return element.getparent()
    return None


def _approved(code: str, found: Fields, request: Message) -> None:
    """What an approved cancellation (624, 606) or return (626, 214) does to its inventory: a
    cancelled inventory leaves the statistics; the returned quantities of that return's lines
    are deducted from its items. The inventory is the one the request named (its order), the
    lines those of the answered return only."""
    head_element = _request_head(request, _text(found, "guid"))
    if head_element is None:
        return
    head = Fields(head_element)

    def text(name: str) -> str:  # the request's fields, or the answer's (its customs number)
        return head.text(name) or found.text(name)

    inventory = named_inventory(code, text)
    if inventory is None:
        return
    if code in {"624", "606"}:
        inventory.cancelled = True
        inventory.save(update_fields=["cancelled", "updated_at"])
        return
    items = {item.gnum: item for item in inventory.items.all()}
    block = head_element.getparent()
    for row in block.iterchildren(f"{PREFIX}InvtRefundList") if block is not None else []:
        line = Fields(row)
        gnum = _text(line, "gnum")
        item = items.get(int(gnum)) if gnum.isdecimal() else None
        if item is not None:
            item.returned_qty = min(item.qty, item.returned_qty + Decimal(_text(line, "qty") or 0))
            item.save(update_fields=["returned_qty"])


# Customs' answers to cancellations and returns: approved, they change the inventory named.
APPROVALS = frozenset({"624", "606", "626", "214"})


def receipts_ingest(receipts: Sequence[bytes]) -> list[Applied]:
    """Record each receipt and move the status of what it answers — the document (order,
    payment, waybill, inventory) or else the message that declared it — forward only; an
    approved cancellation or return changes its inventory."""
    applied: list[Applied] = []
    with transaction.atomic():
        for data in receipts:
            checked = check(data)
            if checked.tree is None or checked.code not in ANSWERS:
                continue
            request, block_name = ANSWERS[checked.code]
            problems: list[dict[str, str]] = []
            filing = None
            moved = False
            bills: list[tuple[Inventory, Fields]] = []
            for block in _children(checked.tree, block_name):
                found = _fields(block)
                if checked.code == "816":  # a tax bill names its inventory by customs number
                    inventory = _billed(checked.valid, block, found, problems)
                    if inventory is not None:
                        bills.append((inventory, found))
                        filing, moved = filing or inventory.message.filing, True
                    applied.append(
                        Applied(inventory, _text(found, "status"), inventory is not None)
                    )
                    continue
                status = _text(found, "returnStatus")
                target: Any = _document(checked.code, found)
                answered = (
                    _answered(request, _text(found, "guid"))
                    if target is None or checked.code in APPROVALS
                    else None
                )
                if target is None:
                    target = answered
                if target is None:
                    problems.append(
                        _unapplied(
                            "unmatched",
                            path_of(block),
                            _("No declared document has this guid or key."),
                        )
                    )
                    applied.append(Applied(None, status, False))
                    continue
                message = target if isinstance(target, Message) else target.message
                filing = filing or message.filing
                guid = _text(found, "guid")
                current = _status_of(target, guid)
                forward = bool(status) and _forward(current, status)
                if forward:
                    moved = True
                    _move(target, guid, status, _text(found, "returnInfo"), _text(found, "invtNo"))
                    before, after = RANK.get(current, -1), RANK.get(status, -1)
                    if (
                        checked.code in APPROVALS
                        and answered is not None
                        and before < RANK[APPROVED] <= after
                    ):
                        _approved(checked.code, found, answered)
                else:
                    problems.append(
                        _unapplied(
                            "stale_status",
                            path_of(block),
                            _("An older status arrived late: recorded, not applied."),
                        )
                    )
                applied.append(Applied(target, status, forward))
            message = Message.objects.create(
                guid=checked.guid,
                message_type=checked.message_type,
                filing=filing,
                channel=Channel.EXCHANGE,
                status=MessageStatus.ACCEPTED if moved else MessageStatus.REFUSED,
                problems=problems,
                size=len(data),
                content=data.decode("utf-8"),
            )
            for inventory, found in bills:
                TaxBill.objects.update_or_create(
                    tax_no=_text(found, "taxNo"),
                    defaults={
                        "inventory": inventory,
                        "message": message,
                        "customs_tax": Decimal(_text(found, "customsTax") or "0"),
                        "value_added_tax": Decimal(_text(found, "valueAddedTax") or "0"),
                        "consumption_tax": Decimal(_text(found, "consumptionTax") or "0"),
                        "status": _text(found, "status"),
                        "return_time": _text(found, "returnTime"),
                        "ent_duty_no": _text(found, "entDutyNo"),
                    },
                )
        if any(item.applied for item in applied):
            transaction.on_commit(lambda: statistics.publish(timezone.localdate()))
    return applied


def _billed(valid: bool, block: etree._Element, found: Fields, problems: list[Any]) -> Any:
    """The inventory a tax bill (816) is to be recorded against — the one customs numbered so
    (its 622 receipt) — or None, with the reason among `problems`: a bill the schema refuses, an
    unknown number, an older state of a bill already recorded."""
    number = _text(found, "invtNo")
    inventory = (
        Inventory.objects.select_related("message__filing").filter(invt_no=number).first()
        if valid and number
        else None
    )
    known = TaxBill.objects.filter(tax_no=_text(found, "taxNo")).first() if valid else None
    if not valid:
        problem = _unapplied(
            "invalid",
            path_of(block),
            _("The tax bill does not match the schema: not recorded."),
        )
    elif inventory is None:
        problem = _unapplied(
            "unmatched",
            path_of(block),
            _("No declared inventory has this customs inventory number."),
        )
    elif known is not None and known.return_time > _text(found, "returnTime"):
        problem = _unapplied(
            "stale_status",
            path_of(block),
            _("An older status arrived late: recorded, not applied."),
        )
    else:
        return inventory
    problems.append(problem)
    return None


def _unapplied(code: str, path: str, message: Any) -> dict[str, str]:
    return {
        "code": code,
        "path": path,
        "message": str(message),
        "basis": "platform",
        "severity": "warning",
    }


def _status_of(target: Any, guid: str) -> str:
    """The customs status of what a receipt answers: the record's, or for a document without a
    record of its own, the document's in its message (a message may carry several)."""
    if not isinstance(target, Message):
        return str(target.status)
    found = target.declared_guids.filter(guid=guid).values_list("customs_status", flat=True)
    return next(iter(found), target.customs_status)


def _move(target: Any, guid: str, status: str, info: str, invt_no: str) -> None:
    if isinstance(target, Message):
        # The document's status; the message shows its least advanced answered document's (a
        # rejected one first), with the latest receipt's information.
        target.declared_guids.filter(guid=guid).update(customs_status=status)
        answered = [
            code for code in target.declared_guids.values_list("customs_status", flat=True) if code
        ]
        target.customs_status = min(
            answered or [status],
            key=lambda code: -2 if code == CustomsStatus.REJECTED else RANK.get(code, -1),
        )
        target.customs_info = info
        target.save(update_fields=["customs_status", "customs_info"])
        return
    target.status, target.status_info = status, info
    fields = ["status", "status_info", "updated_at"]
    if isinstance(target, Inventory | ExportInventory) and invt_no and not target.invt_no:
        target.invt_no = invt_no
        fields.append("invt_no")
    target.save(update_fields=fields)


def declare(messages: Sequence[Message]) -> list[Applied]:
    """Send accepted messages not yet sent, each signed by the platform when its sender did not
    sign it and a signer is configured, wrapped, through the configured connector, and apply the
    receipts that come back."""
    link = connector()
    signer = configured_signer()
    applied: list[Applied] = []
    for message in messages:
        if message.status != MessageStatus.ACCEPTED or message.sent_at or not message.content:
            continue
        filing = message.filing
        data = message.content.encode("utf-8")
        if signer is not None and not is_signed(data):
            data = sign(data, signer)
        envelope = wrap(
            data,
            sender_id=filing.dxp_id if filing else "",
            message_type=message.message_type,
            cop_msg_id=message.guid,
        )
        receipts = link.send(envelope)
        message.sent_at = timezone.now()
        message.save(update_fields=["sent_at"])
        applied.extend(receipts_ingest(receipts))
    return applied

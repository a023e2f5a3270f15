"""汇总申报: grouping concluded export inventories into summary applications (CEB701).

Rules (specification, 2022-05 edition, SummaryApplyHead):
- only inventories declared for summary (`statisticsFlag` B) that customs has concluded (399,
  800, 899) and that carry their customs inventory number are summarised, each once: an inventory
  already named in an accepted 701 is left out;
- one application per customs district, declaring agent and consignor (`summaryFlag` 1), or per
  customs district, declaring agent, consignor and producer (`summaryFlag` 2, by `ownerCode`), over
  the inventories declared in the period;
- the follow-up customs broker (`declAgentCode`) is the declaring agent unless given;
  `itemNameFlag` 1 (group by the original item names), one message per application (`msgCount`
  1, `msgSeqNo` 1); the period is not written as start/end times, because the specification says
  the inventory list is then ignored;
- each application is emitted valid against the official export schema.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from lxml import etree

from hanjiang.crossborder.messages import NS, _parser, check
from hanjiang.crossborder.models import ExportInventory, Filing, Message, MessageStatus


@dataclass
class Group:
    customs_code: str
    agent_code: str
    ebc_code: str
    owner_code: str
    inventories: list[ExportInventory] = field(default_factory=list)

    @property
    def value(self) -> Decimal:
        return sum(
            (item.total_price for inv in self.inventories for item in inv.items.all()), Decimal(0)
        )


def _summarised() -> set[str]:
    numbers: set[str] = set()
    for content in Message.objects.filter(
        message_type="CEB701Message", status=MessageStatus.ACCEPTED
    ).values_list("content", flat=True):
        root = etree.fromstring(content.encode("utf-8"), _parser())
        numbers.update((element.text or "").strip() for element in root.iter(f"{{{NS}}}invtNo"))
    return numbers


def groups(
    filing: Filing, start: datetime.date, end: datetime.date, summary_flag: str = "1"
) -> list[Group]:
    """The summary applications the filing's enterprise (as declaring agent) can make."""
    done = _summarised()
    found: dict[tuple[str, ...], Group] = {}
    inventories = (
        ExportInventory.objects.filter(
            agent_code__in=filing.codes,
            statistics_flag="B",
            status__in=("399", "800", "899"),
            withdrawn=False,
            declared_on__gte=start,
            declared_on__lte=end,
        )
        .exclude(invt_no="")
        .prefetch_related("items")
        .order_by("declared_on", "id")
    )
    for inventory in inventories:
        if inventory.invt_no in done:
            continue
        owner = inventory.owner_code if summary_flag == "2" else ""
        key = (inventory.customs_code, inventory.agent_code, inventory.ebc_code, owner)
        found.setdefault(key, Group(*key)).inventories.append(inventory)
    return list(found.values())


def application(
    group: Group, filing: Filing, summary_flag: str = "1", decl_agent: Filing | None = None
) -> bytes:
    ceb = f"{{{NS}}}"
    guid = str(uuid.uuid4()).upper()
    agent_name = filing.organisation.name[:100]
    names: dict[str, str] = defaultdict(str)
    for other in Filing.objects.select_related("organisation"):
        for code in other.codes:
            names[code] = other.organisation.name[:100]
    broker = decl_agent or filing
    root = etree.Element(f"{ceb}CEB701Message", nsmap={"ceb": NS}, guid=guid, version="1.0")
    block = etree.SubElement(root, f"{ceb}SummaryApply")
    head = etree.SubElement(block, f"{ceb}SummaryApplyHead")
    for name, value in (
        ("guid", guid),
        ("appType", "1"),
        ("appTime", timezone.localtime().strftime("%Y%m%d%H%M%S")),
        ("appStatus", "2"),
        ("customsCode", group.customs_code),
        ("copNo", f"SUM{timezone.localtime():%Y%m%d%H%M%S}"[:30]),
        ("agentCode", group.agent_code),
        ("agentName", agent_name),
        ("ebcCode", group.ebc_code),
        ("ebcName", names[group.ebc_code] or agent_name),
        ("declAgentCode", broker.customs_code or broker.organisation.uscc),
        ("declAgentName", broker.organisation.name[:100]),
        ("summaryFlag", summary_flag),
        ("itemNameFlag", "1"),
        ("msgCount", "1"),
        ("msgSeqNo", "1"),
    ):
        etree.SubElement(head, f"{ceb}{name}").text = value
    for inventory in group.inventories:
        listed = etree.SubElement(block, f"{ceb}SummaryApplyList")
        etree.SubElement(listed, f"{ceb}invtNo").text = inventory.invt_no
    transfer = etree.SubElement(root, f"{ceb}BaseTransfer")
    for name, value in (
        ("copCode", filing.customs_code or filing.organisation.uscc),
        ("copName", agent_name),
        ("dxpMode", "DXP"),
        ("dxpId", filing.dxp_id),
    ):
        etree.SubElement(transfer, f"{ceb}{name}").text = value
    data = bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    checked = check(data)
    if not checked.valid:
        raise ValueError("; ".join(problem.text() for problem in checked.errors))
    return data

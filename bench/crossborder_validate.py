"""Checking CEB messages: messages per second of the platform's check (safe parse, XSD, business
rules) against lxml alone parsing and validating the same bytes with the same schema (the floor),
in the same run and in alternation, on one core.

Two sets: the 19 official sample messages of the 2022-05 edition, and a synthetic import order
(CEB311) grown to 60 items (30 KB; the official examples hold no CEB311). Then end to end: the
intake of distinct synthetic orders (parse, XSD, rules, the checks against the records, storing
the message, the order and its items with encrypted personal numbers), in batches of 100, on an
in-memory SQLite database. Goal: at least half the floor's rate.

A second baseline shows how much of that goal is left to the platform's own work: the least any
intake of these orders does besides parsing and validating — read the values it stores (lxml
XPath, one call per column, as the platform reads them) and insert the message and its items
into SQLite (sqlite3's executemany, no Django, no checks, no encryption).
Run: `.venv/bin/python bench/crossborder_validate.py [repeats]`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from lxml import etree  # noqa: E402

from hanjiang.crossborder.messages import NS, _parser, check, direction_of, schema  # noqa: E402
from hanjiang.crossborder.messages import ROOT as ROOT_NAME  # noqa: E402

DATA = ROOT / "src/hanjiang/crossborder/tests/data"


def large_order(items: int) -> bytes:
    """The synthetic order with its second item repeated up to `items` items (totals kept)."""
    text = (DATA / "CEB311-synthetic.xml").read_text(encoding="utf-8")
    start = text.index("\t\t<ceb:OrderList>\n\t\t\t<ceb:gnum>2</ceb:gnum>")
    end = text.index("\t</ceb:Order>")
    item = text[start:end]
    extra = "".join(
        item.replace("<ceb:gnum>2</ceb:gnum>", f"<ceb:gnum>{n}</ceb:gnum>")
        for n in range(3, items + 1)
    )
    added = 60 * (items - 2)
    text = text[:end] + extra + text[end:]
    text = text.replace("<ceb:goodsValue>358.5<", f"<ceb:goodsValue>{358.5 + added}<")
    text = text.replace("<ceb:acturalPaid>381.12<", f"<ceb:acturalPaid>{381.12 + added:.2f}<")
    return text.encode("utf-8")


def floor(data: bytes) -> bool:
    root = etree.fromstring(data, _parser())
    code = ROOT_NAME.match(etree.QName(root).localname).group(1)  # type: ignore[union-attr]
    return bool(schema(direction_of(code) or "import").validate(root))


def paired(
    messages: list[bytes],
    repeats: int,
    floor_work: Callable[[bytes], object],
    work: Callable[[bytes], object],
) -> tuple[float, float]:
    """Messages per second of the floor and of the platform, measured in alternation (a round
    of each at a time) so that both see the same machine: the cores here are shared and their
    speed drifts during a run."""
    spent = [0.0, 0.0]
    for _ in range(repeats):
        for index, step in enumerate((floor_work, work)):
            start = time.perf_counter()
            for data in messages:
                step(data)
            spent[index] += time.perf_counter() - start
    count = len(messages) * repeats
    return count / spent[0], count / spent[1]


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    official = [path.read_bytes() for path in sorted((DATA / "official").glob("*.xml"))]
    order = large_order(60)
    assert check(order).valid, check(order).problems
    schema("import"), schema("export")  # loaded before timing
    print(f"CEB message checks, {repeats} repeats, one core")
    for label, messages, times in (
        (f"19 official samples ({sum(map(len, official)) // len(official):,} B each)", official, 1),
        (f"synthetic CEB311, 60 items ({len(order):,} B)", [order], 19),
    ):
        floor_rate, ours = paired(messages, repeats * times, floor, check)
        print(f"  {label}")
        print(f"    floor: lxml parse + XSD      {floor_rate:8,.0f} messages/s")
        print(f"    platform: parse, XSD, rules  {ours:8,.0f} messages/s")
        print(f"    platform / floor             {ours / floor_rate:8.2f} (goal ≥ 0.5)")


ITEM_FIELDS = ("gnum", "itemNo", "itemName", "unit", "qty", "price", "totalPrice", "country")
ITEM_COLUMNS = [
    etree.XPath(
        f"ceb:Order/ceb:OrderList/ceb:{name}/text()", namespaces={"ceb": NS}, smart_strings=False
    )
    for name in ITEM_FIELDS
]


def least_store() -> Callable[[bytes], object]:
    """The least work of an intake besides the floor (see the module's text), into a private
    in-memory SQLite database."""
    import sqlite3

    connection = sqlite3.connect(":memory:", isolation_level=None)
    connection.execute("CREATE TABLE message (id INTEGER PRIMARY KEY, content TEXT)")
    connection.execute(
        "CREATE TABLE item (id INTEGER PRIMARY KEY, message_id INTEGER REFERENCES message, "
        + ", ".join(f"{name} TEXT" for name in ITEM_FIELDS)
        + ")"
    )
    connection.execute("CREATE INDEX item_message ON item (message_id)")
    insert = f"INSERT INTO item VALUES (NULL, ?, {', '.join('?' * len(ITEM_FIELDS))})"

    def work(data: bytes) -> None:
        root = etree.fromstring(data, _parser())
        schema("import").validate(root)
        columns = [column(root) for column in ITEM_COLUMNS]
        message = connection.execute(
            "INSERT INTO message (content) VALUES (?)", (data.decode("utf-8"),)
        ).lastrowid
        connection.executemany(insert, [(message, *row) for row in zip(*columns, strict=True)])

    return work


def end_to_end(order: bytes, count: int) -> tuple[float, float, float]:
    """Orders per second of the floor, of the least work (`least_store`) and through
    `messages_receive`, storage included, a batch of 100 of each in alternation (synthetic test
    data)."""
    from django.core.management import call_command
    from django.test.utils import setup_databases

    from hanjiang.accounts.models import Role, User
    from hanjiang.crossborder.intake import messages_receive
    from hanjiang.crossborder.models import Filing, Order
    from hanjiang.registry.models import Division, Organisation
    from hanjiang.registry.tests.factories import make_uscc

    setup_databases(verbosity=0, interactive=False)
    call_command("load_reference", verbosity=0)
    county = Division.objects.filter(level="county").first()
    users = {}
    for code, roles in (
        ("4206960001", ["platform"]),
        ("4206960002", ["enterprise", "agent"]),
        ("4206960003", ["payment"]),
    ):
        organisation = Organisation.objects.create(
            uscc=make_uscc("420606"), name=f"测试企业{code}（测试数据）", division=county
        )
        Filing.objects.create(
            organisation=organisation,
            customs_code=code,
            dxp_id="DXPTEST",
            roles=roles,
            modes=["9610"],
            status="approved",
        )
        users[code] = User.objects.create(
            username=f"bench{code}", role=Role.ENTERPRISE, organisation=organisation
        )
    messages = [
        order.replace(
            b"6D3A1C52-0B9E-4F4B-8E3A-2C1F5A7B9D10", f"{n:08X}-0B9E-4F4B-8E3A-2C1F5A7B9D10".encode()
        ).replace(b"XYTEST2026110500001", f"XYBENCH{n:012d}".encode())
        for n in range(count)
    ]
    floor_seconds = least_seconds = seconds = 0.0
    least = least_store()
    for first in range(0, count, 100):
        batch = [(f"{n}.xml", messages[n]) for n in range(first, min(first + 100, count))]
        start = time.perf_counter()
        for _name, data in batch:
            floor(data)
        floor_seconds += time.perf_counter() - start
        start = time.perf_counter()
        for _name, data in batch:
            least(data)
        least_seconds += time.perf_counter() - start
        start = time.perf_counter()
        outcomes = messages_receive(actor=users["4206960002"], files=batch)
        seconds += time.perf_counter() - start
        assert all(o.status == "accepted" for o in outcomes), outcomes[0].problems
    assert Order.objects.count() == count
    return count / floor_seconds, count / least_seconds, count / seconds


if __name__ == "__main__":
    main()
    order = large_order(60)
    floor_rate, least, ours = end_to_end(order, 1000)
    print("  end to end, 1,000 distinct 60-item orders stored (SQLite in memory)")
    print(f"    floor: lxml parse + XSD      {floor_rate:8,.0f} messages/s")
    print(f"    least: floor + read + insert {least:8,.0f} messages/s")
    print(f"    platform: intake + storage   {ours:8,.0f} messages/s")
    print(f"    least / floor                {least / floor_rate:8.2f}")
    print(f"    platform / floor             {ours / floor_rate:8.2f} (goal ≥ 0.5)")

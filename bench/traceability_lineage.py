"""EPCIS lineage at scale: median and 95th-percentile time of a full upstream-and-downstream
lineage query over a store of synthetic events (test data) forming realistic chains — four farm
lots → a cooperative lot → a processor's product lot (inspected) → two cases → a pallet → a
distributor, who unpacks it → two retailers (one storing with a temperature reading): 20 events
per chain, captured by the platform's own capture, 20,000 events per document.

The store is a file (default `var/bench/lineage.sqlite3`, or the database of DATABASE_URL, which
must exist) and is kept: a later run adds only the events still missing, so the 10,000,000-event
store is built once (about 15 minutes) and measured as often as needed.
Goal: lineage under 50 ms at the 95th percentile.
Run: `.venv/bin/python bench/traceability_lineage.py [events] [queries]`
(defaults 10,000,000 and 400).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'lineage.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from hanjiang.traceability.models import Event  # noqa: E402
from hanjiang.traceability.repository import capture, lineage  # noqa: E402

GTIN_FARM = "09521234543213"
GTIN_MADE = "09521234543220"
EVENTS_PER_CHAIN = 20
CHAINS_PER_DOCUMENT = 1000
PLACE = "https://id.gs1.org/414/{}"
FARM, COOP, PLANT, DEPOT = (
    PLACE.format(gln)
    for gln in ("9521141123454", "9521234543213", "9521321000001", "9521100000000")
)
SHOPS = [PLACE.format(gln) for gln in ("9521111000006", "9521122000002", "9521133000008")]


def lots(n: int) -> dict[str, object]:
    """The identifiers of chain `n`."""
    return {
        "farms": [f"https://id.gs1.org/01/{GTIN_FARM}/10/F{n}-{k}" for k in range(4)],
        "coop": f"https://id.gs1.org/01/{GTIN_FARM}/10/C{n}",
        "made": f"https://id.gs1.org/01/{GTIN_MADE}/10/P{n}",
        "cases": [f"https://trace.example.cn/case/{n}-{k}" for k in range(2)],
        "pallet": f"https://trace.example.cn/pallet/{n}",
    }


def chain(n: int) -> list[dict[str, object]]:
    """The 20 events of chain `n`, a day apart from farm to shop."""
    ids = lots(n)
    farms, coop, made = ids["farms"], ids["coop"], ids["made"]
    cases, pallet = ids["cases"], ids["pallet"]
    assert isinstance(farms, list) and isinstance(cases, list)
    day = 1 + n % 28
    month = 1 + (n // 28) % 12

    def at(step: int) -> dict[str, object]:
        return {
            "eventTime": f"2025-{month:02d}-{day:02d}T{6 + step % 14:02d}:{n % 60:02d}:00+08:00",
            "eventTimeZoneOffset": "+08:00",
        }

    def seen(step: int, epc: str, biz_step: str, where: str, **more: object) -> dict[str, object]:
        return (
            at(step)
            | {
                "type": "ObjectEvent",
                "action": "OBSERVE",
                "epcList": [epc],
                "bizStep": biz_step,
                "bizLocation": {"id": where},
            }
            | more
        )

    events: list[dict[str, object]] = [
        at(k)
        | {
            "type": "ObjectEvent",
            "action": "ADD",
            "bizStep": "commissioning",
            "quantityList": [{"epcClass": farm, "quantity": 250, "uom": "KGM"}],
            "bizLocation": {"id": FARM},
        }
        for k, farm in enumerate(farms)
    ]
    events += [
        at(4)
        | {
            "type": "TransformationEvent",
            "bizStep": "commissioning",
            "inputQuantityList": [{"epcClass": farm} for farm in farms],
            "outputQuantityList": [{"epcClass": coop, "quantity": 1000, "uom": "KGM"}],
            "bizLocation": {"id": COOP},
        },
        at(5)
        | {
            "type": "ObjectEvent",
            "action": "OBSERVE",
            "bizStep": "shipping",
            "quantityList": [{"epcClass": coop}],
            "bizLocation": {"id": COOP},
        },
        at(6)
        | {
            "type": "ObjectEvent",
            "action": "OBSERVE",
            "bizStep": "receiving",
            "quantityList": [{"epcClass": coop}],
            "bizLocation": {"id": PLANT},
        },
        at(7)
        | {
            "type": "TransformationEvent",
            "bizStep": "commissioning",
            "inputQuantityList": [{"epcClass": coop}],
            "outputQuantityList": [{"epcClass": made, "quantity": 120, "uom": "KGM"}],
            "bizLocation": {"id": PLANT},
        },
        at(8)
        | {
            "type": "ObjectEvent",
            "action": "OBSERVE",
            "bizStep": "inspecting",
            "disposition": "conformant",
            "quantityList": [{"epcClass": made}],
            "bizLocation": {"id": PLANT},
        },
    ]
    events += [
        at(9 + k)
        | {
            "type": "AggregationEvent",
            "action": "ADD",
            "bizStep": "packing",
            "parentID": case,
            "childQuantityList": [{"epcClass": made, "quantity": 60, "uom": "KGM"}],
            "bizLocation": {"id": PLANT},
        }
        for k, case in enumerate(cases)
    ]
    events += [
        at(11)
        | {
            "type": "AggregationEvent",
            "action": "ADD",
            "bizStep": "packing",
            "parentID": pallet,
            "childEPCs": cases,
            "bizLocation": {"id": PLANT},
        },
        seen(12, str(pallet), "shipping", PLANT, disposition="in_transit"),
        seen(13, str(pallet), "receiving", DEPOT),
        at(14)
        | {
            "type": "AggregationEvent",
            "action": "DELETE",
            "bizStep": "unpacking",
            "parentID": pallet,
            "childEPCs": cases,
            "bizLocation": {"id": DEPOT},
        },
    ]
    shops = [SHOPS[(n + k) % len(SHOPS)] for k in range(2)]
    events += [seen(15 + k, case, "shipping", DEPOT) for k, case in enumerate(cases)]
    events += [seen(17 + k, case, "receiving", shops[k]) for k, case in enumerate(cases)]
    events.append(
        seen(
            19,
            cases[0],
            "storing",
            shops[0],
            sensorElementList=[
                {"sensorReport": [{"type": "gs1:Temperature", "value": 4.0, "uom": "CEL"}]}
            ],
        )
    )
    assert len(events) == EVENTS_PER_CHAIN
    return events


def document(first: int, count: int) -> bytes:
    return orjson.dumps(
        {
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2025-12-31T08:00:00+08:00",
            "epcisBody": {
                "eventList": [event for n in range(first, first + count) for event in chain(n)]
            },
        }
    )


def build(target: int) -> int:
    """Capture chains until the store holds `target` events; the number of chains."""
    call_command("migrate", verbosity=0)
    chains = target // EVENTS_PER_CHAIN
    held = Event.objects.count() // EVENTS_PER_CHAIN
    start, added = time.perf_counter(), 0
    for first in range(held - held % CHAINS_PER_DOCUMENT, chains, CHAINS_PER_DOCUMENT):
        job = capture(actor=None, data=document(first, min(CHAINS_PER_DOCUMENT, chains - first)))
        assert job.success, job.errors[:3]
        added += job.captured
        if first // CHAINS_PER_DOCUMENT % 25 == 0:
            rate = added / (time.perf_counter() - start)
            print(f"  … {Event.objects.count():,} events stored ({rate:,.0f} events/s)", flush=True)
    if added:
        print(f"  captured {added:,} events at {added / (time.perf_counter() - start):,.0f}/s")
    return chains


def main() -> None:
    target = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    queries = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    where = "PostgreSQL" if connection.vendor == "postgresql" else connection.settings_dict["NAME"]
    print(f"EPCIS lineage over a store of {target:,} synthetic events ({where})")
    chains = build(target)
    stored = Event.objects.count()
    picker = random.Random(20251231)
    timings = []
    for _ in range(queries):
        n = picker.randrange(chains)
        ids = lots(n)
        start = time.perf_counter()
        found = lineage(str(ids["coop"]))
        timings.append(1000 * (time.perf_counter() - start))
        # four farm lots upstream; product lot, two cases and the pallet downstream; every event
        assert sorted(found.upstream) == sorted(ids["farms"]), found.upstream  # type: ignore[arg-type]
        assert len(found.downstream) == 4 and len(found.events) == EVENTS_PER_CHAIN
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"  {stored:,} events stored; {queries} lineage queries from a cooperative lot (up to 4 "
        f"farm lots, down to the product lot, cases and pallet; all {EVENTS_PER_CHAIN} events)"
    )
    print(
        f"  median {statistics.median(timings):.1f} ms, 95th percentile {p95:.1f} ms, "
        f"max {timings[-1]:.1f} ms (goal < 50 ms at the 95th percentile)"
    )


if __name__ == "__main__":
    main()

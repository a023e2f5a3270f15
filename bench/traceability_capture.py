"""EPCIS capture: events per second for a large JSON-LD document of ordinary object and
aggregation events (synthetic test data), against parsing it with orjson and validating it with
the compiled validator against the official schema alone, in the same run (the floor); then the
lineage query over the captured chains (median and 95th percentile).
Goals: capture ≥ 10,000 events/s; lineage < 50 ms at the 95th percentile.
Run: `.venv/bin/python bench/traceability_capture.py [chains]` (each chain: 5 events).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_databases  # noqa: E402

from hanjiang.traceability.epcis import json_validator  # noqa: E402
from hanjiang.traceability.repository import capture, lineage  # noqa: E402

GTIN = "09521234543213"


def chain(n: int) -> list[dict[str, object]]:
    """Farm lot → cooperative lot → processed lot → carton → pallet, as EPCIS events."""
    farm = f"https://id.gs1.org/01/{GTIN}/10/F{n}"
    coop = f"https://id.gs1.org/01/{GTIN}/10/C{n}"
    made = f"https://id.gs1.org/01/{GTIN}/10/P{n}"
    items = [f"https://id.gs1.org/01/{GTIN}/21/S{n}-{k}" for k in range(4)]
    pallet = f"https://trace.example.cn/pallet/{n}"
    base = {"eventTimeZoneOffset": "+08:00"}
    return [
        base
        | {
            "type": "ObjectEvent",
            "eventTime": "2026-09-01T08:00:00+08:00",
            "action": "ADD",
            "bizStep": "commissioning",
            "quantityList": [{"epcClass": farm, "quantity": 100, "uom": "KGM"}],
        },
        base
        | {
            "type": "TransformationEvent",
            "eventTime": "2026-09-02T08:00:00+08:00",
            "inputQuantityList": [{"epcClass": farm}],
            "outputQuantityList": [{"epcClass": coop}],
        },
        base
        | {
            "type": "TransformationEvent",
            "eventTime": "2026-09-03T08:00:00+08:00",
            "inputQuantityList": [{"epcClass": coop}],
            "outputQuantityList": [{"epcClass": made}],
            "outputEPCList": items,
        },
        base
        | {
            "type": "AggregationEvent",
            "eventTime": "2026-09-04T08:00:00+08:00",
            "action": "ADD",
            "bizStep": "packing",
            "parentID": pallet,
            "childEPCs": items,
        },
        base
        | {
            "type": "ObjectEvent",
            "eventTime": "2026-09-05T08:00:00+08:00",
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            "epcList": [pallet],
        },
    ]


def main() -> None:
    chains = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    events = [event for n in range(chains) for event in chain(n)]
    document = orjson.dumps(
        {
            "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-09-05T08:00:00+08:00",
            "epcisBody": {"eventList": events},
        }
    )
    setup_databases(verbosity=0, interactive=False)
    where = "PostgreSQL" if connection.vendor == "postgresql" else "SQLite in memory"
    json_validator()
    start = time.perf_counter()
    assert json_validator().is_valid(orjson.loads(document))
    floor = len(events) / (time.perf_counter() - start)
    start = time.perf_counter()
    job = capture(actor=None, data=document)
    seconds = time.perf_counter() - start
    assert job.success and job.captured == len(events), job.errors[:3]
    print(f"EPCIS capture of {len(events):,} synthetic events ({len(document):,} bytes), one core")
    print(f"  floor: orjson + compiled schema validation   {floor:10,.0f} events/s")
    print(
        f"  platform: check + store, {where:<19} {len(events) / seconds:10,.0f} events/s "
        "(goal ≥ 10,000)"
    )
    timings = []
    for n in range(0, chains, max(1, chains // 200)):
        start = time.perf_counter()
        found = lineage(f"https://id.gs1.org/01/{GTIN}/10/C{n}")
        timings.append(1000 * (time.perf_counter() - start))
        assert len(found.upstream) == 1 and len(found.downstream) == 6
    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"  lineage over {len(events):,} events: median {statistics.median(timings):.1f} ms, "
        f"95th percentile {p95:.1f} ms (goal < 50 ms at 10,000,000 events)"
    )


if __name__ == "__main__":
    main()

"""Bulk import of 1,000,000 synthetic values in DHIS2 dataValueSets JSON, on SQLite and PostgreSQL.

Target: at least 100,000 values per second. Run: `.venv/bin/python bench/import_values.py [N]`.
Each database runs in its own process (Django is configured once per process).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

from _setup import configure, postgres_url, synthetic_data_set, timed


def run(database_url: str | None, count: int) -> dict[str, float]:
    configure(database_url)
    from hanjiang.accounts.models import Role, User
    from hanjiang.core.periods import Period
    from hanjiang.reporting.dhis2 import parse_json
    from hanjiang.reporting.values import values_import

    elements, villages = synthetic_data_set()
    per_period = len(elements) * len(villages)
    months = [Period.month(2021, 1).shift(step).code for step in range(count // per_period + 1)]
    rng = random.Random(42)
    values = []
    for month in months:
        for village in villages:
            for element in elements:
                values.append(
                    {
                        "dataElement": element,
                        "period": month,
                        "orgUnit": village,
                        "value": f"{rng.uniform(0, 1e5):.2f}",
                    }
                )
                if len(values) == count:
                    break
            if len(values) == count:
                break
        if len(values) == count:
            break
    body = json.dumps({"dataValues": values}).encode()
    admin = User.objects.create(username="bench", role=Role.CITY_ADMIN, is_superuser=True)
    results: dict[str, float] = {}
    with timed("parse", results):
        rows = parse_json(body)
    with timed("import", results):
        summary = values_import(actor=admin, rows=rows, source_code="import", atomic=True)
    assert summary.imported == count, summary.as_dict()["import_count"]
    with timed("reimport", results):
        again = values_import(actor=admin, rows=rows, source_code="import")
    assert again.ignored == count
    results["count"] = count
    results["megabytes"] = len(body) / 1e6
    return results


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
    if len(sys.argv) > 2:
        database = None if sys.argv[2] == "sqlite" else sys.argv[2]
        print(json.dumps(run(database, count)))
        return
    targets = [("SQLite", "sqlite")]
    pg = postgres_url("hanjiang_bench_import")
    if pg:
        targets.append(("PostgreSQL", pg))
    print(f"Import of {count:,} synthetic values (dataValueSets JSON), target ≥ 100,000 values/s")
    for label, database in targets:
        output = subprocess.run(
            [sys.executable, __file__, str(count), database],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(output.stdout.strip().splitlines()[-1])
        total = figures["parse"] + figures["import"]
        print(
            f"  {label:<10} parse {figures['parse']:.2f} s, validate+write {figures['import']:.2f} s, "
            f"{count / total:,.0f} values/s end to end ({figures['megabytes']:.0f} MB); "
            f"re-import of the same file (all ignored) {figures['reimport']:.2f} s"
        )


if __name__ == "__main__":
    main()

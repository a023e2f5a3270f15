"""Shared set-up for the benchmarks: a throw-away database and a synthetic data set.

Every figure a benchmark generates is synthetic (random values over Xiangyang's real division
tree) and lives only in the benchmark's own database, never in the platform's.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]


def configure(database_url: str | None) -> str:
    """Point Django at a fresh database: a temporary SQLite file or the given URL."""
    if database_url is None:
        directory = tempfile.mkdtemp(prefix="hanjiang-bench-")
        database_url = f"sqlite:///{directory}/bench.sqlite3"
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ.setdefault("HANJIANG_VAR_DIR", tempfile.mkdtemp(prefix="hanjiang-bench-var-"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference", verbosity=0)
    call_command("load_statistics", verbosity=0)
    return database_url


def postgres_url(name: str) -> str | None:
    """A fresh PostgreSQL database for the benchmark, or None when no server answers."""
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(
            "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True, connect_timeout=3
        ) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        return None
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def synthetic_data_set(elements: int = 55) -> tuple[list[str], list[str]]:
    """A monthly data set of `elements` synthetic elements reported by every village-level unit.

    Returns (element codes, village codes)."""
    from hanjiang.registry.models import Division
    from hanjiang.reporting.models import DataElement, DataSet, DataSetElement

    codes = [f"SYNTH_{number:02d}" for number in range(elements)]
    aggregations = ["sum", "sum", "sum", "average", "last"]
    created = DataElement.objects.bulk_create(
        [
            DataElement(
                code=code,
                name_zh=f"合成指标{index}（基准测试数据）",
                name_en=f"Synthetic element {index} (benchmark data)",
                value_type="number",
                aggregation=aggregations[index % len(aggregations)],
                dimension="context",
            )
            for index, code in enumerate(codes)
        ]
    )
    data_set = DataSet.objects.create(
        code="SYNTH_MONTHLY",
        name_zh="合成月报（基准测试数据）",
        name_en="Synthetic monthly report (benchmark data)",
        period_type="monthly",
        reporting_units="villages",
        due_days=15,
        lock_days=3650,
    )
    DataSetElement.objects.bulk_create(
        DataSetElement(data_set=data_set, element=element, sort_order=index)
        for index, element in enumerate(created)
    )
    villages = list(
        Division.objects.filter(level="village", editions__year=2023).values_list("code", flat=True)
    )
    return codes, villages


@contextmanager
def timed(label: str, results: dict[str, float]) -> Iterator[None]:
    start = time.perf_counter()
    yield
    results[label] = time.perf_counter() - start

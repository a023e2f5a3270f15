"""Full recomputation of every figure and indicator from 10,000,000 synthetic values.

Up to 3,000 units (Xiangyang has 2,817 village-level and 130 township codes, 2023 edition, so
2,947 in all) × 60 months × 55 elements,
aggregated to every township, county and the city, for months, quarters and years, with 10
indicators on top. The floor is the same roll-up done as plain Polars group-by sums in the
same run (no aggregation types, options or indicators). Goal: within 3× of the floor.
Run: `.venv/bin/python bench/recompute.py [units]`.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

from hanjiang.reporting.aggregation import (  # noqa: E402
    LEVEL_PREFIX,
    IndicatorSpec,
    recompute_all,
)

ELEMENTS = 55
MONTHS = 60


def synthetic_values(units: int) -> pl.DataFrame:
    with (ROOT / "src/hanjiang/registry/data/divisions/villages.csv").open(
        encoding="utf-8"
    ) as handle:
        villages = [row["code"] for row in csv.DictReader(handle)]
    # Xiangyang has 2,817 village-level units; the rest of the 3,000 reuse real township codes.
    with (ROOT / "src/hanjiang/registry/data/divisions/townships.csv").open(
        encoding="utf-8"
    ) as handle:
        townships = [row["code"].ljust(12, "0") for row in csv.DictReader(handle)]
    codes = (villages + townships)[:units]
    months = [f"{2021 + m // 12}{m % 12 + 1:02d}" for m in range(MONTHS)]
    return (
        pl.DataFrame({"division_code": codes})
        .join(pl.DataFrame({"period": months}), how="cross")
        .join(pl.DataFrame({"element_id": list(range(1, ELEMENTS + 1))}), how="cross")
        .with_columns(
            pl.lit("monthly").alias("period_type"),
            pl.lit("").alias("category_option"),
            ((pl.int_range(pl.len()).hash(7) % 10_000_000).cast(pl.Float64) / 100).alias("number"),
        )
        .select("element_id", "period", "period_type", "division_code", "category_option", "number")
    )


def floor(values: pl.DataFrame) -> int:
    """The same roll-up as plain group-by sums: the least any engine has to do."""
    rows = 0
    year = pl.col("period").str.slice(0, 4)
    quarter = pl.concat_str(
        [
            year,
            pl.lit("Q"),
            ((pl.col("period").str.slice(4, 2).cast(pl.Int32) - 1) // 3 + 1).cast(pl.String),
        ]
    )
    for level in ("city", "county", "township"):
        unit = pl.col("division_code").str.slice(0, LEVEL_PREFIX[level])
        for target in (pl.col("period"), quarter, year):
            rows += (
                values.lazy()
                .group_by(["element_id", unit.alias("unit"), target.alias("target")])
                .agg(pl.col("number").sum())
                .collect()
                .height
            )
    return rows


def main() -> None:
    units = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    values = synthetic_values(units)
    aggregation = {
        element: ["sum", "sum", "sum", "average", "last"][element % 5]
        for element in range(1, ELEMENTS + 1)
    }
    element_ids = {f"E{element}": element for element in range(1, ELEMENTS + 1)}
    indicators = [
        IndicatorSpec(f"I{n}", f"#{{E{n + 1}}} + #{{E{n + 2}}}", f"#{{E{n + 3}}}", 100.0)
        for n in range(10)
    ]
    print(
        f"Recomputation from {values.height:,} synthetic values ({units:,} units × {MONTHS} months × {ELEMENTS} elements)"
    )
    start = time.perf_counter()
    floor_rows = floor(values)
    floor_seconds = time.perf_counter() - start
    start = time.perf_counter()
    figures, indicator_values = recompute_all(values, aggregation, indicators, element_ids)
    engine_seconds = time.perf_counter() - start
    print(f"  floor: plain Polars group-by sums   {floor_seconds:6.2f} s ({floor_rows:,} rows)")
    print(
        f"  engine: figures + indicators        {engine_seconds:6.2f} s ({figures.height:,} figures, {indicator_values.height:,} indicator values)"
    )
    print(
        f"  ratio engine / floor                {engine_seconds / floor_seconds:6.2f}× (goal ≤ 3×)"
    )
    print(f"  throughput                          {values.height / engine_seconds:,.0f} values/s")


if __name__ == "__main__":
    main()

"""The three-document check over 1,000,000 synthetic import trades (orders, payments, waybills,
inventories and their items), a few per cent broken in known ways: seconds, and every planted
fault found (and nothing else). Goal: under 30 seconds.
Run: `.venv/bin/python bench/crossborder_matching.py [trades]`.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from hanjiang.crossborder.matching import RULES, check_frames  # noqa: E402

# Planted faults: (rule that must fail or be missing, share of trades, how).
FAULTS = {
    "paid_formula": 0.01,
    "paid_equals_payment": 0.01,
    "buyer_is_payer": 0.01,
    "consignee_matches": 0.01,
    "items_match": 0.01,
    "payment_found": 0.005,  # the payment never came
}


def synthetic(trades: int) -> tuple[dict[str, pl.Series], tuple[pl.DataFrame, ...]]:
    """Synthetic trades (test data only) and, per rule, which trades were broken for it."""
    amount = pl.Decimal(19, 5)
    index = pl.int_range(trades, eager=True)
    base = pl.DataFrame({"i": index}).with_columns(
        pl.lit("4206960001").alias("ebp_code"),
        pl.lit("4206960002").alias("ebc_code"),
        pl.format("T{}", pl.col("i")).alias("order_no"),
        ((pl.col("i") % 5000) + 100).cast(amount).alias("goods_value"),
        pl.lit(10).cast(amount).alias("freight"),
        pl.lit(5).cast(amount).alias("tax_total"),
        pl.lit(3).cast(amount).alias("discount"),
        pl.format("buyer{}", pl.col("i") % 100_000).alias("buyer_name"),
        pl.format("id{}", pl.col("i") % 100_000).alias("buyer_id"),
        pl.format("consignee{}", pl.col("i")).alias("consignee"),
        pl.format("address{}", pl.col("i")).alias("consignee_address"),
        pl.format("tel{}", pl.col("i")).alias("consignee_telephone"),
        pl.format("YD{}", pl.col("i")).alias("logistics_no"),
    )
    # Which trade is broken for which rule: disjoint bands of the trade numbers.
    broken: dict[str, pl.Series] = {}
    start = 0
    for rule, share in FAULTS.items():
        count = int(trades * share)
        broken[rule] = (index >= start) & (index < start + count)
        start += count
    flag = {rule: pl.lit(mask) for rule, mask in broken.items()}
    paid = pl.col("goods_value") + pl.col("freight") + pl.col("tax_total") - pl.col("discount")
    orders = base.with_columns(
        pl.when(flag["paid_formula"]).then(paid + 1).otherwise(paid).alias("actural_paid")
    )
    payments = (
        orders.filter(~flag["payment_found"])
        .select(
            "ebp_code",
            "order_no",
            pl.when(flag["paid_equals_payment"].filter(~flag["payment_found"]))
            .then(pl.col("actural_paid") - 1)
            .otherwise(pl.col("actural_paid"))
            .alias("amount_paid"),
            "buyer_name",
            pl.col("buyer_name").alias("payer_name"),
            pl.when(flag["buyer_is_payer"].filter(~flag["payment_found"]))
            .then(pl.lit("someone else"))
            .otherwise(pl.col("buyer_id"))
            .alias("payer_id"),
        )
        .drop("buyer_name")
    )
    waybills = orders.select(
        "order_no",
        pl.lit("4206960004").alias("logistics_code"),
        "logistics_no",
        pl.when(flag["consignee_matches"])
        .then(pl.lit("another person"))
        .otherwise(pl.col("consignee"))
        .alias("consignee"),
        "consignee_address",
        "consignee_telephone",
    )
    inventories = orders.select(
        "ebp_code",
        "ebc_code",
        "order_no",
        pl.lit("4206960004").alias("logistics_code"),
        "logistics_no",
    )
    items = pl.concat(
        [
            orders.select(
                "ebp_code",
                "ebc_code",
                "order_no",
                pl.lit(1).alias("gnum"),
                pl.lit("奶粉").alias("name"),
            ),
            orders.select(
                "ebp_code",
                "ebc_code",
                "order_no",
                pl.lit(2).alias("gnum"),
                pl.lit("面霜").alias("name"),
            ),
        ]
    )
    inventory_items = items.with_columns(
        pl.when(
            (pl.col("gnum") == 2)
            & pl.col("order_no").is_in(orders.filter(flag["items_match"])["order_no"].implode())
        )
        .then(pl.lit("面膜"))
        .otherwise(pl.col("name"))
        .alias("name")
    )
    frames = (
        orders.drop("i"),
        payments,
        waybills,
        inventories,
        items.drop("ebc_code"),
        inventory_items,
    )
    return broken, frames


def main() -> None:
    trades = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    broken, frames = synthetic(trades)
    rows = sum(frame.height for frame in frames)
    print(f"Three-document check of {trades:,} synthetic trades ({rows:,} rows in 6 tables)")
    start = time.perf_counter()
    result = check_frames(*frames)
    seconds = time.perf_counter() - start
    result = result.sort(pl.col("order_no").str.slice(1).cast(pl.Int64))
    found_all = True
    for rule in RULES:
        failed = (
            result[rule].ne_missing(True)
            if rule.endswith("_found")
            else result[rule].eq_missing(False)
        )
        planted = broken.get(rule)
        expected = planted if planted is not None else pl.Series([False] * trades)
        # A trade without a payment cannot be checked against it: those rules stay unevaluated.
        if rule in {"paid_equals_payment", "buyer_is_payer"}:
            failed = failed & result["payment_found"].is_not_null()
        hits = int((failed & expected).sum())
        wrong = int((failed & ~expected).sum())
        missed = int((~failed & expected).sum())
        found_all &= wrong == 0 and missed == 0
        print(
            f"  {rule:22} planted {int(expected.sum()):7,}  found {hits:7,}  missed {missed}  extra {wrong}"
        )
    print(f"  seconds                {seconds:7.2f} (goal < 30)")
    print(f"  every planted fault found, nothing else: {'yes' if found_all else 'NO'}")


if __name__ == "__main__":
    main()

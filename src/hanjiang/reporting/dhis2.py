"""DHIS2's `dataValueSets` exchange formats, JSON and CSV, for import and export.

JSON: `{"dataSet": …, "period": …, "orgUnit": …, "dataValues": [{"dataElement", "period",
"orgUnit", "categoryOptionCombo", "value", "comment", …}]}` where the top-level fields are
defaults for every value. CSV: DHIS2's columns `dataelement, period, orgunit,
categoryoptioncombo, attributeoptioncombo, value, storedby, lastupdated, comment, followup`,
with or without the header row. Identifiers are our codes: element codes, period codes,
division statistical codes or organisation credit codes, disaggregation option codes.
"""

from __future__ import annotations

import csv
import gc
import io
from collections.abc import Iterable
from typing import Any

import orjson
import polars as pl

from hanjiang.reporting.models import DataValue

CSV_COLUMNS = [
    "dataelement",
    "period",
    "orgunit",
    "categoryoptioncombo",
    "attributeoptioncombo",
    "value",
    "storedby",
    "lastupdated",
    "comment",
    "followup",
]
DEFAULT_OPTION = {"", "default", "HllvX50cXC0"}


class FormatError(ValueError):
    pass


JSON_FIELDS = {
    "dataElement": "element",
    "period": "period",
    "orgUnit": "org_unit",
    "categoryOptionCombo": "category_option",
    "value": "value",
    "comment": "comment",
}


def parse_json(body: bytes) -> pl.DataFrame:
    """The values of a dataValueSets JSON document as a frame (see `values.rows_frame`)."""
    collecting = gc.isenabled()
    gc.disable()  # a million small dicts: the collector would only slow the parse down
    try:
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError as error:
            raise FormatError(f"not valid JSON ({error})") from None
        if not isinstance(document, dict) or not isinstance(document.get("dataValues"), list):
            raise FormatError("expected an object with a “dataValues” list")
        items = document["dataValues"]
        for index, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                raise FormatError(f"dataValues[{index}] is not an object")
            for key in JSON_FIELDS:
                if isinstance(item.get(key), dict | list):
                    raise FormatError(f"dataValues[{index}].{key} must be a single value")
        frame = pl.from_dicts(
            items, schema=dict.fromkeys(JSON_FIELDS, pl.String), strict=False
        ).rename(JSON_FIELDS)
    finally:
        if collecting:
            gc.enable()
    defaults = {"period": document.get("period") or "", "org_unit": document.get("orgUnit") or ""}
    return frame.with_columns(
        pl.int_range(1, frame.height + 1).alias("row"),
        pl.col("period").fill_null(str(defaults["period"])),
        pl.col("org_unit").fill_null(str(defaults["org_unit"])),
        _option_column(),
        pl.lit("").alias("explanation"),
    )


def _option_column() -> pl.Expr:
    option = pl.col("category_option").fill_null("").str.strip_chars()
    return (
        pl.when(option.is_in(list(DEFAULT_OPTION)))
        .then(pl.lit(""))
        .otherwise(option)
        .alias("category_option")
    )


def parse_csv(body: bytes) -> pl.DataFrame:
    """The values of a DHIS2 CSV (header row optional) as a frame."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError("the CSV is not UTF-8 text") from None
    records: list[list[str]] = []
    numbers: list[int] = []
    if "\x00" in text:
        raise FormatError("the CSV contains NUL characters")
    try:
        lines = list(enumerate(csv.reader(io.StringIO(text)), start=1))
    except csv.Error as error:
        raise FormatError(f"the CSV cannot be read ({error})") from None
    for index, record in lines:
        if not record or not any(cell.strip() for cell in record):
            continue
        if index == 1 and record[0].strip().lower() == "dataelement":
            continue
        if len(record) < 6:
            raise FormatError(f"line {index} has {len(record)} columns, at least 6 are needed")
        records.append((record + [""] * 10)[:10])
        numbers.append(index)
    columns: list[Any] = list(zip(*records, strict=True)) if records else [() for _ in range(10)]
    frame = pl.DataFrame(
        {
            "row": numbers,
            "element": columns[0],
            "period": columns[1],
            "org_unit": columns[2],
            "category_option": columns[3],
            "value": columns[5],
            "comment": columns[8],
            "explanation": [""] * len(numbers),
        },
        schema_overrides={"row": pl.Int64},
    )
    return frame.with_columns(_option_column())


def _records(values: Iterable[DataValue]) -> Iterable[dict[str, Any]]:
    for value in values:
        yield {
            "dataElement": value.element.code,
            "period": value.period,
            "orgUnit": value.org_unit,
            "categoryOptionCombo": value.category_option or "default",
            "attributeOptionCombo": "default",
            "value": value.value,
            "storedBy": value.stored_by,
            "created": value.created_at.isoformat(),
            "lastUpdated": value.updated_at.isoformat(),
            "comment": value.comment,
            "followup": False,
            "source": value.source.code,
        }


def render_json(values: Iterable[DataValue]) -> bytes:
    return orjson.dumps({"dataValues": list(_records(values))})


def render_csv(values: Iterable[DataValue]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for record in _records(values):
        writer.writerow(
            [
                record["dataElement"],
                record["period"],
                record["orgUnit"],
                record["categoryOptionCombo"],
                record["attributeOptionCombo"],
                record["value"],
                record["storedBy"],
                record["lastUpdated"],
                record["comment"],
                "false",
            ]
        )
    return buffer.getvalue()

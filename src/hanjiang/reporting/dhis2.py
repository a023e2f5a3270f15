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
import io
from collections.abc import Iterable
from typing import Any

import orjson

from hanjiang.reporting.models import DataValue
from hanjiang.reporting.values import ValueRow

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


def _option(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    return "" if text in DEFAULT_OPTION else text


def parse_json(body: bytes) -> list[ValueRow]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise FormatError(f"not valid JSON ({error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("dataValues"), list):
        raise FormatError("expected an object with a “dataValues” list")
    period = document.get("period") or ""
    org_unit = document.get("orgUnit") or ""
    rows: list[ValueRow] = []
    for index, item in enumerate(document["dataValues"], start=1):
        if not isinstance(item, dict):
            raise FormatError(f"dataValues[{index}] is not an object")
        value = item.get("value")
        rows.append(
            ValueRow(
                element=str(item.get("dataElement") or ""),
                period=str(item.get("period") or period),
                org_unit=str(item.get("orgUnit") or org_unit),
                category_option=_option(item.get("categoryOptionCombo")),
                value=None if value is None else str(value),
                comment=str(item.get("comment") or ""),
            )
        )
    return rows


def parse_csv(body: bytes) -> list[ValueRow]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError("the CSV is not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text))
    rows: list[ValueRow] = []
    for index, record in enumerate(reader, start=1):
        if not record or not any(cell.strip() for cell in record):
            continue
        if index == 1 and record[0].strip().lower() == "dataelement":
            continue
        if len(record) < 6:
            raise FormatError(f"line {index} has {len(record)} columns, at least 6 are needed")
        rows.append(
            ValueRow(
                element=record[0].strip(),
                period=record[1].strip(),
                org_unit=record[2].strip(),
                category_option=_option(record[3]),
                value=record[5],
                comment=record[8] if len(record) > 8 else "",
            )
        )
    return rows


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

"""The data entry workbook: one row per unit, element and option, downloaded and uploaded."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
from django.utils.translation import gettext_lazy as _

from hanjiang.core.periods import Period
from hanjiang.core.spreadsheets import Column, read_table, write_table
from hanjiang.reporting.models import DataSet
from hanjiang.reporting.selectors import entry_cells

ENTRY_COLUMNS = [
    Column("org_unit", _("Unit code"), required=True, width=20),
    Column("unit_name", _("Unit"), export_only=True, width=16),
    Column("period", _("Period"), required=True, width=10),
    Column("element", _("Element code"), required=True, width=24),
    Column("element_name", _("Element"), export_only=True, width=30),
    Column("category_option", _("Option code"), width=14),
    Column("option_name", _("Option"), export_only=True, width=12),
    Column("measure", _("Unit of measure"), export_only=True, width=10),
    Column("value", _("Value"), required=True, width=14),
    Column("comment", _("Comment"), width=24),
    Column("explanation", _("Explanation of a rule violation"), width=30),
]
FIGURE_COLUMNS = [
    Column("kind", _("Kind"), width=10),
    Column("code", _("Code"), width=26),
    Column("name", _("Name"), width=36),
    Column("value", _("Value"), width=16),
    Column("unit", _("Unit of measure"), width=12),
]
COMPLETENESS_COLUMNS = [
    Column("unit", _("Unit code"), width=20),
    Column("name", _("Unit"), width=20),
    Column("status", _("Status"), width=12),
    Column("submitted_at", _("Submitted at"), width=18),
]


def entry_workbook(data_set: DataSet, period: Period, units: Sequence[tuple[str, str]]) -> bytes:
    rows: list[dict[str, Any]] = []
    for code, name in units:
        for cell in entry_cells(data_set, period, code):
            rows.append(
                {
                    "org_unit": code,
                    "unit_name": name,
                    "period": period.code,
                    "element": cell.element.code,
                    "element_name": cell.element.name_zh,
                    "category_option": cell.option_code,
                    "option_name": cell.option_name,
                    "measure": cell.element.unit_zh,
                    "value": cell.value,
                    "comment": cell.comment,
                    "explanation": cell.explanation,
                }
            )
    return write_table(f"{data_set.code} {period.code}", ENTRY_COLUMNS, rows)


def read_entry_workbook(upload: Any) -> pl.DataFrame:
    """The uploaded rows as a value frame, numbered by their Excel row."""
    table = read_table(upload, ENTRY_COLUMNS)
    return pl.DataFrame(
        {
            "row": [number for number, _record in table],
            **{
                key: [record.get(key, "") for _number, record in table]
                for key in (
                    "element",
                    "period",
                    "org_unit",
                    "category_option",
                    "value",
                    "comment",
                    "explanation",
                )
            },
        },
        schema_overrides={"row": pl.Int64},
    )

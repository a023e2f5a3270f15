"""Reading and writing .xlsx tables with localized headers, shared by every module's imports.

A sheet's first row holds the headers; each column is recognised by its Chinese or English
header or by its field key, so that a template downloaded in either language can be uploaded.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast
from xml.etree import ElementTree

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet.worksheet import Worksheet

from hanjiang.core.errors import ErrorItem, ValidationFailed

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 20_000


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    required: bool = False
    width: int = 18
    import_only: bool = False
    export_only: bool = False

    def headers(self) -> set[str]:
        names = {self.key}
        for language in ("zh-hans", "en"):
            with translation.override(language):
                names.add(str(self.label))
        return {name.strip().lower() for name in names}


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(upload: Any, columns: Sequence[Column]) -> list[tuple[int, dict[str, str]]]:
    """Rows of the first sheet as (Excel row number, {key: text}); blank rows are skipped.

    Raises ValidationFailed for a file that is too large, not a readable .xlsx workbook, has
    more than MAX_ROWS rows, or whose headers do not match `columns` (naming the column letter
    of each unknown header).
    """
    size = getattr(upload, "size", None)
    if size is not None and size > settings.UPLOAD_MAX_BYTES:
        raise ValidationFailed(
            [
                ErrorItem(
                    "file_too_large",
                    _("The file is larger than %(mb)d MB.")
                    % {"mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
                    field="file",
                )
            ]
        )
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except UNREADABLE:
        raise ValidationFailed([_not_a_workbook()]) from None
    try:
        return _read_rows(workbook, columns)
    except UNREADABLE:
        raise ValidationFailed([_not_a_workbook()]) from None
    finally:
        workbook.close()


UNREADABLE = (
    InvalidFileException,
    zipfile.BadZipFile,
    ElementTree.ParseError,
    KeyError,
    OSError,
    ValueError,
    TypeError,
    IndexError,
    EOFError,
)


def _not_a_workbook() -> ErrorItem:
    return ErrorItem(
        "invalid_file", _("The file is not a readable Excel workbook (.xlsx)."), field="file"
    )


def _header_positions(header_row: Sequence[Any], columns: Sequence[Column]) -> dict[int, str]:
    importable = [column for column in columns if not column.export_only]
    ignored = [column for column in columns if column.export_only]
    by_header = {header: column for column in importable for header in column.headers()}
    ignored_headers = {header for column in ignored for header in column.headers()}
    positions: dict[int, str] = {}
    errors: list[ErrorItem] = []
    for index, raw in enumerate(header_row):
        header = cell_text(raw).lower()
        if not header or header in ignored_headers:
            continue
        column = by_header.get(header)
        letter = get_column_letter(index + 1)
        if column is None:
            errors.append(
                ErrorItem(
                    "unknown_column",
                    _("Column %(letter)s has an unknown header “%(header)s”.")
                    % {"letter": letter, "header": cell_text(raw)},
                    field="file",
                    row=1,
                )
            )
        elif column.key in positions.values():
            errors.append(
                ErrorItem(
                    "duplicate_column",
                    _("Column %(letter)s repeats the column “%(header)s”.")
                    % {"letter": letter, "header": cell_text(raw)},
                    field="file",
                    row=1,
                )
            )
        else:
            positions[index] = column.key
    for column in importable:
        if column.required and column.key not in positions.values():
            errors.append(
                ErrorItem(
                    "missing_column",
                    _("The required column “%(header)s” is missing.") % {"header": column.label},
                    field="file",
                    row=1,
                )
            )
    if errors:
        raise ValidationFailed(errors)
    return positions


def _read_rows(workbook: Any, columns: Sequence[Column]) -> list[tuple[int, dict[str, str]]]:
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    header_row = next(rows, None)
    if header_row is None:
        raise ValidationFailed(
            [ErrorItem("empty_file", _("The sheet is empty: no header row."), field="file")]
        )
    positions = _header_positions(header_row, columns)
    table: list[tuple[int, dict[str, str]]] = []
    for number, values in enumerate(rows, start=2):
        record = {
            key: cell_text(values[index]) if index < len(values) else ""
            for index, key in positions.items()
        }
        if not any(record.values()):
            continue
        table.append((number, record))
        if len(table) > MAX_ROWS:
            raise ValidationFailed(
                [
                    ErrorItem(
                        "too_many_rows",
                        _("The sheet has more than %(n)d rows; split it into several files.")
                        % {"n": MAX_ROWS},
                        field="file",
                    )
                ]
            )
    return table


def write_table(title: str, columns: Sequence[Column], rows: Iterable[dict[str, Any]]) -> bytes:
    """An .xlsx workbook with one sheet: bold headers in the active language, text cells."""
    return write_tables([(title, columns, rows)])


def write_tables(
    sheets: Sequence[tuple[str, Sequence[Column], Iterable[dict[str, Any]]]],
) -> bytes:
    """An .xlsx workbook with a sheet per (title, columns, rows), each as `write_table` makes
    it."""
    workbook = Workbook()
    workbook.remove(cast(Worksheet, workbook.active))
    for title, columns, rows in sheets:
        _write_sheet(workbook.create_sheet(title[:31]), columns, rows)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_sheet(
    sheet: Worksheet, columns: Sequence[Column], rows: Iterable[dict[str, Any]]
) -> None:
    exported = [column for column in columns if not column.import_only]
    sheet.append([str(column.label) for column in exported])
    fill = PatternFill("solid", fgColor="DDE7F3")
    for index, column in enumerate(exported, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if column.required else "000000")
        cell.fill = fill
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    for row in rows:
        sheet.append([row.get(column.key, "") for column in exported])
    for row_cells in sheet.iter_rows(min_row=2):
        for cell in row_cells:
            # Codes are text: keep leading digits and stop Excel from turning them into numbers.
            cell.number_format = "@"
            # Text that looks like a formula stays text: a record must never run in a spreadsheet.
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_PREFIXES):
                cell.data_type = "s"
    sheet.freeze_panes = "A2"

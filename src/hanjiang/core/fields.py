"""Reading a field of a form, an API body or a spreadsheet cell, shared by every module."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hanjiang.core.errors import ErrorItem


def date_field(
    text: str,
    field_name: str,
    row: int | None,
    errors: list[ErrorItem],
    *,
    required: str | Promise = "",
) -> datetime.date | None:
    """An ISO date from a form, API or spreadsheet cell; an empty text is None, or the error
    `required` with the given message."""
    text = text.strip()
    if not text:
        if required:
            errors.append(ErrorItem("required", required, field=field_name, row=row))
        return None
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        errors.append(
            ErrorItem(
                "invalid_date",
                _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": text},
                field=field_name,
                row=row,
            )
        )
        return None


def decimal_field(
    text: str,
    field_name: str,
    row: int | None,
    errors: list[ErrorItem],
    *,
    low: Decimal,
    high: Decimal,
    places: int,
) -> Decimal | None:
    """A decimal number between `low` and `high` with at most `places` decimals; an empty text
    is None."""
    text = text.strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if (
        not number.is_finite()
        or not low <= number <= high
        or -int(number.as_tuple().exponent) > places
    ):
        errors.append(
            ErrorItem(
                "invalid_number",
                _(
                    "“%(value)s” is not a number from %(low)s to %(high)s "
                    "with at most %(places)s decimals."
                )
                % {"value": text, "low": low, "high": high, "places": places},
                field=field_name,
                row=row,
            )
        )
        return None
    return number

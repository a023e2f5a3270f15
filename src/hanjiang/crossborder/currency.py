"""Converting declared export values into yuan by the exchange rates the city records.

Rules:
- a rate is yuan per unit of a currency (its customs code, three digits; 142 is the yuan itself
  and needs no rate) from a date, with its source; a later rate of the same currency replaces it
  from its own date on; rates have at most 6 decimals and are above zero;
- a value is converted by the rate in force on the declaration date; a value in a currency with
  no rate in force then is not converted: it is left out of the figures and counted as such,
  never taken as zero;
- only the city's administrators record rates; each is audited, and the cross-border figures are
  published again.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.audit import audit_record, snapshot
from hanjiang.core.errors import ErrorItem, PermissionDeniedError, ValidationFailed
from hanjiang.core.fields import date_field, decimal_field
from hanjiang.core.models import AuditAction
from hanjiang.crossborder.models import ExchangeRate

YUAN = "142"


class Rates:
    """Every recorded rate, looked up by currency and day."""

    def __init__(self) -> None:
        self.days: dict[str, list[datetime.date]] = defaultdict(list)
        self.values: dict[str, list[Decimal]] = defaultdict(list)
        for rate in ExchangeRate.objects.order_by("currency", "valid_from"):
            self.days[rate.currency].append(rate.valid_from)
            self.values[rate.currency].append(rate.cny_per_unit)

    def to_yuan(self, amount: Decimal, currency: str, day: datetime.date) -> Decimal | None:
        if currency == YUAN:
            return amount
        index = bisect.bisect_right(self.days.get(currency, []), day) - 1
        return amount * self.values[currency][index] if index >= 0 else None


@dataclass(frozen=True)
class RateInput:
    currency: str
    valid_from: str
    cny_per_unit: str
    source: str


def rate_save(*, actor: Any, data: RateInput) -> ExchangeRate:
    from hanjiang.crossborder import statistics

    if scope_of(actor).role != Role.CITY_ADMIN:
        raise PermissionDeniedError(
            "forbidden", _("Only the city's administrators record exchange rates.")
        )
    errors: list[ErrorItem] = []
    currency = data.currency.strip()
    if not (len(currency) == 3 and currency.isascii() and currency.isdigit()) or currency == YUAN:
        errors.append(
            ErrorItem(
                "invalid_currency",
                _("Give the currency's three-digit customs code (142, the yuan, needs no rate)."),
                field="currency",
            )
        )
    day = date_field(
        data.valid_from, "valid_from", None, errors, required=_("This field is required.")
    )
    rate = decimal_field(
        data.cny_per_unit,
        "cny_per_unit",
        None,
        errors,
        low=Decimal("0.000001"),
        high=Decimal("999999"),
        places=6,
    )
    if data.cny_per_unit.strip() == "":
        errors.append(ErrorItem("required", _("This field is required."), field="cny_per_unit"))
    if not data.source.strip():
        errors.append(ErrorItem("required", _("Name the source of the rate."), field="source"))
    if day and currency and ExchangeRate.objects.filter(currency=currency, valid_from=day).exists():
        errors.append(
            ErrorItem(
                "duplicate",
                _("A rate of this currency from this date is already recorded."),
                field="valid_from",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    assert day is not None and rate is not None  # noqa: S101 - checked above
    with transaction.atomic():
        saved = ExchangeRate.objects.create(
            currency=currency, valid_from=day, cny_per_unit=rate, source=data.source.strip()[:200]
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=saved,
            before=None,
            after=snapshot(saved),
        )
        transaction.on_commit(lambda: statistics.publish(timezone.localdate()))
    return saved

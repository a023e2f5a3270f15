"""Reporting periods with ISO-like codes, as DHIS2 writes them: `2024`, `2024Q3`, `202409`.

A period is a value object: its type, its code, and the first and last day it covers.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from enum import StrEnum


class PeriodType(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


_PATTERNS = [
    (re.compile(r"^([0-9]{4})$"), PeriodType.YEARLY),
    (re.compile(r"^([0-9]{4})Q([1-4])$"), PeriodType.QUARTERLY),
    (re.compile(r"^([0-9]{4})(0[1-9]|1[0-2])$"), PeriodType.MONTHLY),
]


class InvalidPeriod(ValueError):
    pass


@dataclass(frozen=True, order=True)
class Period:
    start: datetime.date
    end: datetime.date
    type: PeriodType
    code: str

    @classmethod
    def parse(cls, code: str) -> Period:
        """The period of a code; raises InvalidPeriod for anything else."""
        text = (code or "").strip()
        for pattern, period_type in _PATTERNS:
            match = pattern.match(text)
            if match is None:
                continue
            year = int(match.group(1))
            if not 1900 <= year <= 2200:
                break
            if period_type == PeriodType.YEARLY:
                return cls.year(year)
            if period_type == PeriodType.QUARTERLY:
                return cls.quarter(year, int(match.group(2)))
            return cls.month(year, int(match.group(2)))
        raise InvalidPeriod(code)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(
            datetime.date(year, 1, 1), datetime.date(year, 12, 31), PeriodType.YEARLY, f"{year}"
        )

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        first_month = 3 * (quarter - 1) + 1
        last_month = first_month + 2
        end = datetime.date(year, last_month, calendar.monthrange(year, last_month)[1])
        return cls(
            datetime.date(year, first_month, 1), end, PeriodType.QUARTERLY, f"{year}Q{quarter}"
        )

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        end = datetime.date(year, month, calendar.monthrange(year, month)[1])
        return cls(datetime.date(year, month, 1), end, PeriodType.MONTHLY, f"{year}{month:02d}")

    @property
    def year_number(self) -> int:
        return self.start.year

    def previous(self) -> Period:
        """The period of the same type just before this one."""
        return self.shift(-1)

    def shift(self, steps: int) -> Period:
        if self.type == PeriodType.YEARLY:
            return Period.year(self.start.year + steps)
        months = 3 if self.type == PeriodType.QUARTERLY else 1
        index = self.start.year * 12 + self.start.month - 1 + steps * months
        year, month0 = divmod(index, 12)
        if self.type == PeriodType.QUARTERLY:
            return Period.quarter(year, month0 // 3 + 1)
        return Period.month(year, month0 + 1)

    def parent(self, period_type: PeriodType) -> Period:
        """The quarter or year this period falls in."""
        if period_type == PeriodType.YEARLY:
            return Period.year(self.start.year)
        if period_type == PeriodType.QUARTERLY:
            return Period.quarter(self.start.year, (self.start.month - 1) // 3 + 1)
        return Period.month(self.start.year, self.start.month)

    def months(self) -> list[Period]:
        count = {PeriodType.YEARLY: 12, PeriodType.QUARTERLY: 3, PeriodType.MONTHLY: 1}[self.type]
        first = Period.month(self.start.year, self.start.month)
        return [first.shift(step) for step in range(count)]

    def has_ended(self, today: datetime.date) -> bool:
        return self.end < today

    def __str__(self) -> str:
        return self.code

"""Writes of the plans module that go to the statistics hub."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hanjiang.core.errors import ErrorItem
from hanjiang.core.models import AuditChannel
from hanjiang.plans.models import Plan
from hanjiang.reporting.values import ImportSummary, ValueRow, values_import

CITY_PUBLISHED = "city-published"


def figure_record(
    *, actor: Any, plan: Plan, element: str, year: str, value: str, citation: str
) -> ImportSummary:
    """Record a published yearly figure of the plan's region (e.g. from a statistical bulletin).
    The citation is required: every figure carries its source."""
    if not citation.strip():
        summary = ImportSummary()
        summary.conflicts.append(
            ErrorItem("required", _("Say where the figure is published."), field="citation")
        )
        return summary
    last_ended = timezone.localdate().year - 1
    if not (year.strip().isdigit() and plan.baseline_year <= int(year) <= last_ended):
        summary = ImportSummary()
        summary.conflicts.append(
            ErrorItem(
                "invalid_year",
                _("Give a year from %(first)d to %(last)d.")
                % {"first": plan.baseline_year, "last": last_ended},
                field="year",
            )
        )
        return summary
    return values_import(
        actor=actor,
        rows=[ValueRow(element, year.strip(), plan.region_code, value, comment=citation.strip())],
        source_code=CITY_PUBLISHED,
        channel=AuditChannel.WEB,
    )

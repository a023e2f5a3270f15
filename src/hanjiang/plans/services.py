"""Writes of the plans module that go to the statistics hub."""

from __future__ import annotations

from typing import Any

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
    return values_import(
        actor=actor,
        rows=[ValueRow(element, year.strip(), plan.region_code, value, comment=citation.strip())],
        source_code=CITY_PUBLISHED,
        channel=AuditChannel.WEB,
    )

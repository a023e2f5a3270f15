"""How a module publishes figures it derives from its own records.

A module registers a derived data source once, then publishes the complete set of values it
computes for some elements and periods. Publishing replaces that source's values for those
elements and periods: new values are added, changed ones updated, and values the module no
longer produces removed. Derived elements cannot be typed in, so nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

from hanjiang.core.models import AuditChannel
from hanjiang.reporting.models import DataElement, DataSource, DataValue
from hanjiang.reporting.values import ImportSummary, ValueRow, values_import


@dataclass(frozen=True)
class DerivedValue:
    element: str
    period: str
    org_unit: str
    value: float | int | str
    category_option: str = ""
    comment: str = ""


def _text(value: float | int | str) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _unit_key(code: str) -> str:
    """Division codes in their 12-digit form, credit codes in capitals, as values store them."""
    code = code.strip()
    return code.ljust(12, "0") if code.isdigit() else code.upper()


def derived_source_register(
    *, code: str, name_zh: str, name_en: str, module: str, citation: str = ""
) -> DataSource:
    """Create or update the derived data source of a module."""
    source, _created = DataSource.objects.update_or_create(
        code=code,
        defaults={
            "kind": DataSource.Kind.DERIVED,
            "name_zh": name_zh,
            "name_en": name_en,
            "module": module,
            "citation": citation,
        },
    )
    return source


def derived_values_publish(
    *,
    source_code: str,
    elements: Iterable[str],
    periods: Iterable[str],
    values: Sequence[DerivedValue],
) -> ImportSummary:
    """Replace the source's values of `elements` × `periods` with `values`."""
    element_codes = set(elements)
    period_codes = set(periods)
    produced = {(v.element, v.period, _unit_key(v.org_unit), v.category_option) for v in values}
    stale = [
        ValueRow(code, period, unit, "", category_option=option)
        for code, period, unit, option in DataValue.objects.filter(
            source__code=source_code,
            element__code__in=element_codes,
            period__in=period_codes,
        ).values_list("element__code", "period", "org_unit", "category_option")
        if (code, period, unit, option) not in produced
    ]
    # A key that holds a value from another source (a figure the city recorded, a report)
    # keeps it: a source replaces only its own values.
    taken = set(
        DataValue.objects.filter(element__code__in=element_codes, period__in=period_codes)
        .exclude(source__code=source_code)
        .values_list("element__code", "period", "org_unit", "category_option")
    )
    values = [
        v
        for v in values
        if (v.element, v.period, _unit_key(v.org_unit), v.category_option) not in taken
    ]
    rows = [
        ValueRow(
            v.element,
            v.period,
            v.org_unit,
            _text(v.value),
            category_option=v.category_option,
            comment=v.comment,
        )
        for v in values
        if v.element in element_codes and v.period in period_codes
    ]
    with transaction.atomic():
        return values_import(
            actor=None,
            rows=[*rows, *stale],
            source_code=source_code,
            atomic=True,
            channel=AuditChannel.SYSTEM,
        )


def published_source_register(
    *, code: str, name_zh: str, name_en: str, citation: str
) -> DataSource:
    """Create or update the source of figures published in a document (a plan, a bulletin)."""
    source, _created = DataSource.objects.update_or_create(
        code=code,
        defaults={
            "kind": DataSource.Kind.PUBLISHED,
            "name_zh": name_zh,
            "name_en": name_en,
            "module": "",
            "citation": citation,
        },
    )
    return source


def element_upsert(
    *,
    code: str,
    name_zh: str,
    name_en: str,
    value_type: str,
    aggregation: str,
    unit_zh: str = "",
    unit_en: str = "",
    dimension: str = "context",
    definition_zh: str = "",
) -> DataElement:
    """Define (or update) a data element that no data set collects, e.g. a plan's own figure."""
    element, _created = DataElement.objects.update_or_create(
        code=code,
        defaults={
            "name_zh": name_zh,
            "name_en": name_en,
            "value_type": value_type,
            "aggregation": aggregation,
            "unit_zh": unit_zh,
            "unit_en": unit_en,
            "dimension": dimension,
            "definition_zh": definition_zh,
        },
    )
    return element


@dataclass(frozen=True)
class ElementDefinition:
    """A data element a module publishes, as the module would define it."""

    code: str
    name_zh: str
    name_en: str
    unit_zh: str
    value_type: str  # integer, number, percentage
    aggregation: str
    dimension: str = "context"


def elements_define(definitions: Iterable[ElementDefinition]) -> None:
    """Define the elements that do not exist yet; an element a plan (or anything else) already
    defines keeps its definition."""
    definitions = list(definitions)
    present = set(
        DataElement.objects.filter(code__in=[d.code for d in definitions]).values_list(
            "code", flat=True
        )
    )
    for definition in definitions:
        if definition.code not in present:
            element_upsert(
                code=definition.code,
                name_zh=definition.name_zh,
                name_en=definition.name_en,
                unit_zh=definition.unit_zh,
                value_type=definition.value_type,
                aggregation=definition.aggregation,
                dimension=definition.dimension,
            )

"""Loading a statistics report system (elements, data sets, indicators, rules) from YAML.

The shipped system is `data/ecommerce_statistics.yaml`. Loading is idempotent: records are
matched by code and updated in place; nothing is deleted. A bad file is refused with the path
of each problem, and nothing is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from hanjiang.core.periods import PeriodType
from hanjiang.reporting.expressions import Expression, ExpressionError
from hanjiang.reporting.models import (
    AggregationType,
    Category,
    CategoryOption,
    DataElement,
    DataSet,
    DataSetElement,
    DataSource,
    Dimension,
    Importance,
    Indicator,
    Operator,
    ReportingUnits,
    ValidationRule,
    ValueType,
)

SHIPPED = Path(__file__).resolve().parent / "data" / "ecommerce_statistics.yaml"


class MetadataError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class MetadataResult:
    elements: int
    data_sets: int
    indicators: int
    rules: int


def _require(item: dict[str, Any], path: str, keys: list[str], problems: list[str]) -> None:
    for key in keys:
        if item.get(key) in (None, ""):
            problems.append(f"{path}.{key}: required")


def _choice(value: Any, allowed: list[str], path: str, problems: list[str]) -> None:
    if value not in allowed:
        problems.append(f"{path}: “{value}” is not one of {', '.join(allowed)}")


def validate_metadata(document: Any) -> list[str]:
    problems: list[str] = []
    if not isinstance(document, dict):
        return ["(root): expected a mapping"]
    codes: set[str] = set()
    category_codes = {category.get("code") for category in document.get("categories") or []}
    for index, element in enumerate(document.get("elements") or []):
        path = f"elements[{index}]"
        _require(
            element, path, ["code", "name_zh", "name_en", "value_type", "aggregation"], problems
        )
        _choice(element.get("value_type"), ValueType.values, f"{path}.value_type", problems)
        _choice(element.get("aggregation"), AggregationType.values, f"{path}.aggregation", problems)
        _choice(element.get("dimension"), Dimension.values, f"{path}.dimension", problems)
        if element.get("category") and element["category"] not in category_codes:
            problems.append(f"{path}.category: unknown disaggregation “{element['category']}”")
        if element.get("code") in codes:
            problems.append(f"{path}.code: “{element['code']}” appears twice")
        codes.add(element.get("code"))
    set_codes: set[str] = set()
    for index, data_set in enumerate(document.get("data_sets") or []):
        path = f"data_sets[{index}]"
        _require(data_set, path, ["code", "name_zh", "name_en", "period_type"], problems)
        _choice(
            data_set.get("period_type"),
            [t.value for t in PeriodType],
            f"{path}.period_type",
            problems,
        )
        _choice(
            data_set.get("reporting_units"),
            ReportingUnits.values,
            f"{path}.reporting_units",
            problems,
        )
        for position, code in enumerate(data_set.get("elements") or []):
            if code not in codes:
                problems.append(f"{path}.elements[{position}]: unknown data element “{code}”")
        set_codes.add(data_set.get("code"))
    for section, fields in (
        ("indicators", ["numerator", "denominator"]),
        ("validation_rules", ["left", "right"]),
    ):
        for index, item in enumerate(document.get(section) or []):
            path = f"{section}[{index}]"
            _require(item, path, ["code", "name_zh", "name_en", *fields], problems)
            for field in fields:
                try:
                    expression = Expression.parse(str(item.get(field, "")))
                except ExpressionError as error:
                    problems.append(f"{path}.{field}: {error}")
                    continue
                for reference in expression.references:
                    if reference.element not in codes:
                        problems.append(
                            f"{path}.{field}: unknown data element “{reference.element}”"
                        )
                    if reference.option:
                        problems.append(
                            f"{path}.{field}: options (#{{CODE.option}}) are not supported"
                        )
                    if reference.offset and section == "indicators":
                        problems.append(
                            f"{path}.{field}: an indicator cannot use the previous period"
                        )
            if section == "validation_rules":
                _choice(item.get("operator"), Operator.values, f"{path}.operator", problems)
                _choice(item.get("importance"), Importance.values, f"{path}.importance", problems)
                if item.get("data_set") not in set_codes:
                    problems.append(f"{path}.data_set: unknown data set “{item.get('data_set')}”")
    return problems


@transaction.atomic
def metadata_load(path: Path = SHIPPED) -> MetadataResult:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise MetadataError([f"(file): not valid YAML: {error}"]) from None
    problems = validate_metadata(document)
    if problems:
        raise MetadataError(problems)
    for source in document.get("sources") or []:
        DataSource.objects.update_or_create(
            code=source["code"], defaults={k: v for k, v in source.items() if k != "code"}
        )
    categories: dict[str, Category] = {}
    for item in document.get("categories") or []:
        category, _created = Category.objects.update_or_create(
            code=item["code"], defaults={"name_zh": item["name_zh"], "name_en": item["name_en"]}
        )
        for order, option in enumerate(item.get("options") or []):
            CategoryOption.objects.update_or_create(
                category=category,
                code=option["code"],
                defaults={
                    "name_zh": option["name_zh"],
                    "name_en": option["name_en"],
                    "sort_order": order,
                },
            )
        categories[category.code] = category
    elements: dict[str, DataElement] = {}
    fields = [
        "name_zh",
        "name_en",
        "definition_zh",
        "definition_en",
        "value_type",
        "unit_zh",
        "unit_en",
        "aggregation",
        "dimension",
    ]
    for item in document.get("elements") or []:
        defaults = {field: item.get(field, "") for field in fields}
        defaults["category"] = categories.get(item.get("category", ""))
        defaults["is_derived"] = bool(item.get("is_derived", False))
        element, _created = DataElement.objects.update_or_create(
            code=item["code"], defaults=defaults
        )
        elements[element.code] = element
    data_sets: dict[str, DataSet] = {}
    for item in document.get("data_sets") or []:
        data_set, _created = DataSet.objects.update_or_create(
            code=item["code"],
            defaults={
                "name_zh": item["name_zh"],
                "name_en": item["name_en"],
                "description": item.get("description", ""),
                "period_type": item["period_type"],
                "reporting_units": item["reporting_units"],
                "organisation_kind": item.get("organisation_kind", ""),
                "due_days": item.get("due_days", 30),
                "lock_days": item.get("lock_days", 60),
            },
        )
        DataSetElement.objects.filter(data_set=data_set).exclude(
            element__code__in=item["elements"]
        ).delete()
        for order, code in enumerate(item["elements"]):
            DataSetElement.objects.update_or_create(
                data_set=data_set, element=elements[code], defaults={"sort_order": order}
            )
        data_sets[data_set.code] = data_set
    for item in document.get("indicators") or []:
        Indicator.objects.update_or_create(
            code=item["code"],
            defaults={
                "name_zh": item["name_zh"],
                "name_en": item["name_en"],
                "definition_zh": item.get("definition_zh", ""),
                "definition_en": item.get("definition_en", ""),
                "numerator": item["numerator"],
                "denominator": item.get("denominator", "1"),
                "factor": item.get("factor", 1),
                "unit_zh": item.get("unit_zh", ""),
                "unit_en": item.get("unit_en", ""),
                "decimals": item.get("decimals", 2),
                "dimension": item.get("dimension", Dimension.CONTEXT),
            },
        )
    for item in document.get("validation_rules") or []:
        ValidationRule.objects.update_or_create(
            code=item["code"],
            defaults={
                "name_zh": item["name_zh"],
                "name_en": item["name_en"],
                "left": item["left"],
                "operator": item["operator"],
                "right": item["right"],
                "importance": item["importance"],
                "data_set": data_sets[item["data_set"]],
            },
        )
    return MetadataResult(
        elements=len(elements),
        data_sets=len(data_sets),
        indicators=len(document.get("indicators") or []),
        rules=len(document.get("validation_rules") or []),
    )

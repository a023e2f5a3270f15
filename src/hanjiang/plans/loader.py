"""Loading a plan file: schema check, semantic checks, then one transaction.

A refused file names the path of every problem and loads nothing. Loading a plan whose code
exists updates it in place: indicators and projects are matched by code, those no longer in the
file are removed, and the plan's published figures are replaced by those of the file.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from django.db import transaction

from hanjiang.core.periods import InvalidPeriod, Period
from hanjiang.plans.models import Plan, PlanIndicator, PlanProject
from hanjiang.registry.models import Division, Organisation
from hanjiang.reporting.models import DataElement, DataValue, Indicator
from hanjiang.reporting.publishing import (
    DerivedValue,
    element_upsert,
    published_source_register,
)
from hanjiang.reporting.publishing import derived_values_publish as source_values_replace

SCHEMA = json.loads((Path(__file__).with_name("plan-schema.json")).read_text(encoding="utf-8"))
DATA_DIR = Path(__file__).resolve().parent / "data"


class PlanFileError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class LoadResult:
    plan: Plan
    indicators: int
    leaves: int
    projects: int
    baselines: int


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"


def _walk(
    nodes: list[dict[str, Any]], path: str, level: int = 1
) -> Iterator[tuple[dict[str, Any], str, int]]:
    for index, node in enumerate(nodes):
        node_path = f"{path}[{index}]"
        yield node, node_path, level
        yield from _walk(node.get("children") or [], f"{node_path}.children", level + 1)


class _PlanLoader(yaml.SafeLoader):
    """Safe YAML without aliases: a plan file never needs them, and they allow expansion bombs."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("aliases (*name) are not allowed in a plan file")
        return super().compose_node(parent, index)


def _finite_problems(value: Any, path: str) -> list[str]:
    if isinstance(value, float) and not math.isfinite(value):
        return [f"{path}: numbers must be finite"]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in _finite_problems(item, f"{path}.{key}")]
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in _finite_problems(item, f"{path}[{i}]")]
    return []


def read_plan_file(text: str) -> dict[str, Any]:
    """Parse and check a plan file. Raises PlanFileError listing every problem."""
    if len(text) > 5 * 1024 * 1024:
        raise PlanFileError(["(file): larger than 5 MB"])
    try:
        document = yaml.load(text, Loader=_PlanLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as error:
        raise PlanFileError([f"(file): not valid YAML: {str(error)[:300]}"]) from None
    except RecursionError:
        raise PlanFileError(["(file): nested too deeply"]) from None
    validator = jsonschema.Draft202012Validator(SCHEMA)
    problems = sorted(
        f"{_path(error.absolute_path)}: {error.message[:300]}"
        for error in validator.iter_errors(document)
    )
    if not problems:
        problems = _finite_problems(document, "(root)")
    if problems:
        raise PlanFileError(problems)
    problems = _semantic_problems(document)
    if problems:
        raise PlanFileError(problems)
    return dict(document)


def _semantic_problems(document: dict[str, Any]) -> list[str]:
    problems: list[str] = []
    plan = document["plan"]
    for key in ("start_year", "end_year", "baseline_year"):
        if not 1900 <= plan[key] <= 2200:
            problems.append(f"plan.{key}: {plan[key]} is not a year from 1900 to 2200")
    if not plan["start_year"] <= plan["end_year"]:
        problems.append("plan.end_year: before start_year")
    if not Division.objects.filter(code=plan["region"].ljust(12, "0")).exists():
        problems.append(f"plan.region: no division with code {plan['region']}")
    element_codes = set(DataElement.objects.values_list("code", flat=True)) | {
        element["code"] for element in document.get("elements") or []
    }
    indicator_codes = set(Indicator.objects.values_list("code", flat=True))
    seen: dict[str, str] = {}
    for node, path, level in _walk(document["indicators"], "indicators"):
        if node["code"] in seen:
            problems.append(
                f"{path}.code: “{node['code']}” is already used at {seen[node['code']]}"
            )
        seen[node["code"]] = path
        if level > 3:
            problems.append(f"{path}: the indicator tree has at most three levels")
        measure = node.get("measure") or {}
        if "element" in measure and measure["element"] not in element_codes:
            problems.append(f"{path}.measure.element: unknown data element “{measure['element']}”")
        if "indicator" in measure and measure["indicator"] not in indicator_codes:
            problems.append(f"{path}.measure.indicator: unknown indicator “{measure['indicator']}”")
        target = node.get("target")
        if target and target["kind"] == "range" and target["low"] > target["high"]:
            problems.append(f"{path}.target: low is above high")
    for index, baseline in enumerate(document.get("baselines") or []):
        path = f"baselines[{index}]"
        if baseline["element"] not in element_codes:
            problems.append(f"{path}.element: unknown data element “{baseline['element']}”")
        try:
            Period.parse(str(baseline["period"]))
        except InvalidPeriod:
            problems.append(f"{path}.period: “{baseline['period']}” is not a period code")
        unit = str(baseline["unit"])
        known = (
            Division.objects.filter(code=unit.ljust(12, "0")).exists()
            if unit.isdigit()
            else Organisation.objects.filter(uscc=unit.upper()).exists()
        )
        if not known:
            problems.append(f"{path}.unit: unknown organisation unit “{unit}”")
    return problems


@transaction.atomic
def plan_load(text: str) -> LoadResult:
    """Load (or update in place) the plan of a plan file."""
    document = read_plan_file(text)
    header = document["plan"]
    plan, _created = Plan.objects.update_or_create(
        code=header["code"],
        defaults={
            "title": header["title"],
            "title_en": header.get("title_en", ""),
            "issuer": header.get("issuer", ""),
            "region_code": header["region"].ljust(12, "0"),
            "start_year": header["start_year"],
            "end_year": header["end_year"],
            "baseline_year": header["baseline_year"],
            "status": header["status"],
            # Progress is public only for a plan in force; a draft stays with the staff.
            "is_published": header["status"] == "in_force",
            "positioning": document.get("positioning") or [],
            "goals": document.get("goals") or {},
            "layout": document.get("layout") or [],
        },
    )
    for element in document.get("elements") or []:
        element_upsert(
            code=element["code"],
            name_zh=element["name_zh"],
            name_en=element["name_en"],
            value_type=element["value_type"],
            aggregation=element["aggregation"],
            unit_zh=element.get("unit_zh", ""),
            unit_en=element.get("unit_en", ""),
            definition_zh=element.get("definition_zh", ""),
        )
    kept: list[str] = []
    leaves = 0
    by_code: dict[str, PlanIndicator] = {}
    for order, (node, _path, level) in enumerate(_walk(document["indicators"], "indicators")):
        target = node.get("target") or {}
        baseline = node.get("baseline") or {}
        measure = node.get("measure") or {}
        indicator, _created = PlanIndicator.objects.update_or_create(
            plan=plan,
            code=node["code"],
            defaults={
                "parent": None,
                "name": node["name"],
                "level": level,
                "sort_order": order,
                "unit": node.get("unit", ""),
                "attribute": node.get("attribute", ""),
                "target_kind": target.get("kind", ""),
                "target_text": target.get("text", ""),
                "target_value": target.get("value"),
                "target_low": target.get("low"),
                "target_high": target.get("high"),
                "target_members": target.get("members", []),
                "target_year": target.get("year"),
                "target_source": target.get("source", ""),
                "baseline_value": baseline.get("value"),
                "baseline_year": baseline.get("year"),
                "baseline_text": baseline.get("text", ""),
                "baseline_source": baseline.get("source", ""),
                "measure_element": measure.get("element", ""),
                "measure_indicator": measure.get("indicator", ""),
                "departments": node.get("departments", []),
                "notes": node.get("notes", []),
                "discrepancies": node.get("discrepancies", []),
            },
        )
        by_code[indicator.code] = indicator
        for child in node.get("children") or []:
            by_code.setdefault(f"parent-of:{child['code']}", indicator)
        kept.append(indicator.code)
        leaves += 1 if target else 0
    for code, indicator in by_code.items():
        if code.startswith("parent-of:"):
            PlanIndicator.objects.filter(plan=plan, code=code.removeprefix("parent-of:")).update(
                parent=indicator
            )
    PlanIndicator.objects.filter(plan=plan).exclude(code__in=kept).delete()
    projects = document.get("projects") or []
    for order, project in enumerate(projects):
        PlanProject.objects.update_or_create(
            plan=plan,
            code=project["code"],
            defaults={
                "box": project.get("box", ""),
                "name": project["name"],
                "targets": project.get("targets", []),
                "milestones": project.get("milestones", []),
                "sort_order": order,
            },
        )
    PlanProject.objects.filter(plan=plan).exclude(code__in=[p["code"] for p in projects]).delete()
    baselines = document.get("baselines") or []
    published_source_register(
        code=plan.source_code,
        name_zh=plan.title,
        name_en=plan.title_en or plan.title,
        citation=header.get("issuer", ""),
    )
    values = [
        DerivedValue(
            element=item["element"],
            period=str(item["period"]),
            org_unit=str(item["unit"]),
            value=item["value"],
            category_option=item.get("category_option", ""),
            comment=item["source"],
        )
        for item in baselines
    ]
    summary = source_values_replace(
        source_code=plan.source_code,
        elements={item.element for item in values} | _published_elements(plan),
        periods={item.period for item in values} | _published_periods(plan),
        values=values,
    )
    if summary.conflicts:
        raise PlanFileError(
            [
                f"baselines[{conflict.row - 1 if conflict.row else '?'}].{conflict.field}: "
                f"{conflict.message}"
                for conflict in summary.conflicts
            ]
        )
    return LoadResult(
        plan=plan,
        indicators=len(kept),
        leaves=leaves,
        projects=len(projects),
        baselines=len(baselines),
    )


def _published_elements(plan: Plan) -> set[str]:
    return set(
        DataValue.objects.filter(source__code=plan.source_code).values_list(
            "element__code", flat=True
        )
    )


def _published_periods(plan: Plan) -> set[str]:
    return set(
        DataValue.objects.filter(source__code=plan.source_code).values_list("period", flat=True)
    )


def plan_load_file(path: Path) -> LoadResult:
    return plan_load(path.read_text(encoding="utf-8"))

"""Loading the shipped reference data: divisions of each edition and functional zones.

Loading is idempotent: running it again updates names and editions and creates what is missing,
and never deletes a division (a division that left the code list keeps its older editions).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from hanjiang.registry.models import (
    Area,
    AreaDivision,
    Division,
    DivisionEdition,
    DivisionKind,
    DivisionLevel,
    MappingBasis,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
DIVISION_FILES: dict[int, list[str]] = {
    2023: ["city.csv", "counties.csv", "townships.csv", "villages.csv"],
    2020: ["city.csv", "counties.csv", "townships_2020.csv", "villages_2020.csv"],
}


def full_code(code: str) -> str:
    """A 6-, 9- or 12-digit statistical code as its 12-digit form."""
    return code.ljust(12, "0")


def short_code(code12: str) -> str:
    if code12.endswith("000000"):
        return code12[:6]
    if code12.endswith("000"):
        return code12[:9]
    return code12


def level_of(code12: str) -> DivisionLevel:
    if code12[4:] == "00000000":
        return DivisionLevel.CITY
    if code12[6:] == "000000":
        return DivisionLevel.COUNTY
    if code12[9:] == "000":
        return DivisionLevel.TOWNSHIP
    return DivisionLevel.VILLAGE


def parent_code_of(code12: str) -> str | None:
    level = level_of(code12)
    if level == DivisionLevel.CITY:
        return None
    if level == DivisionLevel.COUNTY:
        return code12[:4] + "00000000"
    if level == DivisionLevel.TOWNSHIP:
        return code12[:6] + "000000"
    return code12[:9] + "000"


def kind_of(code12: str) -> DivisionKind:
    """Classify by the NBS code ranges: GB/T 2260 for counties, the 统计用区划代码 rules below."""
    level = level_of(code12)
    if level == DivisionLevel.CITY:
        return DivisionKind.CITY
    if level == DivisionLevel.COUNTY:
        number = int(code12[4:6])
        if number <= 20:
            return DivisionKind.DISTRICT
        return DivisionKind.COUNTY if number <= 80 else DivisionKind.COUNTY_CITY
    if level == DivisionLevel.TOWNSHIP:
        number = int(code12[6:9])
        if number <= 99:
            return DivisionKind.SUBDISTRICT
        if number <= 199:
            return DivisionKind.TOWN
        if number <= 399:
            return DivisionKind.TOWNSHIP
        return DivisionKind.SPECIAL
    number = int(code12[9:12])
    return DivisionKind.COMMUNITY if number <= 199 else DivisionKind.VILLAGE


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    editions_added: int = 0
    per_edition: dict[int, int] = field(default_factory=dict)


def read_division_rows(data_dir: Path = DATA_DIR) -> dict[str, dict[int, str]]:
    """code12 -> {edition year: name}."""
    names: dict[str, dict[int, str]] = {}
    for year, files in DIVISION_FILES.items():
        for file_name in files:
            with (data_dir / "divisions" / file_name).open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    names.setdefault(full_code(row["code"].strip()), {})[year] = row["name"].strip()
    return names


@transaction.atomic
def divisions_load(data_dir: Path = DATA_DIR) -> LoadResult:
    names = read_division_rows(data_dir)
    result = LoadResult()
    existing = {division.code: division for division in Division.objects.all()}
    # Parents before children: codes sort city < county < township < village within a branch,
    # and a parent's 12-digit code is always smaller than its children's.
    to_create: list[Division] = []
    to_update: list[Division] = []
    for code in sorted(names):
        by_year = names[code]
        name = by_year[max(by_year)]
        division = existing.get(code)
        if division is None:
            division = Division(
                code=code,
                short_code=short_code(code),
                name=name,
                level=level_of(code),
                kind=kind_of(code),
            )
            to_create.append(division)
            existing[code] = division
        elif division.name != name:
            division.name = name
            to_update.append(division)
    Division.objects.bulk_create(to_create, batch_size=500)
    Division.objects.bulk_update(to_update, ["name"], batch_size=500)
    result.created, result.updated = len(to_create), len(to_update)

    ids = dict(Division.objects.values_list("code", "id"))
    parent_fixes: list[Division] = []
    for division in Division.objects.filter(code__in=list(names)):
        parent_code = parent_code_of(division.code)
        parent_id = ids.get(parent_code) if parent_code else None
        if division.parent_id != parent_id:
            division.parent_id = parent_id
            parent_fixes.append(division)
    Division.objects.bulk_update(parent_fixes, ["parent"], batch_size=500)

    present = {
        (edition.division.code, edition.year): edition
        for edition in DivisionEdition.objects.select_related("division")
    }
    new_editions = [
        DivisionEdition(division_id=ids[code], year=year, name=name)
        for code, by_year in names.items()
        for year, name in by_year.items()
        if (code, year) not in present
    ]
    renamed = []
    for (code, year), edition in present.items():
        current_name = names.get(code, {}).get(year)
        if current_name is not None and edition.name != current_name:
            edition.name = current_name
            renamed.append(edition)
    DivisionEdition.objects.bulk_create(new_editions, batch_size=1000)
    DivisionEdition.objects.bulk_update(renamed, ["name"], batch_size=1000)
    result.editions_added = len(new_editions)
    for by_year in names.values():
        for year in by_year:
            result.per_edition[year] = result.per_edition.get(year, 0) + 1
    return result


@transaction.atomic
def areas_load(data_dir: Path = DATA_DIR) -> int:
    """Create or refresh the shipped functional zones; mappings an administrator added stay."""
    count = 0
    with (data_dir / "areas.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            area, _created = Area.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "name_en": row["name_en"],
                    "kind": row["kind"],
                    "note": row["note"],
                },
            )
            codes = [full_code(code) for code in row["division_codes"].split(";") if code]
            basis = (
                row["basis"] if row["basis"] in MappingBasis.values else MappingBasis.APPROXIMATE
            )
            for division in Division.objects.filter(code__in=codes):
                AreaDivision.objects.get_or_create(
                    area=area, division=division, defaults={"basis": basis}
                )
            count += 1
    return count

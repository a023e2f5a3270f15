"""The station registry as an Excel sheet, and its import."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext_lazy as _

from hanjiang.core.spreadsheets import Column, read_table, write_table
from hanjiang.network.models import ServiceKind, Station, StationLevel
from hanjiang.network.services import StationInput

COLUMNS = [
    Column("name", _("Name"), required=True, width=30),
    Column("level", _("Level"), required=True, width=20),
    Column("division_code", _("Division code"), required=True, width=16),
    Column("division_name", _("Division"), export_only=True, width=14),
    Column("operator_uscc", _("Operator's credit code"), width=22),
    Column("address", _("Address"), width=30),
    Column("latitude", _("Latitude"), width=11),
    Column("longitude", _("Longitude"), width=11),
    Column("services", _("Services"), width=30),
    Column("opened_on", _("Opened on"), required=True, width=12),
    Column("closed_on", _("Closed on"), width=12),
    Column("note", _("Note"), width=24),
]
SEPARATORS = re.compile(r"[、,，;；/|\n]+")


def _levels() -> dict[str, str]:
    lookup = {}
    for code, label in StationLevel.choices:
        lookup[code] = code
        lookup[str(label).lower()] = code
        chinese = str(label).split("(")[-1].rstrip(")")
        lookup[chinese] = code
    return lookup


def stations_workbook(stations: Iterable[Station]) -> bytes:
    rows: list[dict[str, Any]] = [
        {
            "name": station.name,
            "level": station.get_level_display(),
            "division_code": station.division.short_code,
            "division_name": station.division.name,
            "operator_uscc": station.operator.uscc if station.operator else "",
            "address": station.address,
            "latitude": str(station.latitude or ""),
            "longitude": str(station.longitude or ""),
            "services": "、".join(kind.name_zh for kind in station.services.all()),
            "opened_on": station.opened_on.isoformat(),
            "closed_on": station.closed_on.isoformat() if station.closed_on else "",
            "note": station.note,
        }
        for station in stations
    ]
    return write_table(str(_("Service stations")), COLUMNS, rows)


def parse_stations(upload: Any) -> list[tuple[int, StationInput]]:
    levels = _levels()
    services = {kind.name_zh: kind.code for kind in ServiceKind.objects.all()} | {
        kind.code: kind.code for kind in ServiceKind.objects.all()
    }
    parsed = []
    for row, record in read_table(upload, COLUMNS):
        labels = [
            item.strip() for item in SEPARATORS.split(record.get("services", "")) if item.strip()
        ]
        level_text = record.get("level", "").strip()
        parsed.append(
            (
                row,
                StationInput(
                    name=record.get("name", ""),
                    level=levels.get(level_text, levels.get(level_text.lower(), level_text)),
                    division_code=record.get("division_code", ""),
                    opened_on=record.get("opened_on", ""),
                    closed_on=record.get("closed_on", ""),
                    operator_uscc=record.get("operator_uscc", ""),
                    address=record.get("address", ""),
                    latitude=record.get("latitude", ""),
                    longitude=record.get("longitude", ""),
                    services=tuple(services.get(label, label) for label in labels),
                    note=record.get("note", ""),
                ),
            )
        )
    return parsed


DESIGNATION_COLUMNS = [
    Column("level", _("Level"), required=True, width=10),
    Column("kind", _("Kind"), required=True, width=26),
    Column("holder", _("Holder (division or credit code)"), required=True, width=22),
    Column("holder_name", _("Holder"), export_only=True, width=24),
    Column("title", _("Title"), width=30),
    Column("year_granted", _("Year granted"), required=True, width=10),
    Column("year_revoked", _("Year revoked"), width=10),
    Column("source", _("Source"), required=True, width=30),
    Column("note", _("Note"), width=24),
]


def _choice_lookup(choices: list[tuple[str, Any]]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, label in choices:
        lookup[code] = code
        lookup[str(label).lower()] = code
        lookup[str(label).split("(")[-1].rstrip(")")] = code
    return lookup


def designations_workbook(designations: Iterable[Any]) -> bytes:
    rows = [
        {
            "level": item.get_level_display(),
            "kind": item.get_kind_display(),
            "holder": item.holder_division.short_code
            if item.holder_division
            else item.holder_organisation.uscc,
            "holder_name": str(item.holder_division or item.holder_organisation),
            "title": item.title,
            "year_granted": item.year_granted,
            "year_revoked": item.year_revoked or "",
            "source": item.source,
            "note": item.note,
        }
        for item in designations
    ]
    return write_table(str(_("Designations")), DESIGNATION_COLUMNS, rows)


def parse_designations(upload: Any) -> list[tuple[int, Any]]:
    from hanjiang.network.designations import DesignationInput
    from hanjiang.network.models import DesignationKind, DesignationLevel

    levels = _choice_lookup(DesignationLevel.choices)
    kinds = _choice_lookup(DesignationKind.choices)
    parsed = []
    for row, record in read_table(upload, DESIGNATION_COLUMNS):
        level = record.get("level", "").strip()
        kind = record.get("kind", "").strip()
        parsed.append(
            (
                row,
                DesignationInput(
                    level=levels.get(level, levels.get(level.lower(), level)),
                    kind=kinds.get(kind, kinds.get(kind.lower(), kind)),
                    holder=record.get("holder", ""),
                    year_granted=record.get("year_granted", ""),
                    year_revoked=record.get("year_revoked", ""),
                    source=record.get("source", ""),
                    title=record.get("title", ""),
                    note=record.get("note", ""),
                ),
            )
        )
    return parsed


TRAINING_COLUMNS = [
    Column("held_on", _("Date"), required=True, width=12),
    Column("county_code", _("County code"), required=True, width=12),
    Column("county_name", _("County"), export_only=True, width=12),
    Column("organiser", _("Organiser"), required=True, width=26),
    Column("topic", _("Topic"), required=True, width=30),
    Column("kind", _("Kind"), required=True, width=16),
    Column("persons", _("Persons trained"), required=True, width=10),
    Column("note", _("Note"), width=24),
]


def training_workbook(sessions: Iterable[Any]) -> bytes:
    rows = [
        {
            "held_on": item.held_on.isoformat(),
            "county_code": item.county.short_code,
            "county_name": item.county.name,
            "organiser": item.organiser,
            "topic": item.topic,
            "kind": item.get_kind_display(),
            "persons": item.persons,
            "note": item.note,
        }
        for item in sessions
    ]
    return write_table(str(_("Training sessions")), TRAINING_COLUMNS, rows)


def parse_training(upload: Any) -> list[tuple[int, Any]]:
    from hanjiang.network.models import TrainingKind
    from hanjiang.network.training import TrainingInput

    kinds = _choice_lookup(TrainingKind.choices)
    return [
        (
            row,
            TrainingInput(
                held_on=record.get("held_on", ""),
                county=record.get("county_code", ""),
                organiser=record.get("organiser", ""),
                topic=record.get("topic", ""),
                kind=kinds.get(record.get("kind", "").strip(), record.get("kind", "").strip()),
                persons=record.get("persons", ""),
                note=record.get("note", ""),
            ),
        )
        for row, record in read_table(upload, TRAINING_COLUMNS)
    ]

"""The organisation list as an Excel sheet, and its import."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from hanjiang.core.spreadsheets import Column, read_table, write_table
from hanjiang.registry.models import Organisation, OrganisationKind
from hanjiang.registry.services import OrganisationInput

COLUMNS = [
    Column("uscc", _("Unified social credit code"), required=True, width=24),
    Column("name", _("Name"), required=True, width=36),
    Column("kinds", _("Kinds"), required=True, width=28),
    Column("division_code", _("Division code"), required=True, width=16),
    Column("division_name", _("Registered division"), export_only=True, width=16),
    Column("address", _("Address"), width=36),
    Column("contact_person", _("Contact person"), width=12),
    Column("contact_phone", _("Contact phone"), width=16),
    Column("email", _("Email"), width=24),
    Column("note", _("Note"), width=30),
]
KIND_SEPARATORS = re.compile(r"[、,，;；/|\n]+")


def _kind_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for code, label in OrganisationKind.choices:
        lookup[code.lower()] = code
        for language in ("zh-hans", "en"):
            with translation.override(language):
                lookup[str(label).lower()] = code
    return lookup


def organisations_workbook(organisations: Iterable[Organisation]) -> bytes:
    rows: list[dict[str, Any]] = [
        {
            "uscc": organisation.uscc,
            "name": organisation.name,
            "kinds": "、".join(organisation.kind_labels()),
            "division_code": organisation.division.short_code,
            "division_name": organisation.division.name,
            "address": organisation.address,
            "contact_person": organisation.contact_person,
            "contact_phone": organisation.contact_phone,
            "email": organisation.email,
            "note": organisation.note,
        }
        for organisation in organisations
    ]
    return write_table(str(_("Organisations")), COLUMNS, rows)


def organisations_template() -> bytes:
    return write_table(str(_("Organisations")), COLUMNS, [])


def parse_organisations(upload: Any) -> list[tuple[int, OrganisationInput]]:
    """The rows of an uploaded sheet as service inputs (validation happens in the service)."""
    lookup = _kind_lookup()
    parsed: list[tuple[int, OrganisationInput]] = []
    for row, record in read_table(upload, COLUMNS):
        # An unknown label passes through unchanged, so the service reports it with its row.
        labels = [label.strip() for label in KIND_SEPARATORS.split(record.get("kinds", ""))]
        kinds = tuple(lookup.get(label.lower(), label) for label in labels if label)
        parsed.append(
            (
                row,
                OrganisationInput(
                    uscc=record.get("uscc", ""),
                    name=record.get("name", ""),
                    division_code=record.get("division_code", ""),
                    kinds=kinds,
                    address=record.get("address", ""),
                    contact_person=record.get("contact_person", ""),
                    contact_phone=record.get("contact_phone", ""),
                    email=record.get("email", ""),
                    note=record.get("note", ""),
                ),
            )
        )
    return parsed

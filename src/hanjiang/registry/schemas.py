from __future__ import annotations

from ninja import Field, Schema

from hanjiang.registry.models import Division, Organisation


class DivisionOut(Schema):
    code: str
    short_code: str
    name: str
    level: str
    kind: str
    parent_code: str | None
    editions: list[int]

    @staticmethod
    def resolve_parent_code(division: Division) -> str | None:
        return division.parent.code if division.parent_id and division.parent else None

    @staticmethod
    def resolve_editions(division: Division) -> list[int]:
        return sorted(edition.year for edition in division.editions.all())


class AreaCoverageOut(Schema):
    division_code: str
    division_name: str
    basis: str


class AreaOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    note: str
    divisions: list[AreaCoverageOut]


class OrganisationIn(Schema):
    uscc: str = Field(..., description="Unified social credit code (18 characters)")
    name: str
    division_code: str = Field(..., description="Statistical code, 6, 9 or 12 digits")
    kinds: list[str] = Field(..., description="Kind codes, e.g. ecommerce, platform")
    address: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    email: str = ""
    note: str = ""


class OrganisationPatch(Schema):
    uscc: str | None = None
    name: str | None = None
    division_code: str | None = None
    kinds: list[str] | None = None
    address: str | None = None
    contact_person: str | None = None
    contact_phone: str | None = None
    email: str | None = None
    note: str | None = None


class OrganisationOut(Schema):
    id: int
    uscc: str
    name: str
    division_code: str
    division_name: str
    kinds: list[str]
    address: str
    contact_person: str
    contact_phone: str
    email: str
    note: str

    @staticmethod
    def resolve_division_code(organisation: Organisation) -> str:
        return organisation.division.code

    @staticmethod
    def resolve_division_name(organisation: Organisation) -> str:
        return organisation.division.name

    @staticmethod
    def resolve_kinds(organisation: Organisation) -> list[str]:
        return organisation.kind_codes()

"""The facility registries of the network, described as data (see `registries` for the rules
they share), with the checks and flags of each:

- parks: a park's residents above its capacity is allowed but flagged; a resident moves in
  neither before the park opens nor after it closes, and one enterprise is resident in a park
  once at a time;
- express services: a village is served by the same carrier once at a time ("served twice");
- platform presences: held by exactly one of an enterprise or a scenic spot, once at a time on
  a platform.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hanjiang.core.audit import audit_record, snapshot
from hanjiang.core.errors import ErrorItem
from hanjiang.core.models import AuditAction, AuditChannel
from hanjiang.network import figures
from hanjiang.network.models import (
    Carrier,
    ColdChainFacility,
    ColdChainKind,
    CoverageDenominator,
    ExpressService,
    Park,
    ParkKind,
    ParkTenant,
    Platform,
    PlatformKind,
    PlatformPresence,
    ScenicGrade,
    ScenicSpot,
    StationLevel,
    Temperature,
)
from hanjiang.network.registries import Field, Registry, active, overlapping, register

DIVISION_LEVELS = ("county", "township", "village")


DIVISION = Field(
    "division_code",
    _("Division code"),
    "division",
    required=True,
    attr="division",
    levels=DIVISION_LEVELS,
    in_list=True,
)


def _location() -> tuple[Field, ...]:
    return (
        DIVISION,
        Field("operator_uscc", _("Operator's credit code"), "organisation", attr="operator"),
        Field("address", _("Address")),
        Field("latitude", _("Latitude"), "coordinate"),
        Field("longitude", _("Longitude"), "coordinate"),
    )


def _division_place(cleaned: dict[str, Any]) -> str:
    division = cleaned.get("division")
    return division.code if division is not None else ""


def _operator(cleaned: dict[str, Any]) -> int | None:
    operator = cleaned.get("operator")
    return operator.pk if operator is not None else None


# Parks -------------------------------------------------------------------------------------------


def residents_on(park: Park, day: datetime.date) -> int:
    return active(park.tenants.all(), "moved_in", "moved_out", day).count()


def park_flags(park: Park) -> list[str]:
    if park.capacity is None:
        return []
    residents = residents_on(park, timezone.localdate())
    if residents <= park.capacity:
        return []
    return [
        str(
            _(
                "%(park)s has %(residents)s resident enterprises, more than its capacity "
                "of %(capacity)s."
            )
            % {"park": park.name, "residents": residents, "capacity": park.capacity}
        )
    ]


def _tenancy_check(
    cleaned: dict[str, Any], instance: Any, pending: Sequence[dict[str, Any]], row: int | None
) -> list[ErrorItem]:
    park: Park = cleaned["park"]
    errors = []
    if cleaned["moved_in"] < park.opened_on or (
        park.closed_on is not None and cleaned["moved_in"] >= park.closed_on
    ):
        errors.append(
            ErrorItem(
                "outside_park_period",
                _("%(park)s is not open on %(day)s.")
                % {"park": park.name, "day": cleaned["moved_in"].isoformat()},
                field="moved_in",
                row=row,
            )
        )
    same = {"park": park, "organisation": cleaned["organisation"]}
    if overlapping(ParkTenant, same, "moved_in", "moved_out", cleaned, instance, pending):
        errors.append(
            ErrorItem(
                "duplicate",
                _("This enterprise is already resident in the park for part of this period."),
                field="organisation_uscc",
                row=row,
            )
        )
    return errors


PARKS = register(
    Registry(
        slug="parks",
        model=Park,
        title=_("E-commerce and logistics parks"),
        noun=_("park"),
        intro=_(
            "E-commerce parks and bases, cross-border parks and logistics parks, with the "
            "enterprises they can host. Occupancy follows from the residents' move-in and "
            "move-out dates."
        ),
        fields=(
            Field("name", _("Name"), required=True, in_list=True),
            Field("kind", _("Kind"), "choice", required=True, choices=ParkKind, in_list=True),
            *_location(),
            Field("floor_area", _("Floor area (m²)"), "decimal"),
            Field("capacity", _("Capacity (enterprises)"), "int", minimum=1, in_list=True),
            Field("opened_on", _("Opened on"), "date", required=True, in_list=True),
            Field("closed_on", _("Closed on"), "date"),
            Field("note", _("Note"), "note"),
        ),
        territory=("division__code",),
        owners=("operator",),
        place=_division_place,
        owner=_operator,
        period=("opened_on", "closed_on"),
        unique_name=True,
        filter_field="kind",
        warnings=park_flags,
        publish=figures.parks_publish,
        related=("division", "operator"),
        children=(("park-residents", "park"),),
    )
)


def _tenant_place(cleaned: dict[str, Any]) -> str:
    return cleaned["park"].division.code if cleaned.get("park") is not None else ""


PARK_RESIDENTS = register(
    Registry(
        slug="park-residents",
        model=ParkTenant,
        title=_("Park residents"),
        noun=_("park resident"),
        intro=_("Enterprises resident in parks, with their move-in and move-out dates."),
        fields=(
            Field("park", _("Park"), "ref", required=True, target=Park, in_list=True),
            Field(
                "organisation_uscc",
                _("Enterprise's credit code"),
                "organisation",
                required=True,
                attr="organisation",
                in_list=True,
            ),
            Field("moved_in", _("Moved in"), "date", required=True, in_list=True),
            Field("moved_out", _("Moved out"), "date", in_list=True),
            Field("note", _("Note"), "note"),
        ),
        territory=("park__division__code",),
        owners=("organisation", "park__operator"),
        place=_tenant_place,
        period=("moved_in", "moved_out"),
        search=("park__name", "organisation__name"),
        checks=(_tenancy_check,),
        warnings=lambda tenant: park_flags(tenant.park),
        publish=figures.parks_publish,
        related=("park", "park__division", "organisation"),
        title_field="organisation",
    )
)


# Express and postal services ---------------------------------------------------------------------


def _served_twice(
    cleaned: dict[str, Any], instance: Any, pending: Sequence[dict[str, Any]], row: int | None
) -> list[ErrorItem]:
    same = {"village": cleaned["village"], "carrier": cleaned["carrier"]}
    if overlapping(ExpressService, same, "since", "until", cleaned, instance, pending):
        return [
            ErrorItem(
                "served_twice",
                _("%(carrier)s already serves %(village)s for part of this period.")
                % {"carrier": cleaned["carrier"], "village": cleaned["village"].name},
                field="carrier",
                row=row,
            )
        ]
    return []


EXPRESS = register(
    Registry(
        slug="express",
        model=ExpressService,
        title=_("Express and postal services to villages"),
        noun=_("express service"),
        intro=_(
            "Which postal and express carriers serve each administrative village and community, "
            "and since when. Village express coverage follows from it."
        ),
        fields=(
            Field(
                "village_code",
                _("Village code"),
                "division",
                required=True,
                attr="village",
                levels=("village",),
                in_list=True,
            ),
            Field(
                "carrier",
                _("Carrier"),
                "ref",
                required=True,
                target=Carrier,
                lookup=("code", "name_zh", "name_en"),
                in_list=True,
            ),
            Field("since", _("Served since"), "date", required=True, in_list=True),
            Field("until", _("Served until"), "date", in_list=True),
            Field("note", _("Note"), "note"),
        ),
        territory=("village__code",),
        place=lambda cleaned: cleaned["village"].code if cleaned.get("village") else "",
        period=("since", "until"),
        search=("village__name", "carrier__name_zh"),
        checks=(_served_twice,),
        publish=figures.express_publish,
        related=("village", "village__parent", "carrier"),
        title_field="village",
    )
)


# Cold chain --------------------------------------------------------------------------------------

COLD_CHAIN = register(
    Registry(
        slug="cold-chain",
        model=ColdChainFacility,
        title=_("Cold-chain facilities"),
        noun=_("cold-chain facility"),
        intro=_(
            "Cold stores, pre-cooling facilities and cold-chain distribution centres in counties, "
            "townships and villages, with their capacity."
        ),
        fields=(
            Field("name", _("Name"), required=True, in_list=True),
            Field("kind", _("Kind"), "choice", required=True, choices=ColdChainKind, in_list=True),
            Field(
                "temperature",
                _("Temperature range"),
                "choice",
                required=True,
                choices=Temperature,
            ),
            *_location(),
            Field("capacity_tonnes", _("Capacity (t)"), "decimal", in_list=True),
            Field("opened_on", _("Opened on"), "date", required=True, in_list=True),
            Field("closed_on", _("Closed on"), "date"),
            Field("note", _("Note"), "note"),
        ),
        territory=("division__code",),
        owners=("operator",),
        place=_division_place,
        owner=_operator,
        period=("opened_on", "closed_on"),
        filter_field="kind",
        publish=figures.cold_chain_publish,
        related=("division", "operator"),
    )
)


# Scenic spots and platforms ----------------------------------------------------------------------

SCENIC = register(
    Registry(
        slug="scenic-spots",
        model=ScenicSpot,
        title=_("A-level scenic spots"),
        noun=_("scenic spot"),
        intro=_(
            "A-level scenic spots (A to AAAAA) and the platforms each is online on. The share of "
            "spots online follows from their listings."
        ),
        fields=(
            Field("name", _("Name"), required=True, in_list=True),
            Field("grade", _("Grade"), "choice", required=True, choices=ScenicGrade, in_list=True),
            DIVISION,
            Field("graded_on", _("Graded on"), "date"),
            Field("delisted_on", _("Grade withdrawn on"), "date"),
            Field("note", _("Note"), "note"),
        ),
        territory=("division__code",),
        place=_division_place,
        period=("graded_on", "delisted_on"),
        unique_name=True,
        filter_field="grade",
        publish=figures.scenic_publish,
        related=("division",),
        children=(("presences", "scenic_spot"),),
    )
)

PLATFORMS = register(
    Registry(
        slug="platforms",
        model=Platform,
        title=_("Platforms"),
        noun=_("platform"),
        intro=_(
            "Large third-party platforms and local platforms (trading platforms and industry "
            "vertical portals), with the local enterprises and scenic spots present on them."
        ),
        fields=(
            Field("name", _("Name"), required=True, in_list=True),
            Field("kind", _("Kind"), "choice", required=True, choices=PlatformKind, in_list=True),
            Field("vertical", _("Industry vertical portal"), "bool", in_list=True),
            Field("url", _("Web address")),
            Field("operator_uscc", _("Operator's credit code"), "organisation", attr="operator"),
            Field("launched_on", _("Launched on"), "date", in_list=True),
            Field("closed_on", _("Closed on"), "date"),
            Field("note", _("Note"), "note"),
        ),
        county_writes=False,
        period=("launched_on", "closed_on"),
        unique_name=True,
        filter_field="kind",
        publish=figures.platforms_publish,
        related=("operator",),
        children=(("presences", "platform"),),
    )
)


def _one_holder(
    cleaned: dict[str, Any], instance: Any, pending: Sequence[dict[str, Any]], row: int | None
) -> list[ErrorItem]:
    holders = [cleaned.get("organisation"), cleaned.get("scenic_spot")]
    if sum(holder is not None for holder in holders) != 1:
        return [
            ErrorItem(
                "one_holder",
                _("Give either an enterprise's credit code or a scenic spot, not both or neither."),
                field="organisation_uscc",
                row=row,
            )
        ]
    same = {
        "platform": cleaned["platform"],
        "organisation": cleaned.get("organisation"),
        "scenic_spot": cleaned.get("scenic_spot"),
    }
    if overlapping(PlatformPresence, same, "since", "until", cleaned, instance, pending):
        return [
            ErrorItem(
                "duplicate",
                _("Already online on this platform for part of this period."),
                field="platform",
                row=row,
            )
        ]
    return []


def _presence_place(cleaned: dict[str, Any]) -> str:
    holder = cleaned.get("organisation") or cleaned.get("scenic_spot")
    return holder.division.code if holder is not None else ""


PRESENCES = register(
    Registry(
        slug="presences",
        model=PlatformPresence,
        title=_("Presences on platforms"),
        noun=_("platform presence"),
        intro=_(
            "Local enterprises' shops and scenic spots' listings on platforms, since when and "
            "until when."
        ),
        fields=(
            Field("platform", _("Platform"), "ref", required=True, target=Platform, in_list=True),
            Field(
                "organisation_uscc",
                _("Enterprise's credit code"),
                "organisation",
                attr="organisation",
                in_list=True,
            ),
            Field("scenic_spot", _("Scenic spot"), "ref", target=ScenicSpot, in_list=True),
            Field("shop_name", _("Shop or listing name"), in_list=True),
            Field("since", _("Online since"), "date", required=True, in_list=True),
            Field("until", _("Online until"), "date", in_list=True),
            Field("note", _("Note"), "note"),
        ),
        territory=("organisation__division__code", "scenic_spot__division__code"),
        owners=("organisation",),
        place=_presence_place,
        owner=lambda cleaned: cleaned["organisation"].pk if cleaned.get("organisation") else None,
        enterprise_writes=True,
        period=("since", "until"),
        search=("platform__name", "organisation__name", "scenic_spot__name", "shop_name"),
        checks=(_one_holder,),
        publish=figures.presences_publish,
        related=("platform", "organisation", "scenic_spot"),
        title_field="platform",
    )
)


# Coverage denominators ------------------------------------------------------------------------


def _denominator_check(
    cleaned: dict[str, Any], instance: Any, pending: Sequence[dict[str, Any]], row: int | None
) -> list[ErrorItem]:
    errors = []
    if cleaned["level"] == StationLevel.COUNTY_CENTRE:
        errors.append(
            ErrorItem(
                "invalid_choice",
                _("Coverage is counted for township stations and village points only."),
                field="level",
                row=row,
            )
        )
    key = {name: cleaned[name] for name in ("county", "year", "level")}
    stored = CoverageDenominator.objects.filter(**key)
    if instance is not None:
        stored = stored.exclude(pk=instance.pk)
    if stored.exists() or any(all(o[k] == v for k, v in key.items()) for o in pending):
        errors.append(
            ErrorItem(
                "duplicate",
                _("A denominator for this county, year and level is already stored."),
                field="year",
                row=row,
            )
        )
    return errors


DENOMINATORS = register(
    Registry(
        slug="denominators",
        model=CoverageDenominator,
        title=_("Coverage denominators"),
        noun=_("coverage denominator"),
        intro=_(
            "How many townships or administrative villages a county's coverage is counted "
            "against in a year, as a source states it (the plan's Table 2-2, a county's "
            "statistics …). Shown beside the coverage computed from the division list; never "
            "substituted for it."
        ),
        fields=(
            Field(
                "county_code",
                _("County code"),
                "division",
                required=True,
                attr="county",
                levels=("county",),
                in_list=True,
            ),
            Field("year", _("Year"), "int", required=True, minimum=2000, in_list=True),
            Field("level", _("Level"), "choice", required=True, choices=StationLevel, in_list=True),
            Field("value", _("Denominator"), "positive", required=True, in_list=True),
            Field("source", _("Source"), required=True, in_list=True),
        ),
        territory=("county__code",),
        place=lambda cleaned: cleaned["county"].code if cleaned.get("county") else "",
        search=("county__name", "source"),
        filter_field="level",
        checks=(_denominator_check,),
        related=("county",),
        title_field="county",
    )
)

SLUGS = (
    PARKS.slug,
    PARK_RESIDENTS.slug,
    EXPRESS.slug,
    COLD_CHAIN.slug,
    SCENIC.slug,
    PLATFORMS.slug,
    PRESENCES.slug,
    DENOMINATORS.slug,
)


PLATFORMS_FILE = Path(__file__).resolve().parent / "data" / "platforms.csv"


def load_plan_platforms() -> int:
    """Register the platforms the plan names (data/platforms.csv), each with the plan's words as
    its note; a platform already registered under the name is left as it is. Returns the number
    registered."""
    created = 0
    with PLATFORMS_FILE.open(encoding="utf-8", newline="") as handle, transaction.atomic():
        for row in csv.DictReader(handle):
            if Platform.objects.filter(name=row["name"]).exists():
                continue
            platform = Platform.objects.create(
                name=row["name"],
                kind=row["kind"],
                note=f"规划{row['source']}提及：“{row['quote']}”",
            )
            audit_record(
                actor=None,
                action=AuditAction.CREATE,
                instance=platform,
                before=None,
                after=snapshot(platform),
                channel=AuditChannel.SYSTEM,
            )
            created += 1
    return created

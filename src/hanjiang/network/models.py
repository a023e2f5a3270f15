"""Service stations of the county–township–village e-commerce network, and coverage
denominators.

A station sits in the division of its level: a county public service centre in a county, a
township station in a township, a village service point in a village-level unit.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hanjiang.core.models import TimeStampedModel
from hanjiang.registry.models import Division, Organisation


class StationLevel(models.TextChoices):
    COUNTY_CENTRE = "county_centre", _("County public service centre (县级电商公共服务中心)")
    TOWNSHIP_STATION = "township_station", _("Township station (乡镇电商服务站)")
    VILLAGE_POINT = "village_point", _("Village service point (村级电商服务点)")


LEVEL_DIVISION = {
    StationLevel.COUNTY_CENTRE: "county",
    StationLevel.TOWNSHIP_STATION: "township",
    StationLevel.VILLAGE_POINT: "village",
}


class StationStatus(models.TextChoices):
    ACTIVE = "active", _("In service")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class ServiceKind(models.Model):
    """A service stations offer (代买代卖, 快递收发 …); the list is kept by the city."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("station service")
        verbose_name_plural = _("station services")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name_zh


class Station(TimeStampedModel):
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=StationLevel.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="stations"
    )
    operator = models.ForeignKey(
        Organisation,
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="stations",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    services = models.ManyToManyField(ServiceKind, verbose_name=_("services"), blank=True)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=StationStatus.choices, default=StationStatus.ACTIVE
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("service station")
        verbose_name_plural = _("service stations")
        ordering = ["division__code", "level", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="station_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CoverageDenominator(models.Model):
    """How many townships or administrative villages a county's coverage is counted against,
    in a year, as a source states it (the plan's own denominators differ from the division
    list's counts; both are kept and shown)."""

    county = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    level = models.CharField(_("level"), max_length=20, choices=StationLevel.choices)
    value = models.FloatField(_("denominator"))
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("coverage denominator")
        verbose_name_plural = _("coverage denominators")
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year", "level"], name="coverage_denominator_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.year} {self.level}: {self.value}"


class DesignationLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
    MUNICIPAL = "municipal", _("Municipal")


class DesignationKind(models.TextChoices):
    ECOMMERCE_CITY = "ecommerce_city", _("E-commerce demonstration city")
    RURAL_DEMO_COUNTY = (
        "rural_demo_county",
        _("Rural e-commerce demonstration county (电子商务进农村综合示范县)"),
    )
    DEMO_BASE = "demo_base", _("E-commerce demonstration base")
    DEMO_ENTERPRISE = "demo_enterprise", _("E-commerce demonstration enterprise")
    DEMO_TOWN = "demo_town", _("E-commerce demonstration town")
    DEMO_VILLAGE = "demo_village", _("E-commerce demonstration village")
    CROSSBORDER_PARK = "crossborder_park", _("Cross-border e-commerce industrial park")
    OTHER = "other", _("Other designation")


# The division level a designation's holder must have, for kinds held by a division.
KIND_HOLDER_LEVEL = {
    DesignationKind.ECOMMERCE_CITY: "city",
    DesignationKind.RURAL_DEMO_COUNTY: "county",
    DesignationKind.DEMO_TOWN: "township",
    DesignationKind.DEMO_VILLAGE: "village",
}
ORGANISATION_KINDS = {
    DesignationKind.DEMO_BASE,
    DesignationKind.DEMO_ENTERPRISE,
    DesignationKind.CROSSBORDER_PARK,
}


class Designation(TimeStampedModel):
    """A demonstration title held by a division or an organisation, from a year, until revoked."""

    level = models.CharField(_("level"), max_length=12, choices=DesignationLevel.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=DesignationKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    holder_division = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="designations"
    )
    holder_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="designations"
    )
    year_granted = models.PositiveSmallIntegerField(_("year granted"))
    year_revoked = models.PositiveSmallIntegerField(_("year revoked"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=200)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("designation")
        verbose_name_plural = _("designations")
        ordering = ["-year_granted", "level", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(holder_division__isnull=True) ^ Q(holder_organisation__isnull=True),
                name="designation_has_one_holder",
            ),
            models.CheckConstraint(
                condition=Q(year_revoked__isnull=True) | Q(year_revoked__gte=F("year_granted")),
                name="designation_revoked_after_granted",
            ),
        ]

    def __str__(self) -> str:
        holder = self.holder_division or self.holder_organisation
        return f"{holder} · {self.get_level_display()} {self.get_kind_display()}"

    @property
    def holder_code(self) -> str:
        if self.holder_division is not None:
            return self.holder_division.code
        return self.holder_organisation.uscc if self.holder_organisation else ""

    @property
    def territory_code(self) -> str:
        if self.holder_division is not None:
            return self.holder_division.code
        return self.holder_organisation.division.code if self.holder_organisation else ""


class TrainingKind(models.TextChoices):
    RURAL = "rural", _("Rural e-commerce")
    CROSSBORDER = "crossborder", _("Cross-border e-commerce")
    LIVESTREAMING = "livestreaming", _("Live-streaming commerce")
    OTHER = "other", _("Other e-commerce training")


class TrainingSession(TimeStampedModel):
    """One training session: when, where (county), by whom, on what, and how many trained."""

    held_on = models.DateField(_("date"))
    county = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="trainings")
    organiser = models.CharField(_("organiser"), max_length=200)
    topic = models.CharField(_("topic"), max_length=200)
    kind = models.CharField(_("kind"), max_length=15, choices=TrainingKind.choices)
    persons = models.PositiveIntegerField(_("persons trained"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-held_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(persons__gt=0), name="training_has_persons")
        ]

    def __str__(self) -> str:
        return f"{self.held_on} {self.topic}"

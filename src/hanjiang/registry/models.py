"""Divisions with their official statistical codes, functional zones, and organisations."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hanjiang.core.models import TimeStampedModel

CURRENT_EDITION = 2023
EDITIONS = (2020, 2023)


class DivisionLevel(models.TextChoices):
    CITY = "city", _("City")
    COUNTY = "county", _("County level")
    TOWNSHIP = "township", _("Township level")
    VILLAGE = "village", _("Village level")


class DivisionKind(models.TextChoices):
    """The kind of unit, from the NBS code ranges (GB/T 2260 for counties)."""

    CITY = "city", _("Prefecture-level city")
    DISTRICT = "district", _("District (市辖区)")
    COUNTY = "county", _("County (县)")
    COUNTY_CITY = "county_city", _("County-level city (县级市)")
    SUBDISTRICT = "subdistrict", _("Subdistrict (街道)")
    TOWN = "town", _("Town (镇)")
    TOWNSHIP = "township", _("Township (乡)")
    SPECIAL = "special", _("Special area (开发区, 农场, 林场 …)")
    COMMUNITY = "community", _("Urban community (居委会)")
    VILLAGE = "village", _("Administrative village (村委会)")


class Division(models.Model):
    """A legal administrative division under its 12-digit statistical code."""

    code = models.CharField(_("statistical code"), max_length=12, unique=True)
    short_code = models.CharField(_("short code"), max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    level = models.CharField(_("level"), max_length=10, choices=DivisionLevel.choices)
    kind = models.CharField(_("kind"), max_length=12, choices=DivisionKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("division")
        verbose_name_plural = _("divisions")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return self.name

    @property
    def territory_prefix(self) -> str:
        """The code prefix shared by this division and everything under it."""
        return {
            DivisionLevel.CITY: self.code[:4],
            DivisionLevel.COUNTY: self.code[:6],
            DivisionLevel.TOWNSHIP: self.code[:9],
        }.get(DivisionLevel(self.level), self.code)

    @property
    def is_rural_village(self) -> bool:
        return self.kind == DivisionKind.VILLAGE


class DivisionEdition(models.Model):
    """That a division appears in an edition of the NBS code list, under which name."""

    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.CASCADE, related_name="editions"
    )
    year = models.PositiveSmallIntegerField(_("edition"))
    name = models.CharField(_("name in this edition"), max_length=100)

    class Meta:
        verbose_name = _("division edition")
        verbose_name_plural = _("division editions")
        ordering = ["year"]
        constraints = [
            models.UniqueConstraint(fields=["division", "year"], name="division_edition_unique")
        ]

    def __str__(self) -> str:
        return f"{self.division.code} ({self.year})"


class AreaKind(models.TextChoices):
    DEVELOPMENT_ZONE = "development_zone", _("Development zone")
    NEW_AREA = "new_area", _("New area")
    FREE_TRADE_ZONE = "free_trade_zone", _("Pilot free trade zone area")
    BONDED_ZONE = "bonded_zone", _("Comprehensive bonded zone")
    OTHER = "other", _("Other functional zone")


class MappingBasis(models.TextChoices):
    NBS_NAME = "nbs_name", _("NBS lists the unit under the zone's name")
    APPROXIMATE = "approximate", _("Approximate, pending the official boundary")
    ADMINISTRATOR = "administrator", _("Set by the city administrator")


class Area(TimeStampedModel):
    """A functional zone that is not a legal division, mapped to the divisions it covers."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AreaKind.choices)
    note = models.TextField(_("note"), blank=True)
    divisions: models.ManyToManyField[Division, AreaDivision] = models.ManyToManyField(
        Division, through="AreaDivision", verbose_name=_("divisions"), related_name="areas"
    )

    class Meta:
        verbose_name = _("functional zone")
        verbose_name_plural = _("functional zones")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class AreaDivision(models.Model):
    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="coverage")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(_("basis"), max_length=15, choices=MappingBasis.choices)

    class Meta:
        verbose_name = _("zone coverage")
        verbose_name_plural = _("zone coverage")
        constraints = [
            models.UniqueConstraint(fields=["area", "division"], name="area_division_unique")
        ]

    def __str__(self) -> str:
        return f"{self.area.code} → {self.division.code}"


class OrganisationKind(models.TextChoices):
    ECOMMERCE = "ecommerce", _("E-commerce enterprise")
    PLATFORM = "platform", _("E-commerce platform")
    LOGISTICS = "logistics", _("Logistics company")
    PAYMENT = "payment", _("Payment institution")
    CROSSBORDER = "crossborder", _("Cross-border e-commerce enterprise")
    PARK_OPERATOR = "park_operator", _("Park operator")
    SERVICE_PROVIDER = "service_provider", _("E-commerce service provider")
    PRODUCER = "producer", _("Producer or cooperative")
    AGENCY = "agency", _("Government agency")
    ASSOCIATION = "association", _("Association")
    OTHER = "other", _("Other")


class Organisation(TimeStampedModel):
    """An enterprise, agency, association or platform, keyed by its unified social credit code."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200, db_index=True)
    division = models.ForeignKey(
        Division,
        verbose_name=_("registered division"),
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def kind_codes(self) -> list[str]:
        return sorted(tag.kind for tag in self.tags.all())

    def kind_labels(self) -> list[str]:
        labels = dict(OrganisationKind.choices)
        return [str(labels[code]) for code in self.kind_codes() if code in labels]


class OrganisationTag(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="tags")
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)

    class Meta:
        verbose_name = _("organisation kind")
        verbose_name_plural = _("organisation kinds")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "kind"], name="organisation_tag_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}:{self.kind}"

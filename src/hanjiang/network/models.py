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
        ordering = ["county__code", "year", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["county", "year", "level"], name="coverage_denominator_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.county.name} {self.year} {self.get_level_display()}"


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


def _closes_after(start: str, end: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gte": F(start)}), name=name
    )


class ParkKind(models.TextChoices):
    ECOMMERCE_PARK = "ecommerce_park", _("E-commerce industrial park (电商产业园)")
    ECOMMERCE_BASE = "ecommerce_base", _("E-commerce base (电商基地)")
    CROSSBORDER_PARK = "crossborder_park", _("Cross-border e-commerce park (跨境电商产业园)")
    LOGISTICS_PARK = "logistics_park", _("Logistics park (物流园区)")


# Parks whose resident e-commerce enterprises count in the occupancy rate.
OCCUPANCY_KINDS = (ParkKind.ECOMMERCE_PARK, ParkKind.ECOMMERCE_BASE, ParkKind.CROSSBORDER_PARK)


class Placed(TimeStampedModel):
    """A facility at a place: its division, operator, address and coordinates."""

    division = models.ForeignKey(
        Division,
        verbose_name=_("division"),
        on_delete=models.PROTECT,
        related_name="%(class)s_set",
    )
    operator = models.ForeignKey(
        Organisation,
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(class)s_set",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        abstract = True


class Park(Placed):
    """An e-commerce park, base or logistics park, with the enterprises it can host."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ParkKind.choices)
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    capacity = models.PositiveIntegerField(_("capacity (enterprises)"), null=True, blank=True)
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("park")
        verbose_name_plural = _("parks")
        ordering = ["division__code", "name"]
        constraints = [_closes_after("opened_on", "closed_on", "park_closes_after_opening")]

    def __str__(self) -> str:
        return self.name


class ParkTenant(TimeStampedModel):
    """An enterprise resident in a park, from its move-in date until it moves out."""

    park = models.ForeignKey(
        Park, verbose_name=_("park"), on_delete=models.PROTECT, related_name="tenants"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="park_tenancies",
    )
    moved_in = models.DateField(_("moved in"))
    moved_out = models.DateField(_("moved out"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("park resident")
        verbose_name_plural = _("park residents")
        ordering = ["park__name", "moved_in", "id"]
        constraints = [_closes_after("moved_in", "moved_out", "tenant_moves_out_after_in")]

    def __str__(self) -> str:
        return f"{self.organisation} @ {self.park}"


class Carrier(models.Model):
    """A postal or express carrier (the city's list; it can be extended)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80)
    postal = models.BooleanField(_("postal service"), default=False)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name_zh


class ExpressService(TimeStampedModel):
    """A carrier serving an administrative village, since a date (and until one)."""

    village = models.ForeignKey(
        Division, verbose_name=_("village"), on_delete=models.PROTECT, related_name="carriers"
    )
    carrier = models.ForeignKey(
        Carrier, verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="services"
    )
    since = models.DateField(_("served since"))
    until = models.DateField(_("served until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("express service")
        verbose_name_plural = _("express services")
        ordering = ["village__code", "carrier__sort_order", "since"]
        constraints = [_closes_after("since", "until", "express_until_after_since")]

    def __str__(self) -> str:
        return f"{self.carrier} → {self.village}"


class ColdChainKind(models.TextChoices):
    COLD_STORE = "cold_store", _("Cold store (冷库)")
    PRECOOLING = "precooling", _("Pre-cooling facility at origin (产地预冷设施)")
    DISTRIBUTION = "distribution", _("Cold-chain distribution centre (冷链配送中心)")
    OTHER = "other", _("Other cold-chain facility")


class Temperature(models.TextChoices):
    CHILLED = "chilled", _("Chilled (冷藏)")
    FROZEN = "frozen", _("Frozen (冷冻)")
    BOTH = "both", _("Chilled and frozen (冷藏冷冻)")


class ColdChainFacility(Placed):
    """A cold-chain facility in a county, township or village, with its capacity."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=ColdChainKind.choices)
    temperature = models.CharField(
        _("temperature range"), max_length=10, choices=Temperature.choices
    )
    capacity_tonnes = models.DecimalField(
        _("capacity (t)"), max_digits=12, decimal_places=1, null=True, blank=True
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("cold-chain facility")
        verbose_name_plural = _("cold-chain facilities")
        ordering = ["division__code", "name"]
        constraints = [_closes_after("opened_on", "closed_on", "cold_chain_closes_after_opening")]

    def __str__(self) -> str:
        return self.name


class ScenicGrade(models.IntegerChoices):
    A = 1, "A"
    AA = 2, "AA"
    AAA = 3, "AAA"
    AAAA = 4, "AAAA"
    AAAAA = 5, "AAAAA"


class ScenicSpot(TimeStampedModel):
    """An A-level scenic spot (A to AAAAA), in a division."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    grade = models.PositiveSmallIntegerField(_("grade"), choices=ScenicGrade.choices)
    division = models.ForeignKey(
        Division, verbose_name=_("division"), on_delete=models.PROTECT, related_name="scenic"
    )
    graded_on = models.DateField(_("graded on"), null=True, blank=True)
    delisted_on = models.DateField(_("grade withdrawn on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("A-level scenic spot")
        verbose_name_plural = _("A-level scenic spots")
        ordering = ["division__code", "-grade", "name"]
        constraints = [_closes_after("graded_on", "delisted_on", "scenic_delisted_after_graded")]

    def __str__(self) -> str:
        return self.name


class PlatformKind(models.TextChoices):
    THIRD_PARTY = "third_party", _("Large third-party platform (大型第三方平台)")
    LOCAL = "local", _("Local platform (本地平台)")


class Platform(TimeStampedModel):
    """A trading platform or vertical portal: a large third-party one or a local one."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=PlatformKind.choices)
    vertical = models.BooleanField(_("industry vertical portal"), default=False)
    url = models.CharField(_("web address"), max_length=300, blank=True)
    operator = models.ForeignKey(
        Organisation,
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="platforms",
    )
    launched_on = models.DateField(_("launched on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["kind", "name"]
        constraints = [_closes_after("launched_on", "closed_on", "platform_closes_after_launch")]

    def __str__(self) -> str:
        return self.name


class PlatformPresence(TimeStampedModel):
    """A local enterprise's shop, or a scenic spot's listing, on a platform."""

    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="presences"
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="presences",
    )
    scenic_spot = models.ForeignKey(
        ScenicSpot,
        verbose_name=_("scenic spot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="presences",
    )
    shop_name = models.CharField(_("shop or listing name"), max_length=200, blank=True)
    since = models.DateField(_("online since"))
    until = models.DateField(_("online until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("platform presence")
        verbose_name_plural = _("platform presences")
        ordering = ["platform__name", "since", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=True) ^ Q(scenic_spot__isnull=True),
                name="presence_has_one_holder",
            ),
            _closes_after("since", "until", "presence_until_after_since"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation or self.scenic_spot} @ {self.platform}"

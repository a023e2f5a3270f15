"""The catalogue of Xiangyang's specialty products: brands (the plan's dual-brand model,
公用品牌 + 企业品牌, 市级品牌 + 县级品牌), products and their certifications (绿色食品,
有机农产品, 农产品地理标志 — together 二品一标 — 荆楚优品, organic product certification …)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from hanjiang.core.models import TimeStampedModel
from hanjiang.registry.models import Division, Organisation


class Industry(models.TextChoices):
    """The plan's eight specialty industries (第三章一（三）)."""

    GRAIN_OIL = "grain_oil", _("Grain and oil (粮油)")
    TEA = "tea", _("Xiangyang tea (襄茶)")
    AQUACULTURE = "aquaculture", _("Aquaculture (水产养殖)")
    LIVESTOCK = "livestock", _("Modern animal husbandry (现代畜牧)")
    FUNGI = "fungi", _("Edible fungi (食用菌)")
    FRUIT_HERBS = "fruit_herbs", _("Forest fruits and medicinal herbs (林果药)")
    BEEF_NOODLES = "beef_noodles", _("Beef noodles (牛肉面)")
    LEISURE = "leisure", _("Leisure farming and rural tourism (休闲农业与乡村旅游)")


class BrandLevel(models.TextChoices):
    CITY = "city", _("City regional public brand (市级区域公共品牌)")
    COUNTY = "county", _("County brand (县级品牌)")
    ENTERPRISE = "enterprise", _("Enterprise brand (企业品牌)")


class Brand(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=BrandLevel.choices)
    county = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="brands"
    )
    holder = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="brands"
    )
    industry = models.CharField(_("industry"), max_length=15, choices=Industry.choices, blank=True)
    source = models.CharField(_("source"), max_length=300)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["level", "county__code", "name"]

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    name = models.CharField(_("name"), max_length=100)
    county = models.ForeignKey(
        Division, null=True, blank=True, on_delete=models.PROTECT, related_name="products"
    )
    industry = models.CharField(_("industry"), max_length=15, choices=Industry.choices, blank=True)
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True)
    min_celsius = models.DecimalField(
        _("lowest temperature (°C)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    max_celsius = models.DecimalField(
        _("highest temperature (°C)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    brands = models.ManyToManyField(Brand, blank=True, related_name="products")
    producers = models.ManyToManyField(Organisation, blank=True, related_name="products")
    source = models.CharField(_("source"), max_length=300)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("specialty product")
        verbose_name_plural = _("specialty products")
        ordering = ["county__code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "county"], name="product_unique_in_county")
        ]

    def __str__(self) -> str:
        return self.name


class CertificationKind(models.TextChoices):
    GREEN_FOOD = "green_food", _("Green food (绿色食品)")
    ORGANIC = "organic", _("Organic agricultural product (有机农产品)")
    GEOGRAPHICAL = (
        "geographical",
        _("Geographical indication of agricultural products (农产品地理标志)"),
    )
    JINGCHU = "jingchu", _("Jingchu quality product (荆楚优品)")
    ORGANIC_PRODUCT = "organic_product", _("Organic product certification (有机产品认证)")
    OTHER = "other", _("Other certification")


# 二品一标: green food, organic agricultural products, geographical indications.
TWO_PRODUCTS_ONE_LABEL = (
    CertificationKind.GREEN_FOOD,
    CertificationKind.ORGANIC,
    CertificationKind.GEOGRAPHICAL,
)


class Certification(TimeStampedModel):
    kind = models.CharField(_("kind"), max_length=20, choices=CertificationKind.choices)
    number = models.CharField(_("certificate number"), max_length=60)
    issuer = models.CharField(_("issuer"), max_length=200)
    holder = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="certifications"
    )
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.PROTECT, related_name="certifications"
    )
    scope = models.CharField(_("scope"), max_length=300, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        ordering = ["valid_until", "kind", "number"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="certificate_unique"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="certificate_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class CaptureJob(models.Model):
    """One capture of an EPCIS document, with its outcome (the REST binding's capture job)."""

    capture_id = models.CharField(_("capture id"), max_length=36, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    success = models.BooleanField(_("success"), default=False)
    behaviour = models.CharField(_("capture error behaviour"), max_length=10, default="rollback")
    errors = models.JSONField(_("errors"), default=list)
    captured = models.PositiveIntegerField(_("events captured"), default=0)
    repeated = models.PositiveIntegerField(_("events already held"), default=0)
    captured_by = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("capture job")
        verbose_name_plural = _("capture jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.capture_id


class Event(models.Model):
    """An EPCIS event as captured: its dimensions for querying, the whole event as JSON."""

    event_id = models.CharField(_("event id"), max_length=300, unique=True)
    event_type = models.CharField(_("event type"), max_length=30, db_index=True)
    action = models.CharField(_("action"), max_length=10, blank=True)
    event_time = models.DateTimeField(_("event time"), db_index=True)
    time_zone_offset = models.CharField(_("time zone offset"), max_length=6)
    record_time = models.DateTimeField(_("record time"), auto_now_add=True)
    biz_step = models.CharField(_("business step"), max_length=200, blank=True, db_index=True)
    disposition = models.CharField(_("disposition"), max_length=200, blank=True)
    read_point = models.CharField(_("read point"), max_length=300, blank=True)
    biz_location = models.CharField(_("business location"), max_length=300, blank=True)
    error_declaration = models.JSONField(_("error declaration"), null=True, blank=True)
    body = models.JSONField(_("event"))
    job = models.ForeignKey(CaptureJob, on_delete=models.PROTECT, related_name="events")

    class Meta:
        verbose_name = _("EPCIS event")
        verbose_name_plural = _("EPCIS events")
        ordering = ["event_time", "id"]

    def __str__(self) -> str:
        return self.event_id


class IdentifierRole(models.TextChoices):
    EPC = "epc", _("object")
    PARENT = "parent", _("parent")
    CHILD = "child", _("child")
    INPUT = "input", _("input")
    OUTPUT = "output", _("output")


class EventIdentifier(models.Model):
    """An identifier an event names, and in which role: the index of queries and lineage."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="identifiers")
    # Looked up through the (identifier, role) index, which serves the identifier alone too.
    identifier = models.CharField(_("identifier"), max_length=300)
    role = models.CharField(_("role"), max_length=6, choices=IdentifierRole.choices)
    is_class = models.BooleanField(_("class or lot"), default=False)

    class Meta:
        indexes = [models.Index(fields=["identifier", "role"], name="event_identifier_role")]

    def __str__(self) -> str:
        return f"{self.identifier} ({self.role})"


class TestResult(models.TextChoices):
    NONE = "none", _("No test")
    SELF = "self", _("Self-tested (自检合格)")
    COMMISSIONED = "commissioned", _("Tested by a commissioned laboratory (委托检测合格)")


COMMITMENTS = (
    _(
        "No banned pesticides, veterinary drugs or illegal additives were used "
        "(不使用禁用农药兽药、停用兽药和非法添加物)."
    ),
    _("Withdrawal and safety intervals were respected (遵守农药安全间隔期、兽药休药期规定)."),
    _(
        "Residues of common pesticides and veterinary drugs are within the mandatory limits "
        "(常规农药兽药残留不超标)."
    ),
)


class ProduceCertificate(TimeStampedModel):
    """A 食用农产品合格证 the producer issues for a lot: product, quantity, producer, origin,
    contact, date, the commitment, and an optional test result."""

    number = models.CharField(_("certificate number"), max_length=30, unique=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="certificates")
    lot = models.CharField(_("lot"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=3)
    unit = models.CharField(_("unit"), max_length=10)
    producer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    origin = models.CharField(_("place of production"), max_length=200)
    contact = models.CharField(_("contact"), max_length=60)
    issued_on = models.DateField(_("issued on"))
    test_result = models.CharField(
        _("test result"), max_length=15, choices=TestResult.choices, default=TestResult.NONE
    )
    test_note = models.CharField(_("test details"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("produce certificate")
        verbose_name_plural = _("produce certificates")
        ordering = ["-issued_on", "-id"]

    def __str__(self) -> str:
        return self.number


class ColdChainAlert(models.Model):
    """A temperature reading of an event outside the limits of the product it names."""

    event = models.ForeignKey("Event", on_delete=models.CASCADE, related_name="alerts")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="alerts")
    identifier = models.CharField(_("identifier"), max_length=300)
    value = models.DecimalField(_("reading (°C)"), max_digits=7, decimal_places=2)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)

    class Meta:
        verbose_name = _("cold-chain alert")
        verbose_name_plural = _("cold-chain alerts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.product} {self.value} °C"


class NamedQuery(models.Model):
    """A named EPCIS events query of the REST binding: a view on the repository's events."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    definition = models.JSONField(_("query"))
    created_by = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("named query")
        verbose_name_plural = _("named queries")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

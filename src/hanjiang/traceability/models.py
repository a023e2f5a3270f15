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

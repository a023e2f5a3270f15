"""The statistics model, after DHIS2: elements, data sets, values, rules, indicators, approvals.

An organisation unit is addressed by its code: a division's 12-digit statistical code or an
organisation's 18-character unified social credit code. Every value also records the division
it lies in (`division_code`), so that values aggregate up the division tree by code prefix.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hanjiang.core.models import TimeStampedModel
from hanjiang.core.periods import PeriodType


class ValueType(models.TextChoices):
    NUMBER = "number", _("Number")
    INTEGER = "integer", _("Integer")
    PERCENTAGE = "percentage", _("Percentage")
    TEXT = "text", _("Text")


class AggregationType(models.TextChoices):
    SUM = "sum", _("Sum")
    AVERAGE = "average", _("Average")
    LAST = "last", _("Last value in period")
    NONE = "none", _("None")


class Dimension(models.TextChoices):
    READINESS = "readiness", _("Readiness")
    DEVELOPMENT = "development", _("Development")
    IMPACT = "impact", _("Impact")
    CONTEXT = "context", _("Context")


class Category(models.Model):
    """A disaggregation, e.g. by platform; its options split an element's value."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)

    class Meta:
        verbose_name = _("disaggregation")
        verbose_name_plural = _("disaggregations")

    def __str__(self) -> str:
        return self.name_zh


class CategoryOption(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="options")
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("disaggregation option")
        verbose_name_plural = _("disaggregation options")
        ordering = ["category", "sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["category", "code"], name="category_option_unique")
        ]

    def __str__(self) -> str:
        return self.name_zh


class DataElement(models.Model):
    code = models.CharField(_("code"), max_length=50, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=150)
    name_en = models.CharField(_("English name"), max_length=150)
    definition_zh = models.TextField(_("definition (Chinese)"), blank=True)
    definition_en = models.TextField(_("definition (English)"), blank=True)
    value_type = models.CharField(_("value type"), max_length=12, choices=ValueType.choices)
    unit_zh = models.CharField(_("unit (Chinese)"), max_length=30, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=30, blank=True)
    aggregation = models.CharField(_("aggregation"), max_length=10, choices=AggregationType.choices)
    dimension = models.CharField(_("dimension"), max_length=12, choices=Dimension.choices)
    category = models.ForeignKey(
        Category,
        verbose_name=_("disaggregation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="elements",
    )
    is_derived = models.BooleanField(
        _("derived"), default=False, help_text=_("Computed by a module from its records.")
    )

    class Meta:
        verbose_name = _("data element")
        verbose_name_plural = _("data elements")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name_zh} ({self.code})"

    @property
    def is_numeric(self) -> bool:
        return self.value_type != ValueType.TEXT


class ReportingUnits(models.TextChoices):
    COUNTIES = "counties", _("County-level divisions")
    TOWNSHIPS = "townships", _("Township-level divisions")
    VILLAGES = "villages", _("Village-level divisions")
    ORGANISATIONS = "organisations", _("Organisations of a kind")


class DataSet(models.Model):
    code = models.CharField(_("code"), max_length=50, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=150)
    name_en = models.CharField(_("English name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    period_type = models.CharField(
        _("period type"), max_length=10, choices=[(t.value, t.value) for t in PeriodType]
    )
    elements: models.ManyToManyField[DataElement, DataSetElement] = models.ManyToManyField(
        DataElement, through="DataSetElement", related_name="data_sets"
    )
    reporting_units = models.CharField(
        _("reporting units"), max_length=15, choices=ReportingUnits.choices
    )
    organisation_kind = models.CharField(_("organisation kind"), max_length=20, blank=True)
    due_days = models.PositiveSmallIntegerField(
        _("due days"), help_text=_("Days after the end of the period by which reports are due.")
    )
    lock_days = models.PositiveSmallIntegerField(
        _("lock days"),
        help_text=_("Days after the end of the period after which entry is closed."),
    )

    class Meta:
        verbose_name = _("data set")
        verbose_name_plural = _("data sets")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_zh


class DataSetElement(models.Model):
    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="members")
    element = models.ForeignKey(DataElement, on_delete=models.PROTECT, related_name="+")
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_required = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["data_set", "element"], name="data_set_element_unique")
        ]

    def __str__(self) -> str:
        return f"{self.data_set_id}:{self.element_id}"


class DataSource(models.Model):
    """Where values come from: entry, import, a module deriving them, or a publication."""

    class Kind(models.TextChoices):
        ENTRY = "entry", _("Reported by a unit")
        DERIVED = "derived", _("Derived by a module from its records")
        PUBLISHED = "published", _("Published figure")

    code = models.CharField(_("code"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    module = models.CharField(_("module"), max_length=40, blank=True)
    citation = models.TextField(_("citation"), blank=True)

    class Meta:
        verbose_name = _("data source")
        verbose_name_plural = _("data sources")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_zh


class DataValue(models.Model):
    """One figure: element × period × organisation unit × disaggregation option."""

    # No database-level foreign keys on this table: PostgreSQL checks them with one trigger per
    # row, which dominates bulk imports. The value engine resolves every element and source
    # before writing, and PROTECT still guards deletions through the ORM.
    element = models.ForeignKey(
        DataElement,
        on_delete=models.PROTECT,
        related_name="values",
        db_index=False,
        db_constraint=False,
    )
    period = models.CharField(_("period"), max_length=8)
    period_type = models.CharField(_("period type"), max_length=10)
    org_unit = models.CharField(_("organisation unit"), max_length=18)
    division_code = models.CharField(_("division"), max_length=12)
    category_option = models.CharField(_("disaggregation option"), max_length=40, default="")
    value = models.CharField(_("value"), max_length=500)
    number = models.FloatField(_("numeric value"), null=True, blank=True)
    source = models.ForeignKey(
        DataSource,
        on_delete=models.PROTECT,
        related_name="values",
        db_index=False,
        db_constraint=False,
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    explanation = models.CharField(_("explanation of a rule violation"), max_length=500, blank=True)
    stored_by = models.CharField(_("stored by"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("data value")
        verbose_name_plural = _("data values")
        constraints = [
            # Unit first: the key also serves reading one unit's report for a period.
            models.UniqueConstraint(
                fields=["org_unit", "period", "element", "category_option"],
                name="data_value_unique_key",
            )
        ]
        # No other index: each one slows bulk imports, and analytics reads the table whole.

    def __str__(self) -> str:
        return f"{self.element_id} {self.period} {self.org_unit} = {self.value}"


class Indicator(models.Model):
    """numerator / denominator × factor, over element expressions such as `#{ONLINE_RETAIL}`."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=150)
    name_en = models.CharField(_("English name"), max_length=150)
    definition_zh = models.TextField(_("definition (Chinese)"), blank=True)
    definition_en = models.TextField(_("definition (English)"), blank=True)
    numerator = models.TextField(_("numerator"))
    denominator = models.TextField(_("denominator"), default="1")
    factor = models.FloatField(_("factor"), default=1)
    unit_zh = models.CharField(_("unit (Chinese)"), max_length=30, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=30, blank=True)
    decimals = models.PositiveSmallIntegerField(_("decimals"), default=2)
    dimension = models.CharField(_("dimension"), max_length=12, choices=Dimension.choices)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_zh


class Importance(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Operator(models.TextChoices):
    EQUAL = "==", "="
    NOT_EQUAL = "!=", "≠"
    LESS = "<", "<"
    LESS_EQUAL = "<=", "≤"
    GREATER = ">", ">"
    GREATER_EQUAL = ">=", "≥"


class ValidationRule(models.Model):
    """`left operator right` over element expressions; `#{CODE}[-1]` is the previous period."""

    code = models.CharField(_("code"), max_length=60, unique=True)
    name_zh = models.CharField(_("Chinese name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200)
    left = models.TextField(_("left side"))
    operator = models.CharField(_("operator"), max_length=2, choices=Operator.choices)
    right = models.TextField(_("right side"))
    importance = models.CharField(_("importance"), max_length=6, choices=Importance.choices)
    data_set = models.ForeignKey(DataSet, on_delete=models.CASCADE, related_name="validation_rules")

    class Meta:
        verbose_name = _("validation rule")
        verbose_name_plural = _("validation rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name_zh


class SubmissionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class Submission(TimeStampedModel):
    """The state of one unit's report of a data set for a period."""

    data_set = models.ForeignKey(DataSet, on_delete=models.PROTECT, related_name="submissions")
    period = models.CharField(_("period"), max_length=8)
    org_unit = models.CharField(_("organisation unit"), max_length=18)
    status = models.CharField(
        _("status"), max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.OPEN
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [
            models.UniqueConstraint(
                fields=["data_set", "period", "org_unit"], name="submission_unique"
            ),
            models.CheckConstraint(
                condition=Q(status="open") | Q(status="returned") | Q(submitted_at__isnull=False),
                name="submission_submitted_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.data_set_id} {self.period} {self.org_unit}: {self.status}"

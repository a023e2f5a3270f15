"""A development plan: its goals, its indicator tree with targets, projects and layout."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")
    EXPIRED = "expired", _("Expired")


class TargetKind(models.TextChoices):
    ABSOLUTE = "absolute", _("Reach a value")
    AT_LEAST = "at_least", _("At least a value")
    RANGE = "range", _("Within a range")
    PERCENTAGE = "percentage", _("Share or coverage (%)")
    GROWTH_RATE = "growth_rate", _("Annual growth rate (%)")
    SET = "set", _("Every member of a set")


class Attribute(models.TextChoices):
    EXPECTED = "expected", _("Expected (预期性)")
    BINDING = "binding", _("Binding (约束性)")


class Plan(models.Model):
    code = models.SlugField(_("code"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("English title"), max_length=300, blank=True)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    region_code = models.CharField(_("region"), max_length=12)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices)
    positioning = models.JSONField(_("strategic positioning"), default=list)
    goals = models.JSONField(_("goals"), default=dict)
    layout = models.JSONField(_("spatial layout"), default=list)
    is_published = models.BooleanField(_("progress published"), default=False)
    loaded_at = models.DateTimeField(_("loaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-start_year", "code"]

    def __str__(self) -> str:
        return self.title

    @property
    def source_code(self) -> str:
        """The statistics hub's data source for the figures this plan publishes."""
        return f"plan:{self.code}"


class PlanIndicator(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=200)
    level = models.PositiveSmallIntegerField(_("level"))
    sort_order = models.PositiveIntegerField(default=0)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    attribute = models.CharField(
        _("attribute"), max_length=10, choices=Attribute.choices, blank=True
    )
    target_kind = models.CharField(
        _("target kind"), max_length=12, choices=TargetKind.choices, blank=True
    )
    target_text = models.CharField(_("target as written"), max_length=200, blank=True)
    target_value = models.FloatField(_("target value"), null=True, blank=True)
    target_low = models.FloatField(_("lower bound"), null=True, blank=True)
    target_high = models.FloatField(_("upper bound"), null=True, blank=True)
    target_members = models.JSONField(_("set members"), default=list, blank=True)
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)
    target_source = models.CharField(_("target source"), max_length=100, blank=True)
    baseline_value = models.FloatField(_("baseline"), null=True, blank=True)
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    baseline_text = models.CharField(_("baseline as written"), max_length=300, blank=True)
    baseline_source = models.CharField(_("baseline source"), max_length=100, blank=True)
    measure_element = models.CharField(_("measured by element"), max_length=50, blank=True)
    measure_indicator = models.CharField(_("measured by indicator"), max_length=50, blank=True)
    departments = models.JSONField(_("responsible departments"), default=list, blank=True)
    notes = models.JSONField(_("notes"), default=list, blank=True)
    discrepancies = models.JSONField(_("discrepancies"), default=list, blank=True)

    class Meta:
        verbose_name = _("plan indicator")
        verbose_name_plural = _("plan indicators")
        ordering = ["plan", "sort_order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="plan_indicator_unique")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_leaf(self) -> bool:
        return bool(self.target_kind)


class PlanProject(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="projects")
    code = models.CharField(_("code"), max_length=30)
    box = models.CharField(_("box"), max_length=30, blank=True)
    name = models.CharField(_("name"), max_length=300)
    targets = models.JSONField(_("targets"), default=list)
    milestones = models.JSONField(_("milestones"), default=list)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("key project")
        verbose_name_plural = _("key projects")
        ordering = ["plan", "sort_order"]
        constraints = [models.UniqueConstraint(fields=["plan", "code"], name="plan_project_unique")]

    def __str__(self) -> str:
        return self.name

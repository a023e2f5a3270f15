"""Base models and the append-only audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    VIEW = "view", _("Viewed personal data")


class AuditChannel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    IMPORT = "import", _("File import")
    CLI = "cli", _("Command line")
    SYSTEM = "system", _("System")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AuditTrailIsAppendOnly

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly


class AuditTrailIsAppendOnly(Exception):
    def __init__(self) -> None:
        super().__init__("The audit trail is append-only: entries cannot be changed or deleted.")


class AuditEntry(models.Model):
    """Who changed what, when, with the record before and after.

    Rows are never updated or deleted: the model refuses it and a database trigger
    (see migration 0002) refuses it for anything that bypasses the ORM.
    """

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(_("actor name"), max_length=150, blank=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=AuditChannel.choices, default=AuditChannel.WEB
    )
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    app_label = models.CharField(_("module"), max_length=50)
    model = models.CharField(_("record type"), max_length=50)
    object_id = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=255)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["app_label", "model", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditTrailIsAppendOnly
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditTrailIsAppendOnly

    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for each field whose value differs."""
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [
            (key, before.get(key), after.get(key))
            for key in keys
            if before.get(key) != after.get(key)
        ]

"""Recording changes in the audit trail. Services call `audit_record` inside their transaction."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import models

from hanjiang.core.models import AuditAction, AuditChannel, AuditEntry

JsonValue = Any


def _json_value(value: Any) -> JsonValue:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_json_value(item) for item in value]
    return value


def snapshot(
    instance: models.Model, extra: Mapping[str, Any] | None = None
) -> dict[str, JsonValue]:
    """The record's concrete field values as JSON (foreign keys by id), plus `extra` values."""
    data: dict[str, JsonValue] = {}
    for field in instance._meta.concrete_fields:
        if field.name in {"created_at", "updated_at"}:
            continue
        data[field.attname] = _json_value(getattr(instance, field.attname))
    if extra:
        data.update({key: _json_value(value) for key, value in extra.items()})
    return data


def audit_record(
    *,
    actor: Any,
    action: AuditAction,
    instance: models.Model,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    channel: AuditChannel = AuditChannel.WEB,
) -> AuditEntry:
    """Append one entry. `actor` is a user or None for the system."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_label=actor.get_username() if is_user else "system",
        channel=channel,
        action=action,
        app_label=instance._meta.app_label,
        model=instance._meta.model_name or "",
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
    )

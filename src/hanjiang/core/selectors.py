from __future__ import annotations

import datetime

from django.db.models import QuerySet

from hanjiang.core.models import AuditEntry


def audit_list(
    *,
    actor: str = "",
    app_label: str = "",
    model: str = "",
    action: str = "",
    object_id: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEntry]:
    """Audit entries, newest first, filtered by any of the given criteria (dates inclusive)."""
    entries = AuditEntry.objects.all()
    if actor:
        entries = entries.filter(actor_label__icontains=actor)
    if app_label:
        entries = entries.filter(app_label=app_label)
    if model:
        entries = entries.filter(model=model)
    if action:
        entries = entries.filter(action=action)
    if object_id:
        entries = entries.filter(object_id=object_id)
    if since:
        entries = entries.filter(at__date__gte=since)
    if until:
        entries = entries.filter(at__date__lte=until)
    return entries.order_by("-at", "-id")


def audit_models() -> list[tuple[str, str]]:
    return list(
        AuditEntry.objects.order_by("app_label", "model")
        .values_list("app_label", "model")
        .distinct()
    )

from __future__ import annotations

import datetime
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from hanjiang.core.errors import OUTSIDE_SCOPE, PermissionDeniedError
from hanjiang.core.models import AuditEntry

M = TypeVar("M", bound=Model)


def record_in_scope(scoped: QuerySet[M], pk: int) -> M:
    """The record `pk` from a user's scoped queryset. A record that exists outside the scope
    is refused (403, code `outside_scope`); one that does not exist at all is a 404."""
    record = scoped.filter(pk=pk).first()
    if record is not None:
        return record
    if scoped.model._default_manager.filter(pk=pk).exists():
        raise PermissionDeniedError("outside_scope", OUTSIDE_SCOPE)
    raise Http404


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

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from hanjiang.accounts.api_auth import roles_auth
from hanjiang.accounts.models import Role
from hanjiang.core.models import AuditEntry
from hanjiang.core.selectors import audit_list

router = Router(tags=["audit"])


class AuditFilter(Schema):
    actor: str = ""
    app_label: str = ""
    model: str = ""
    action: str = ""
    object_id: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None


class AuditEntryOut(Schema):
    id: int
    at: datetime.datetime
    actor: str = Field(..., alias="actor_label")
    channel: str
    action: str
    app_label: str
    model: str
    object_id: str
    object_repr: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get(
    "/audit",
    response=list[AuditEntryOut],
    summary="The audit trail, newest first",
    auth=roles_auth(Role.CITY_ADMIN, Role.REVIEWER),
)
@paginate(LimitOffsetPagination)
def audit_entries(request: HttpRequest, filters: Query[AuditFilter]) -> QuerySet[AuditEntry]:
    return audit_list(**filters.dict())

"""The navigation each role sees. Pages still check access themselves; this only hides links."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import role_of

SIGNED_IN = frozenset(Role)
NAVIGATION: list[tuple[str, Any, frozenset[Role] | None]] = [
    ("dashboards:home", _("Home"), None),
    ("plans:index", _("Plan"), SIGNED_IN),
    ("registry:division-tree", _("Divisions"), SIGNED_IN),
    ("registry:organisation-list", _("Organisations"), SIGNED_IN),
    ("reporting:overview", _("Statistics"), SIGNED_IN),
    ("network:station-list", _("Service network"), SIGNED_IN),
    ("traceability:catalogue", _("Specialty products"), None),
    (
        "crossborder:index",
        _("Cross-border"),
        frozenset({Role.CITY_ADMIN, Role.REVIEWER, Role.COUNTY_OFFICER, Role.ENTERPRISE}),
    ),
    (
        "reporting:figures",
        _("Figures"),
        frozenset({Role.CITY_ADMIN, Role.REVIEWER, Role.COUNTY_OFFICER}),
    ),
    ("dashboards:index", _("Development index"), SIGNED_IN),
    ("dashboards:audit-list", _("Audit trail"), frozenset({Role.CITY_ADMIN, Role.REVIEWER})),
    ("accounts:users", _("Users"), frozenset({Role.CITY_ADMIN})),
    ("accounts:tokens", _("API tokens"), SIGNED_IN),
    ("api-1.0.0:openapi-view", _("API"), SIGNED_IN),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    role = role_of(getattr(request, "user", None))
    items = [
        {"url_name": url_name, "label": label}
        for url_name, label, roles in NAVIGATION
        if roles is None or (role is not None and role in roles)
    ]
    return {"navigation": items, "current_role": role, "Role": Role}

"""Authentication and role checks for the API, before any input is read.

Bearer tokens serve machines, the session serves the browser. Each operation names the roles
it admits with `roles_auth(...)`: a caller who is known but holds another role is refused with
403 at authentication time, so a refused request is never parsed or validated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.security import HttpBearer, SessionAuth

from hanjiang.accounts.models import ApiToken, Role, hash_token
from hanjiang.accounts.scoping import role_of
from hanjiang.core.errors import PermissionDeniedError


def _admit(user: Any, roles: frozenset[Role]) -> Any:
    role = role_of(user)
    if role is None or role not in roles:
        raise PermissionDeniedError("forbidden", _("Your role does not allow this operation."))
    return user


class ApiTokenAuth(HttpBearer):
    def __init__(self, roles: Iterable[Role]) -> None:
        super().__init__()
        self.roles = frozenset(roles)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = (
            ApiToken.objects.select_related("user", "user__county")
            .filter(key_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if api_token is None:
            return None
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        return _admit(api_token.user, self.roles)


class ActiveSessionAuth(SessionAuth):
    """The browser's session (with CSRF checks on writes), for active users only."""

    def __init__(self, roles: Iterable[Role]) -> None:
        super().__init__()
        self.roles = frozenset(roles)

    def __call__(self, request: HttpRequest) -> Any:
        # Without a signed-in session there is nothing to check a CSRF token for: answer 401
        # (not authenticated) rather than the CSRF refusal the base class would give.
        if not (request.user.is_authenticated and request.user.is_active):
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if request.user.is_authenticated and request.user.is_active:
            return _admit(request.user, self.roles)
        return None


def roles_auth(*roles: Role) -> list[Any]:
    """The API's authentication for an operation open to `roles` (every role if none given)."""
    allowed = frozenset(roles) or frozenset(Role)
    return [ApiTokenAuth(allowed), ActiveSessionAuth(allowed)]

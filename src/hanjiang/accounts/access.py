"""Access decisions for pages and API operations, enforced on the server.

Every view is wrapped in `public_page` or `roles_required`; the authorization test reads the
`access_roles` attribute they leave on the view to know what was decided.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import role_of

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
ALL_ROLES = frozenset(Role)
PUBLIC = "public"


def public_page(view: View) -> View:
    view.access_roles = PUBLIC  # type: ignore[attr-defined]
    return view


def roles_required(*roles: Role) -> Callable[[View], View]:
    """Signed-in users with one of `roles`; others are sent to sign in (anonymous) or refused."""
    allowed = frozenset(roles) or ALL_ROLES

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in allowed:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.access_roles = allowed  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate

from __future__ import annotations

from django.db.models import QuerySet

from hanjiang.accounts.models import ApiToken, Role, User
from hanjiang.accounts.scoping import role_of


def token_list(*, actor: User) -> QuerySet[ApiToken]:
    """An administrator sees every token; anyone else only their own."""
    tokens = ApiToken.objects.select_related("user")
    if role_of(actor) == Role.CITY_ADMIN:
        return tokens
    return tokens.filter(user=actor)


def user_list() -> QuerySet[User]:
    return User.objects.select_related("county", "organisation").order_by("username")

from typing import cast

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.responses import Status

from hanjiang.accounts import selectors, services
from hanjiang.accounts.api_auth import roles_auth
from hanjiang.accounts.models import ApiToken, Role, User
from hanjiang.accounts.schemas import MeOut, TokenCreatedOut, TokenIn, TokenOut
from hanjiang.accounts.scoping import role_of

router = Router(tags=["accounts"])
ANY_ROLE = tuple(Role)


def _token_out(token: ApiToken) -> dict[str, object]:
    return {
        "id": token.pk,
        "name": token.name,
        "username": token.user.username,
        "key_prefix": token.key_prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


@router.get("/me", response=MeOut, summary="Who am I: role and scope", auth=roles_auth(*ANY_ROLE))
def me(request: HttpRequest) -> dict[str, object]:
    user = _user(request)
    role = role_of(user)
    return {
        "username": user.username,
        "role": role.value if role else None,
        "county_code": user.county.code if user.county else None,
        "organisation_id": user.organisation_id,
    }


@router.get(
    "/tokens", response=list[TokenOut], summary="List API tokens", auth=roles_auth(*ANY_ROLE)
)
def token_list(request: HttpRequest) -> list[dict[str, object]]:
    return [_token_out(token) for token in selectors.token_list(actor=_user(request))]


@router.post(
    "/tokens",
    response={201: TokenCreatedOut},
    summary="Create an API token",
    auth=roles_auth(*ANY_ROLE),
)
def token_create(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    token, key = services.token_create(actor=_user(request), user=_user(request), name=payload.name)
    return Status(201, {**_token_out(token), "key": key})


@router.delete(
    "/tokens/{token_id}",
    response=TokenOut,
    summary="Revoke an API token",
    auth=roles_auth(*ANY_ROLE),
)
def token_revoke(request: HttpRequest, token_id: int) -> dict[str, object]:
    token = get_object_or_404(selectors.token_list(actor=_user(request)), pk=token_id)
    return _token_out(services.token_revoke(actor=_user(request), token=token))

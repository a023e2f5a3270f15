"""Writes on users and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import ApiToken, Role, User, hash_token, new_token_key
from hanjiang.accounts.scoping import role_of
from hanjiang.core.audit import audit_record, snapshot
from hanjiang.core.errors import DomainError, ErrorItem, PermissionDeniedError, ValidationFailed
from hanjiang.core.models import AuditAction, AuditChannel

USER_AUDIT_EXCLUDE = {"password", "last_login"}


def _user_snapshot(user: User) -> dict[str, Any]:
    data = snapshot(user)
    for key in USER_AUDIT_EXCLUDE:
        data.pop(key, None)
    return data


def _related(model: type[User], field: str) -> Any:
    """The manager of a scope target; the targets live in the registry, above this layer."""
    return model._meta.get_field(field).related_model._default_manager  # type: ignore[union-attr]


def user_create(
    *,
    actor: Any,
    username: str,
    password: str,
    role: str,
    county_id: int | None = None,
    organisation_id: int | None = None,
    full_name: str = "",
    email: str = "",
    channel: AuditChannel = AuditChannel.WEB,
    check_password: bool = True,
) -> User:
    """Create a user with one role. A county officer needs a county-level division, an
    enterprise user an organisation. Raises ValidationFailed listing every problem."""
    errors: list[ErrorItem] = []
    username = username.strip()
    if not username:
        errors.append(ErrorItem("required", _("A user name is required."), field="username"))
    elif User.objects.filter(username=username).exists():
        errors.append(
            ErrorItem("duplicate", _("A user with this name already exists."), field="username")
        )
    if role not in Role.values:
        errors.append(ErrorItem("invalid_choice", _("Unknown role."), field="role"))
    if role == Role.COUNTY_OFFICER and county_id is None:
        errors.append(ErrorItem("required", _("A county officer needs a county."), field="county"))
    elif (
        role == Role.COUNTY_OFFICER
        and not _related(User, "county").filter(pk=county_id, level="county").exists()
    ):
        errors.append(
            ErrorItem(
                "invalid_county", _("The county must be a county-level division."), field="county"
            )
        )
    if role == Role.ENTERPRISE and organisation_id is None:
        errors.append(
            ErrorItem(
                "required", _("An enterprise user needs an organisation."), field="organisation"
            )
        )
    elif (
        role == Role.ENTERPRISE
        and not _related(User, "organisation").filter(pk=organisation_id).exists()
    ):
        errors.append(
            ErrorItem("unknown_organisation", _("No such organisation."), field="organisation")
        )
    if check_password:
        try:
            validate_password(password)
        except ValidationError as error:
            errors.extend(
                ErrorItem("weak_password", message, field="password") for message in error.messages
            )
    if errors:
        raise ValidationFailed(errors)
    first_name, _space, last_name = full_name.partition(" ")
    with transaction.atomic():
        user = User(
            username=username,
            role=role,
            county_id=county_id if role == Role.COUNTY_OFFICER else None,
            organisation_id=organisation_id if role == Role.ENTERPRISE else None,
            first_name=first_name,
            last_name=last_name,
            email=email,
            is_superuser=role == Role.CITY_ADMIN,
            is_staff=role == Role.CITY_ADMIN,
        )
        user.set_password(password)
        user.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=user,
            before=None,
            after=_user_snapshot(user),
            channel=channel,
        )
    return user


def _token_snapshot(token: ApiToken) -> dict[str, Any]:
    data = snapshot(token)
    data.pop("key_hash", None)
    return data


def token_create(*, actor: User, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token for `user`; returns it with its key, which is never shown again."""
    if actor.pk != user.pk and role_of(actor) != Role.CITY_ADMIN:
        raise PermissionDeniedError("forbidden", _("You may only create tokens for yourself."))
    name = name.strip()
    if not name:
        raise ValidationFailed([ErrorItem("required", _("Give the token a name."), field="name")])
    if len(name) > 100:
        raise ValidationFailed(
            [ErrorItem("too_long", _("The name is longer than 100 characters."), field="name")]
        )
    key = new_token_key()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, key_hash=hash_token(key), key_prefix=key[:10]
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=token,
            before=None,
            after=_token_snapshot(token),
        )
    return token, key


def token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if actor.pk != token.user_id and role_of(actor) != Role.CITY_ADMIN:
        raise PermissionDeniedError("forbidden", _("You may only revoke your own tokens."))
    if token.revoked_at is not None:
        raise DomainError("already_revoked", _("This token was already revoked."))
    with transaction.atomic():
        before = snapshot(token)
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=token,
            before=before,
            after=snapshot(token),
        )
    return token

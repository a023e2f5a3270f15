"""What a signed-in user may see and change, as a small value object.

The registry's master data is addressed by statistical code: a county officer's scope is the
6-digit prefix of its county, and everything whose code starts with it lies under that county.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hanjiang.accounts.models import Role

READ_ALL_ROLES = frozenset({Role.CITY_ADMIN, Role.REVIEWER})
WRITE_ROLES = frozenset({Role.CITY_ADMIN, Role.COUNTY_OFFICER, Role.ENTERPRISE})


@dataclass(frozen=True)
class Scope:
    role: Role | None
    county_prefix: str | None = None
    organisation_id: int | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.CITY_ADMIN

    @property
    def reads_everything(self) -> bool:
        return self.role in READ_ALL_ROLES

    @property
    def can_write(self) -> bool:
        return self.role in WRITE_ROLES

    def covers_code(self, code: str) -> bool:
        """Whether a division code (any length) lies within this scope's territory."""
        if self.reads_everything:
            return True
        if self.role == Role.COUNTY_OFFICER and self.county_prefix:
            return code.startswith(self.county_prefix)
        return False


ANONYMOUS = Scope(role=None)


def role_of(user: Any) -> Role | None:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.role:
        return Role(user.role)
    if user.is_superuser:
        return Role.CITY_ADMIN
    return None


def scope_of(user: Any) -> Scope:
    role = role_of(user)
    if role is None:
        return ANONYMOUS
    if role == Role.COUNTY_OFFICER:
        return Scope(role=role, county_prefix=user.county.code[:6] if user.county_id else None)
    if role == Role.ENTERPRISE:
        return Scope(role=role, organisation_id=user.organisation_id)
    return Scope(role=role)

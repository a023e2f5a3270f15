"""Demo content for a new installation: one user per role and a demo organisation.

The organisation is synthetic and says so in its name and note; its credit code is generated
with a valid check digit but belongs to no real enterprise. Passwords are random and printed once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from stdnum.cn import uscc as uscc_standard

from hanjiang.accounts.models import Role, User
from hanjiang.accounts.services import user_create
from hanjiang.core.models import AuditChannel
from hanjiang.registry.models import Division, Organisation
from hanjiang.registry.services import OrganisationInput, organisation_create

DEMO_ORGANISATION_NAME = "演示企业（示例数据，非真实企业）"
# 9 = registered by market regulation, 1 = enterprise, 420625 = 谷城县, then a marker body.
DEMO_USCC_BODY = "91420625DEMQ0000X"
DEMO_COUNTY = "420625000000"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    scope: str


def demo_uscc() -> str:
    return DEMO_USCC_BODY + uscc_standard.calc_check_digit(DEMO_USCC_BODY)


@transaction.atomic
def demo_load() -> list[DemoLogin]:
    """Create what is missing; returns the logins created now (empty when all existed)."""
    created: list[DemoLogin] = []

    def password() -> str:
        return secrets.token_urlsafe(12)

    admin = User.objects.filter(username="admin").first()
    if admin is None:
        secret = password()
        admin = user_create(
            actor=None,
            username="admin",
            password=secret,
            role=Role.CITY_ADMIN,
            full_name="演示 管理员",
            channel=AuditChannel.CLI,
            check_password=False,
        )
        created.append(DemoLogin("admin", secret, str(Role.CITY_ADMIN.label), "襄阳市"))
    county = Division.objects.get(code=DEMO_COUNTY)
    organisation = Organisation.objects.filter(uscc=demo_uscc()).first()
    if organisation is None:
        organisation = organisation_create(
            actor=admin,
            data=OrganisationInput(
                uscc=demo_uscc(),
                name=DEMO_ORGANISATION_NAME,
                division_code=DEMO_COUNTY,
                kinds=("ecommerce",),
                note="演示数据：用于体验企业用户角色，不是真实企业，统一社会信用代码为生成的示例。",
            ),
            channel=AuditChannel.CLI,
        )
    specs = [
        ("county", Role.COUNTY_OFFICER, {"county_id": county.pk}, county.name),
        ("enterprise", Role.ENTERPRISE, {"organisation_id": organisation.pk}, organisation.name),
        ("reviewer", Role.REVIEWER, {}, "襄阳市"),
    ]
    for username, role, scope, scope_label in specs:
        if User.objects.filter(username=username).exists():
            continue
        secret = password()
        user_create(
            actor=admin,
            username=username,
            password=secret,
            role=role,
            channel=AuditChannel.CLI,
            check_password=False,
            **scope,  # type: ignore[arg-type]
        )
        created.append(DemoLogin(username, secret, str(role.label), scope_label))
    return created

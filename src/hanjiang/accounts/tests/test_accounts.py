from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from hanjiang.accounts.models import ApiToken, Role, User
from hanjiang.core.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"


def test_sign_in_and_out(users: dict[str, Any]) -> None:
    client = Client()
    response = client.post("/accounts/login/", {"username": "county1", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/registry/organisations/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/registry/organisations/").status_code == 302


def test_sign_in_is_locked_after_five_wrong_passwords(users: dict[str, Any]) -> None:
    client = Client()
    for _attempt in range(4):
        wrong = client.post("/accounts/login/", {"username": "county1", "password": "wrong"})
        assert wrong.status_code == 200
        assert "用户名或密码错误" in wrong.content.decode()
    fifth = client.post("/accounts/login/", {"username": "county1", "password": "wrong"})
    assert fifth.status_code == 429
    locked = client.post("/accounts/login/", {"username": "county1", "password": PASSWORD})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert client.get("/registry/organisations/").status_code == 302


def test_a_token_is_shown_once_and_can_be_revoked(users: dict[str, Any], client_for: Any) -> None:
    client = client_for(users["enterprise"])
    created = client.post("/accounts/tokens/", {"name": "ERP"})
    key = created.context["new_key"]
    assert key.startswith("hj_")
    token = ApiToken.objects.get(user=users["enterprise"], name="ERP")
    assert key not in client.get("/accounts/tokens/").content.decode()
    assert token.key_prefix == key[:10]
    client.post(f"/accounts/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_a_user_cannot_revoke_someone_elses_token(users: dict[str, Any], client_for: Any) -> None:
    client_for(users["reviewer"]).post("/accounts/tokens/", {"name": "mine"})
    token = ApiToken.objects.get(user=users["reviewer"])
    response = client_for(users["enterprise"]).post(f"/accounts/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_administrator_creates_a_county_officer(
    users: dict[str, Any], client_for: Any, county: Any
) -> None:
    response = client_for(users["city_admin"]).post(
        "/accounts/users/",
        {
            "username": "nanzhang",
            "role": Role.COUNTY_OFFICER,
            "county": county.pk,
            "password": "Xy7!long-enough",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="nanzhang")
    assert (user.role, user.county_id) == (Role.COUNTY_OFFICER, county.pk)
    entry = AuditEntry.objects.get(model="user", object_id=str(user.pk))
    assert entry.after is not None and "password" not in entry.after


def test_a_county_officer_without_a_county_is_refused(
    users: dict[str, Any], client_for: Any
) -> None:
    response = client_for(users["city_admin"]).post(
        "/accounts/users/",
        {"username": "nocounty", "role": Role.COUNTY_OFFICER, "password": "Xy7!long-enough"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "county": ["县（市、区）商务部门用户须指定所属县（市、区）。"]
    }
    assert not User.objects.filter(username="nocounty").exists()


def test_create_user_from_the_command_line(
    reference: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("Xy7!long-enough\n"))
    call_command(
        "create_user",
        "yicheng",
        "--role",
        "county_officer",
        "--county",
        "420684",
        "--password-stdin",
    )
    user = User.objects.get(username="yicheng")
    assert user.county is not None and user.county.name == "宜城市"
    assert user.check_password("Xy7!long-enough")
    with pytest.raises(CommandError, match="No county-level division with code 420999"):
        call_command(
            "create_user", "x", "--role", "county_officer", "--county", "420999", "--password-stdin"
        )


def test_a_county_officer_must_be_scoped_to_a_county_level_division(reference: None) -> None:
    from hanjiang.accounts.services import user_create
    from hanjiang.core.errors import ValidationFailed
    from hanjiang.registry.models import Division

    city = Division.objects.get(code="420600000000")
    with pytest.raises(ValidationFailed) as caught:
        user_create(
            actor=None,
            username="wide",
            password="Xy7!long-enough",
            role=Role.COUNTY_OFFICER,
            county_id=city.pk,
        )
    assert [(error.field, error.code) for error in caught.value.errors] == [
        ("county", "invalid_county")
    ]
    assert not User.objects.filter(username="wide").exists()

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from hanjiang.accounts.services import token_create
from hanjiang.core.models import AuditEntry
from hanjiang.registry.models import Organisation
from hanjiang.registry.tests.factories import make_uscc

pytestmark = pytest.mark.django_db


def _client(user: Any, language: str = "zh-hans") -> tuple[Client, dict[str, str]]:
    _token, key = token_create(actor=user, user=user, name="test")
    return Client(), {"Authorization": f"Bearer {key}", "Accept-Language": language}


def test_divisions_are_searched_by_name_or_code(users: dict[str, Any]) -> None:
    client, headers = _client(users["reviewer"])
    by_name = client.get("/api/v1/divisions", {"q": "东津"}, headers=headers).json()
    assert [item["code"] for item in by_name["items"]] == [
        "420607111000",
        "420607111001",
        "420607111202",
    ]
    by_code = client.get("/api/v1/divisions", {"q": "420625"}, headers=headers).json()
    # 谷城县, its 11 townships and 290 village-level units of 2023, and one 2020-only unit.
    assert by_code["count"] == 1 + 11 + 290 + 1
    current = client.get("/api/v1/divisions", {"q": "420625", "edition": 2023}, headers=headers)
    assert current.json()["count"] == 1 + 11 + 290
    detail = client.get("/api/v1/divisions/420607111", headers=headers).json()
    assert detail == {
        "code": "420607111000",
        "short_code": "420607111",
        "name": "东津镇",
        "level": "township",
        "kind": "town",
        "parent_code": "420607000000",
        "editions": [2020, 2023],
    }


def test_a_county_officer_sees_only_its_own_county(users: dict[str, Any]) -> None:
    client, headers = _client(users["county_officer"])
    counties = client.get("/api/v1/divisions", {"level": "county"}, headers=headers).json()
    assert [item["name"] for item in counties["items"]] == ["谷城县"]
    refused = client.get("/api/v1/divisions/420602", headers=headers)
    assert refused.status_code == 403
    assert refused.json()["code"] == "outside_scope"


def test_create_through_the_api_and_read_it_back(users: dict[str, Any]) -> None:
    client, headers = _client(users["county_officer"])
    code = make_uscc("420625")
    payload = {
        "uscc": code,
        "name": "API 测试企业（测试数据）",
        "division_code": "420625",
        "kinds": ["logistics"],
    }
    response = client.post(
        "/api/v1/organisations", payload, content_type="application/json", headers=headers
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["uscc"], body["division_code"], body["kinds"]) == (
        code,
        "420625000000",
        ["logistics"],
    )
    entry = AuditEntry.objects.get(object_id=str(body["id"]), model="organisation")
    assert (entry.channel, entry.action) == ("api", "create")


def test_validation_errors_use_the_one_error_format_in_the_callers_language(
    users: dict[str, Any], own_organisation: Organisation
) -> None:
    payload = {
        "uscc": own_organisation.uscc,
        "name": "重复",
        "division_code": "420625",
        "kinds": ["ecommerce"],
    }
    for language, expected in [
        ("zh-hans", f"该统一社会信用代码已登记在“{own_organisation.name}”名下。"),
        (
            "en",
            f"This unified social credit code is already registered to “{own_organisation.name}”.",
        ),
    ]:
        client, headers = _client(users["city_admin"], language)
        response = client.post(
            "/api/v1/organisations", payload, content_type="application/json", headers=headers
        )
        assert response.status_code == 422
        assert response.json() == {
            "status": 422,
            "code": "duplicate_uscc",
            "field": "uscc",
            "message": expected,
            "errors": [{"code": "duplicate_uscc", "field": "uscc", "message": expected}],
        }


def test_malformed_json_is_refused_with_a_clear_error(users: dict[str, Any]) -> None:
    client, headers = _client(users["city_admin"], "en")
    before = Organisation.objects.count()
    response = client.post(
        "/api/v1/organisations", "{not json", content_type="application/json", headers=headers
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["code"] == "malformed_json"
    assert body["message"] == "The request body is not valid JSON."
    assert Organisation.objects.count() == before


def test_a_missing_field_names_the_field(users: dict[str, Any]) -> None:
    client, headers = _client(users["city_admin"], "en")
    response = client.post(
        "/api/v1/organisations",
        json.dumps({"uscc": make_uscc(), "division_code": "420625", "kinds": ["ecommerce"]}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"code": "required", "field": "name", "message": "This field is required."}
    ]


def test_an_enterprise_user_patches_its_own_organisation_only(
    users: dict[str, Any], own_organisation: Organisation, other_organisation: Organisation
) -> None:
    client, headers = _client(users["enterprise"])
    response = client.patch(
        f"/api/v1/organisations/{own_organisation.pk}",
        {"contact_person": "张三"},
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200
    assert response.json()["contact_person"] == "张三"
    refused = client.patch(
        f"/api/v1/organisations/{other_organisation.pk}",
        {"contact_person": "李四"},
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 403
    other_organisation.refresh_from_db()
    assert other_organisation.contact_person == ""


def test_a_revoked_token_no_longer_authenticates(users: dict[str, Any]) -> None:
    admin = users["city_admin"]
    token, key = token_create(actor=admin, user=admin, name="machine")
    client = Client()
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/me", headers=headers).json()["role"] == "city_admin"
    assert client.delete(f"/api/v1/tokens/{token.pk}", headers=headers).status_code == 200
    refused = client.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"


def test_the_token_list_shows_prefixes_never_keys(users: dict[str, Any]) -> None:
    client, headers = _client(users["reviewer"])
    tokens = client.get("/api/v1/tokens", headers=headers).json()
    assert len(tokens) == 1
    assert set(tokens[0]) == {
        "id",
        "name",
        "username",
        "key_prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    }
    assert tokens[0]["key_prefix"].startswith("hj_")


def test_the_organisation_list_pins_its_query_count(
    users: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from hanjiang.registry.tests.factories import OrganisationFactory

    OrganisationFactory.create_batch(15)
    client, headers = _client(users["city_admin"])
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/organisations", {"limit": 100}, headers=headers).json()
    assert body["count"] == 16

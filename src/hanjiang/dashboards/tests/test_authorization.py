"""Every page and every API operation, for every role: allowed or denied, decided here.

A route that is not in the tables below fails `test_every_route_has_a_decision`, so a new page
or endpoint cannot ship without someone deciding who may use it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config.api import api
from hanjiang.accounts.models import ApiToken
from hanjiang.accounts.services import token_create
from hanjiang.core.models import AuditEntry
from hanjiang.registry.models import Organisation

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "no_role", "city_admin", "county_officer", "enterprise", "reviewer"]
SIGNED_IN = {"city_admin", "county_officer", "enterprise", "reviewer"}
PUBLIC = set(ROLES)
ADMIN = {"city_admin"}
CITY_READERS = {"city_admin", "reviewer"}
REGISTRARS = {"city_admin", "county_officer"}
REPORTERS = {"city_admin", "county_officer", "enterprise"}

# Page routes: (method, arguments, roles allowed). Arguments name fixtures: objects of ANOTHER
# county and ANOTHER organisation, so scoped roles must be refused.
PAGES: dict[str, tuple[str, str, set[str]]] = {
    "dashboards:home": ("get", "", PUBLIC),
    "dashboards:audit-list": ("get", "", CITY_READERS),
    "dashboards:index": ("get", "", SIGNED_IN),
    "accounts:login": ("get", "", PUBLIC),
    "accounts:logout": ("post", "", PUBLIC),
    "accounts:tokens": ("get", "", SIGNED_IN),
    "accounts:token-revoke": ("post", "own_token", SIGNED_IN),
    "accounts:users": ("get", "", ADMIN),
    "set_language": ("post", "", PUBLIC),
    "registry:division-tree": ("get", "", SIGNED_IN),
    "registry:division-detail": ("get", "other_county", SIGNED_IN - {"county_officer"}),
    "registry:division-children": ("get", "other_county", SIGNED_IN - {"county_officer"}),
    "registry:area-list": ("get", "", SIGNED_IN),
    "registry:area-edit": ("get", "area", ADMIN),
    "registry:organisation-list": ("get", "", SIGNED_IN),
    "registry:organisation-create": ("get", "", REGISTRARS),
    "registry:organisation-export": ("get", "", SIGNED_IN),
    "registry:organisation-template": ("get", "", REGISTRARS),
    "registry:organisation-import": ("get", "", REGISTRARS),
    "registry:organisation-detail": ("get", "other_organisation", CITY_READERS),
    "registry:organisation-edit": ("get", "other_organisation", ADMIN),
    "registry:organisation-delete": ("post", "other_organisation", ADMIN),
    "reporting:overview": ("get", "", SIGNED_IN),
    "reporting:metadata": ("get", "", SIGNED_IN),
    "reporting:figures": ("get", "", SIGNED_IN - {"enterprise"}),
    "reporting:upload": ("get", "", REPORTERS),
    "reporting:template": ("get", "data_set_period", REPORTERS),
    "reporting:completeness": ("get", "data_set_period", SIGNED_IN),
    "reporting:entry": ("get", "other_report", CITY_READERS),
    "reporting:submit": ("post", "other_report", ADMIN),
    "reporting:decide": ("post", "other_submission", ADMIN),
    "plans:index": ("get", "", SIGNED_IN),
    "plans:upload": ("get", "", ADMIN),
    "plans:dashboard": ("get", "plan", SIGNED_IN),
    "plans:public": ("get", "plan", PUBLIC),
    "plans:report": ("get", "plan_report", CITY_READERS),
    "plans:indicator": ("get", "plan_indicator", SIGNED_IN),
    "network:station-list": ("get", "", SIGNED_IN),
    "network:station-create": ("get", "", REGISTRARS),
    "network:station-import": ("get", "", REGISTRARS),
    "network:table-2-2": ("get", "", SIGNED_IN),
    "network:county": ("get", "other_county_code", SIGNED_IN - {"county_officer"}),
    "network:station-detail": ("get", "other_station", CITY_READERS),
    "network:station-edit": ("get", "other_station", ADMIN),
    "network:designation-list": ("get", "", SIGNED_IN),
    "network:training-list": ("get", "", SIGNED_IN - {"enterprise"}),
    "network:training-import": ("get", "", REGISTRARS),
    "network:designation-create": ("get", "", REGISTRARS),
    "network:designation-import": ("get", "", REGISTRARS),
    "network:designation-edit": ("get", "other_designation", ADMIN),
    "api-1.0.0:openapi-json": ("get", "", PUBLIC),
    "api-1.0.0:openapi-view": ("get", "", PUBLIC),
    "network:map": ("get", "", SIGNED_IN),
    "network:training-edit": ("get", "other_training", ADMIN),
    "crossborder:index": ("get", "", SIGNED_IN),
    "traceability:catalogue": ("get", "", PUBLIC),
    "lot": ("get", "lot", PUBLIC),
    "lot-qr": ("get", "lot", PUBLIC),
    "traceability:certifications": ("get", "", SIGNED_IN),
    "traceability:brands": ("get", "", {"city_admin", "county_officer", "enterprise"}),
    "traceability:regulator": ("get", "", CITY_READERS | {"county_officer"}),
    "traceability:recall": ("get", "", CITY_READERS | {"county_officer"}),
    "traceability:producer": ("get", "", {"enterprise"}),
    "traceability:certificate": ("get", "produce_certificate", PUBLIC),
    "crossborder:workbench": ("get", "", {"enterprise"}),
    "crossborder:filing": ("get", "", {"enterprise"}),
    "crossborder:filings": ("get", "", CITY_READERS),
    "crossborder:message": ("get", "other_message", CITY_READERS),
    "crossborder:trade": ("get", "other_trade", CITY_READERS),
    "crossborder:rates": ("get", "", CITY_READERS),
}

# The facility registries: who writes, and who sees a record of another county (or, for
# presences, of another organisation). Platforms are a city-wide list every role reads.
FACILITY_WRITERS = {
    "parks": REGISTRARS,
    "park-residents": REGISTRARS,
    "express": REGISTRARS,
    "cold-chain": REGISTRARS,
    "scenic-spots": REGISTRARS,
    "platforms": ADMIN,
    "presences": REPORTERS,
    "denominators": REGISTRARS,
}
FACILITY_READERS = dict.fromkeys(FACILITY_WRITERS, CITY_READERS) | {"platforms": SIGNED_IN}
for _slug, _writers in FACILITY_WRITERS.items():
    PAGES |= {
        f"network:{_slug}-list": ("get", "", SIGNED_IN),
        f"network:{_slug}-create": ("get", "", _writers),
        f"network:{_slug}-import": ("get", "", _writers),
        f"network:{_slug}-detail": ("get", f"other_facility:{_slug}", FACILITY_READERS[_slug]),
        f"network:{_slug}-edit": ("get", f"other_facility:{_slug}", ADMIN),
    }

# API operations: (method, path) -> roles allowed. Path parameters point at another county's
# division, another county's organisation, and the caller's own token.
API: dict[tuple[str, str], set[str]] = {
    ("get", "/api/v1/me"): SIGNED_IN,
    ("get", "/api/v1/tokens"): SIGNED_IN,
    ("post", "/api/v1/tokens"): SIGNED_IN,
    ("delete", "/api/v1/tokens/{token_id}"): SIGNED_IN,
    ("get", "/api/v1/divisions"): SIGNED_IN,
    ("get", "/api/v1/divisions/{code}"): SIGNED_IN - {"county_officer"},
    ("get", "/api/v1/divisions/{code}/children"): SIGNED_IN - {"county_officer"},
    ("get", "/api/v1/areas"): SIGNED_IN,
    ("get", "/api/v1/organisations"): SIGNED_IN,
    ("post", "/api/v1/organisations"): REGISTRARS,
    ("get", "/api/v1/organisations/{organisation_id}"): CITY_READERS,
    ("patch", "/api/v1/organisations/{organisation_id}"): ADMIN,
    ("delete", "/api/v1/organisations/{organisation_id}"): ADMIN,
    ("get", "/api/v1/audit"): CITY_READERS,
    ("post", "/api/v1/dataValueSets"): REPORTERS,
    ("get", "/api/v1/stations"): SIGNED_IN,
    ("get", "/api/v1/designations"): SIGNED_IN,
    ("get", "/api/v1/training"): SIGNED_IN - {"enterprise"},
    ("post", "/api/v1/training"): REGISTRARS,
    ("put", "/api/v1/training/{session_id}"): ADMIN,
    ("post", "/api/v1/crossborder/messages"): {"enterprise"},
    ("get", "/api/v1/crossborder/messages"): CITY_READERS | {"enterprise"},
    ("get", "/api/v1/crossborder/trades/{order_id}"): CITY_READERS,
    ("post", "/api/v1/epcis/capture"): {"city_admin", "enterprise"},
    ("get", "/api/v1/epcis/capture/{capture_id}"): SIGNED_IN,
    ("get", "/api/v1/epcis/events"): SIGNED_IN,
    ("get", "/api/v1/epcis/queries"): SIGNED_IN,
    ("post", "/api/v1/epcis/queries"): SIGNED_IN,
    ("get", "/api/v1/epcis/queries/{name}"): SIGNED_IN,
    ("delete", "/api/v1/epcis/queries/{name}"): SIGNED_IN,
    ("get", "/api/v1/epcis/queries/{name}/events"): SIGNED_IN,
    ("get", "/api/v1/epcis/lineage"): SIGNED_IN,
    ("post", "/api/v1/designations"): REGISTRARS,
    ("get", "/api/v1/plans"): SIGNED_IN,
    ("get", "/api/v1/plans/{code}/progress"): SIGNED_IN,
    ("post", "/api/v1/stations"): REGISTRARS,
    ("get", "/api/v1/stations/{station_id}"): CITY_READERS,
    ("get", "/api/v1/dataValueSets"): SIGNED_IN,
    ("get", "/api/v1/dataSets"): SIGNED_IN,
    ("get", "/api/v1/dataElements"): SIGNED_IN,
    ("get", "/api/v1/indicators"): SIGNED_IN,
    ("get", "/api/v1/figures/{unit}/{period}"): CITY_READERS,
    ("get", "/api/v1/completeness/{data_set}/{period}"): CITY_READERS | {"county_officer"},
}
for _slug, _writers in FACILITY_WRITERS.items():
    API |= {
        ("get", f"/api/v1/network/{_slug}"): SIGNED_IN,
        ("post", f"/api/v1/network/{_slug}"): _writers,
        ("get", f"/api/v1/network/{_slug}/{{record_id}}"): FACILITY_READERS[_slug],
        ("put", f"/api/v1/network/{_slug}/{{record_id}}"): ADMIN,
    }


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            full = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            yield from _walk(pattern.url_patterns, full)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), pattern.callback


def _page_routes() -> dict[str, Any]:
    routes = dict(_walk(get_resolver().url_patterns))
    return {
        name: view
        for name, view in routes.items()
        if not name.startswith("api-1.0.0:") or "openapi" in name
    }


def _api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema()
    return {(method, path) for path, methods in schema["paths"].items() for method in methods}


def test_every_route_has_a_decision() -> None:
    assert set(_page_routes()) == set(PAGES)
    assert _api_operations() == set(API)


def test_every_page_view_declares_its_access() -> None:
    undecided = [name for name, view in _page_routes().items() if not hasattr(view, "access_roles")]
    assert undecided == []


def _arguments(kind: str, request: pytest.FixtureRequest, actor: Any) -> dict[str, Any]:
    if kind == "other_county":
        return {"code": request.getfixturevalue("other_county").code}
    if kind == "other_organisation":
        return {"organisation_id": request.getfixturevalue("other_organisation").pk}
    if kind == "data_set_period":
        request.getfixturevalue("statistics")
        return {"data_set_code": "COUNTY_QUARTERLY", "period_code": "2024Q3"}
    if kind == "other_report":
        request.getfixturevalue("statistics")
        return {
            "data_set_code": "COUNTY_QUARTERLY",
            "period_code": "2024Q3",
            "unit": request.getfixturevalue("other_county").code,
        }
    if kind == "other_submission":
        request.getfixturevalue("statistics")
        from hanjiang.reporting.models import DataSet, Submission

        submission = Submission.objects.create(
            data_set=DataSet.objects.get(code="COUNTY_QUARTERLY"),
            period="2024Q3",
            org_unit=request.getfixturevalue("other_county").code,
            status="submitted",
            submitted_at=datetime.datetime(2024, 10, 5, tzinfo=datetime.UTC),
        )
        return {"submission_id": submission.pk, "decision": "approve"}
    if kind == "area":
        request.getfixturevalue("reference")
        return {"code": "ftz"}
    if kind == "other_county_code":
        return {"code": request.getfixturevalue("other_county").short_code}
    if kind == "other_designation":
        from hanjiang.network.models import Designation

        designation = Designation.objects.create(
            level="national",
            kind="rural_demo_county",
            holder_division=request.getfixturevalue("other_county"),
            year_granted=2019,
            source="测试文件（测试数据）",
        )
        return {"designation_id": designation.pk}
    if kind == "other_station":
        import datetime as dt

        from hanjiang.network.models import Station

        township = request.getfixturevalue("other_county").children.filter(level="township").first()
        station = Station.objects.create(
            name="襄城测试站（测试数据）",
            level="township_station",
            division=township,
            opened_on=dt.date(2022, 1, 1),
        )
        return {"station_id": station.pk}
    if kind == "other_training":
        from hanjiang.network.models import TrainingSession

        session = TrainingSession.objects.create(
            held_on=datetime.date(2024, 3, 1),
            county=request.getfixturevalue("other_county"),
            organiser="测试（测试数据）",
            topic="测试",
            kind="rural",
            persons=10,
        )
        return {"session_id": session.pk}
    if kind == "produce_certificate":
        from hanjiang.traceability.models import ProduceCertificate, Product

        product = Product.objects.create(
            name="测试（测试数据）", gtin="09521234543213", source="测试"
        )
        item = ProduceCertificate.objects.create(
            number="HGTEST0001",
            product=product,
            lot="https://id.gs1.org/01/09521234543213/10/A1",
            quantity=1,
            unit="千克",
            producer=request.getfixturevalue("other_organisation"),
            origin="测试",
            contact="测试",
            issued_on=datetime.date(2026, 11, 1),
        )
        return {"number": item.number}
    if kind == "lot":
        return {"gtin": "09521234543213", "lot": "A1"}
    if kind in {"other_message", "other_trade"}:
        return _other_crossborder(kind, request)
    if kind.startswith("other_facility:"):
        return {"record_id": _other_facility(kind.split(":")[1], request)}
    if kind.startswith("plan"):
        plan = request.getfixturevalue("small_plan")
        arguments: dict[str, Any] = {"code": plan.code}
        if kind == "plan_report":
            arguments.update(year=2023, fmt="xlsx")
        if kind == "plan_indicator":
            arguments["indicator_code"] = "1.1"
        return arguments
    if kind == "own_token":
        owner = actor or request.getfixturevalue("users")["city_admin"]
        token, _key = token_create(actor=owner, user=owner, name="walk")
        return {"token_id": token.pk}
    return {}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(PAGES))
def test_page_access(
    route: str, role: str, users: dict[str, Any], client_for: Any, request: pytest.FixtureRequest
) -> None:
    method, kind, allowed = PAGES[route]
    actor = users[role]
    url = reverse(route, kwargs=_arguments(kind, request, actor))
    organisations_before = Organisation.objects.count()
    response = getattr(client_for(actor), method)(url)
    login_url = reverse("accounts:login")
    if role in allowed:
        assert response.status_code in {200, 302}, response.status_code
        if response.status_code == 302:
            assert not response["Location"].startswith(login_url)
    elif role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(login_url)
        assert Organisation.objects.count() == organisations_before
    else:
        assert response.status_code == 403
        assert Organisation.objects.count() == organisations_before


def _api_path(path: str, request: pytest.FixtureRequest, actor: Any) -> str:
    if "/plans/{code}" in path:
        path = path.replace("{code}", request.getfixturevalue("small_plan").code)
    if "{code}" in path:
        path = path.replace("{code}", request.getfixturevalue("other_county").short_code)
    if "{organisation_id}" in path:
        path = path.replace(
            "{organisation_id}", str(request.getfixturevalue("other_organisation").pk)
        )
    if "{unit}" in path or "{data_set}" in path:
        request.getfixturevalue("statistics")
        path = path.replace("{unit}", request.getfixturevalue("other_county").short_code)
        path = path.replace("{period}", "2024Q3").replace("{data_set}", "COUNTY_QUARTERLY")
    if "{station_id}" in path:
        station = _arguments("other_station", request, actor)["station_id"]
        path = path.replace("{station_id}", str(station))
    if "{token_id}" in path:
        path = path.replace("{token_id}", str(_arguments("own_token", request, actor)["token_id"]))
    if "{session_id}" in path:
        session = _arguments("other_training", request, actor)["session_id"]
        path = path.replace("{session_id}", str(session))
    if "{capture_id}" in path:
        path = path.replace("{capture_id}", "00000000-0000-0000-0000-000000000000")
    if "{order_id}" in path:
        order = _other_crossborder("other_trade", request)["order_id"]
        path = path.replace("{order_id}", str(order))
    if "{record_id}" in path:
        slug = path.split("/")[4]
        path = path.replace("{record_id}", str(_other_facility(slug, request)))
    return path


def _other_crossborder(kind: str, request: pytest.FixtureRequest) -> dict[str, int]:
    """A message and an order of an enterprise of another county."""
    from hanjiang.crossborder.models import Filing, Message, Order

    filing = Filing.objects.create(
        organisation=request.getfixturevalue("other_organisation"),
        customs_code="4206029999",
        dxp_id="DXPTEST",
        roles=["enterprise"],
        modes=["9610"],
        status="approved",
    )
    message = Message.objects.create(
        guid="0" * 36,
        message_type="CEB311Message",
        filing=filing,
        channel="api",
        status="accepted",
    )
    if kind == "other_message":
        return {"message_id": message.pk}
    order = Order.objects.create(
        message=message,
        guid="0" * 36,
        app_type="1",
        order_no="OTHER1",
        ebp_code="4206029999",
        ebp_name="测试",
        ebc_code="4206029999",
        ebc_name="测试",
        goods_value=1,
        freight=0,
        discount=0,
        tax_total=0,
        actural_paid=1,
        buyer_name="测试",
        buyer_id_secret="",
        buyer_id_digest="",
        buyer_telephone_secret="",
        buyer_telephone_digest="",
        consignee="测试",
        consignee_telephone_secret="",
        consignee_telephone_digest="",
        consignee_address="测试",
        declared_on=datetime.date(2026, 1, 5),
    )
    return {"order_id": order.pk}


def _other_facility(slug: str, request: pytest.FixtureRequest) -> int:
    """A record of the registry `slug` placed in another county (held by another organisation)."""
    from hanjiang.network import models

    other = request.getfixturevalue("other_county")
    township = other.children.filter(level="township").first()
    village = township.children.filter(level="village").first()
    organisation = request.getfixturevalue("other_organisation")
    day = datetime.date(2022, 1, 1)
    park = models.Park.objects.create(
        name="襄城测试园（测试数据）", kind="ecommerce_park", division=township, opened_on=day
    )
    platform = models.Platform.objects.create(name="测试平台（测试数据）", kind="third_party")
    records: dict[str, Any] = {
        "parks": lambda: park,
        "park-residents": lambda: models.ParkTenant.objects.create(
            park=park, organisation=organisation, moved_in=day
        ),
        "express": lambda: models.ExpressService.objects.create(
            village=village, carrier=models.Carrier.objects.first(), since=day
        ),
        "cold-chain": lambda: models.ColdChainFacility.objects.create(
            name="测试冷库（测试数据）",
            kind="cold_store",
            temperature="chilled",
            division=township,
            opened_on=day,
        ),
        "scenic-spots": lambda: models.ScenicSpot.objects.create(
            name="测试景区（测试数据）", grade=3, division=township
        ),
        "platforms": lambda: platform,
        "presences": lambda: models.PlatformPresence.objects.create(
            platform=platform, organisation=organisation, since=day
        ),
        "denominators": lambda: models.CoverageDenominator.objects.create(
            county=other, year=2024, level="village_point", value=60, source="测试（测试数据）"
        ),
    }
    return int(records[slug]().pk)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(API), ids=lambda op: f"{op[0]} {op[1]}")
def test_api_access(
    operation: tuple[str, str],
    role: str,
    users: dict[str, Any],
    client_for: Any,
    request: pytest.FixtureRequest,
) -> None:
    method, path = operation
    actor = users[role]
    client = client_for(None)
    headers: dict[str, str] = {}
    if actor is not None:
        _token, key = token_create(actor=actor, user=actor, name="client")
        headers["Authorization"] = f"Bearer {key}"
    url = _api_path(path, request, actor)
    audit_before = AuditEntry.objects.count()
    tokens_before = ApiToken.objects.count()
    if method == "get":
        response = client.get(url, headers=headers)
    else:
        response = getattr(client, method)(
            url, data="{}", content_type="application/json", headers=headers
        )
    body = response.json() if response.content else {}
    if role in operation_roles(operation):
        assert response.status_code not in {401, 403}, body
        return
    expected = 401 if role == "anonymous" else 403
    assert response.status_code == expected, body
    assert body["status"] == expected
    assert body["code"] in {"not_authenticated", "forbidden", "outside_scope"}
    assert AuditEntry.objects.count() == audit_before
    assert ApiToken.objects.count() == tokens_before


def operation_roles(operation: tuple[str, str]) -> set[str]:
    return API[operation]

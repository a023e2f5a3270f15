from __future__ import annotations

from typing import Any

import pytest

from hanjiang.core.models import AuditEntry
from hanjiang.registry.models import Organisation
from hanjiang.registry.tests.factories import OrganisationFactory, make_uscc

pytestmark = pytest.mark.django_db


def _form(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "uscc": make_uscc("420625"),
        "name": "网页登记企业（测试数据）",
        "kinds": ["ecommerce"],
        "division_code": "420625000000",
    }
    data.update(changes)
    return data


def test_registering_through_the_form_redirects_to_the_new_record(
    users: dict[str, Any], client_for: Any
) -> None:
    data = _form()
    response = client_for(users["county_officer"]).post("/registry/organisations/new/", data)
    organisation = Organisation.objects.get(uscc=data["uscc"])
    assert response.status_code == 302
    assert response["Location"] == f"/registry/organisations/{organisation.pk}/"
    assert AuditEntry.objects.filter(object_id=str(organisation.pk), action="create").count() == 1


def test_a_bad_code_shows_the_reason_on_its_field(users: dict[str, Any], client_for: Any) -> None:
    response = client_for(users["city_admin"]).post(
        "/registry/organisations/new/", _form(uscc="91420625MA4K")
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "uscc": ["统一社会信用代码应为 18 位，当前为 12 位。"]
    }
    assert not Organisation.objects.filter(name="网页登记企业（测试数据）").exists()


def test_a_county_officer_is_offered_only_its_own_divisions(
    users: dict[str, Any], client_for: Any
) -> None:
    response = client_for(users["county_officer"]).get("/registry/organisations/new/")
    codes = [code for code, _label in response.context["form"].fields["division_code"].choices]
    assert codes[0] == "420625000000"
    assert len(codes) == 1 + 11
    assert all(code.startswith("420625") for code in codes)
    refused = client_for(users["county_officer"]).post(
        "/registry/organisations/new/", _form(division_code="420602000000")
    )
    assert "division_code" in refused.context["form"].errors
    assert not Organisation.objects.filter(name="网页登记企业（测试数据）").exists()


def test_the_organisation_list_pins_its_query_count(
    users: dict[str, Any], client_for: Any, django_assert_max_num_queries: Any
) -> None:
    OrganisationFactory.create_batch(20)
    client = client_for(users["city_admin"])
    with django_assert_max_num_queries(12):
        response = client.get("/registry/organisations/")
    assert response.context["page"].paginator.count == 21


def test_the_organisation_list_filters_by_kind_and_county(
    users: dict[str, Any],
    client_for: Any,
    own_organisation: Organisation,
    other_organisation: Organisation,
) -> None:
    OrganisationFactory(kinds=["logistics"], name="物流企业（测试数据）")
    client = client_for(users["reviewer"])
    by_kind = client.get("/registry/organisations/", {"kind": "logistics"})
    assert [o.name for o in by_kind.context["page"]] == ["物流企业（测试数据）"]
    by_county = client.get("/registry/organisations/", {"division": "420602"})
    assert [o.pk for o in by_county.context["page"]] == [other_organisation.pk]


def test_division_search_finds_by_name_and_by_code(users: dict[str, Any], client_for: Any) -> None:
    client = client_for(users["reviewer"])
    by_name = client.get("/registry/divisions/", {"q": "鱼梁洲"})
    assert [d.code for d in by_name.context["page"]] == ["420606480000"]
    by_code = client.get("/registry/divisions/", {"q": "420606480"})
    # A code is a prefix: the unit and what lies under it.
    assert [d.name for d in by_code.context["page"]] == ["鱼梁洲开发区", "明珠路虚拟社区"]


def test_the_county_page_counts_its_units_per_edition(
    users: dict[str, Any], client_for: Any
) -> None:
    response = client_for(users["county_officer"]).get("/registry/divisions/420625/")
    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts[2023].townships, counts[2023].communities, counts[2023].villages) == (
        11,
        50,
        240,
    )
    assert (counts[2020].townships, counts[2020].communities, counts[2020].villages) == (
        11,
        49,
        241,
    )


def test_the_tree_starts_at_the_county_for_a_county_officer(
    users: dict[str, Any], client_for: Any
) -> None:
    officer = client_for(users["county_officer"]).get("/registry/divisions/")
    assert [d.name for d in officer.context["roots"]] == ["谷城县"]
    reviewer = client_for(users["reviewer"]).get("/registry/divisions/")
    assert [d.name for d in reviewer.context["roots"]] == ["襄阳市"]
    children = client_for(users["reviewer"]).get("/registry/divisions/420600/children/")
    assert children.content.decode().count('class="code"') == 9


def test_the_home_page_highlights_the_officers_county(
    users: dict[str, Any], client_for: Any
) -> None:
    response = client_for(users["county_officer"]).get("/")
    highlighted = [row["name"] for row in response.context["map_data"] if row["highlighted"]]
    assert highlighted == ["谷城县"]
    links = {row["name"]: row["url"] for row in response.context["map_data"]}
    assert links["谷城县"] == "/registry/divisions/420625000000/"
    assert links["襄城区"] == ""
    public = client_for(None).get("/")
    assert [row["url"] for row in public.context["map_data"]] == [""] * 9


def test_pages_switch_to_english(users: dict[str, Any], client_for: Any) -> None:
    client = client_for(users["reviewer"])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/registry/organisations/").content.decode()
    assert "<h1>Organisations</h1>" in english
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    chinese = client.get("/registry/organisations/").content.decode()
    assert "<h1>机构</h1>" in chinese


def test_the_administrator_maps_an_unmapped_zone(users: dict[str, Any], client_for: Any) -> None:
    from hanjiang.registry.models import Area

    client = client_for(users["city_admin"])
    refused = client.post("/registry/areas/ftz/edit/", {"division_codes": "420606570 999999"})
    assert refused.status_code == 422
    assert Area.objects.get(code="ftz").divisions.count() == 0
    client.post("/registry/areas/ftz/edit/", {"division_codes": "420606570 420606571"})
    coverage = Area.objects.get(code="ftz").coverage.order_by("division__code")
    assert list(coverage.values_list("division__short_code", "basis")) == [
        ("420606570", "administrator"),
        ("420606571", "administrator"),
    ]
    entry = AuditEntry.objects.get(model="area", action="update")
    assert entry.after == {"divisions": ["420606570000", "420606571000"]}

from __future__ import annotations

import datetime
from typing import Any

import pytest

from hanjiang.core.errors import ValidationFailed
from hanjiang.network.designations import DesignationInput, designation_save, designations_publish
from hanjiang.network.models import Designation
from hanjiang.reporting.models import DataValue

pytestmark = pytest.mark.django_db


def _input(**changes: Any) -> DesignationInput:
    values: dict[str, Any] = {
        "level": "national",
        "kind": "rural_demo_county",
        "holder": "420625",
        "year_granted": "2016",
        "source": "商务部、财政部、国务院扶贫办文件（测试引用）",
    }
    values.update(changes)
    return DesignationInput(**values)


@pytest.mark.parametrize(
    ("changes", "field", "code"),
    [
        ({"holder": "420625100"}, "holder", "wrong_holder"),
        ({"kind": "demo_enterprise"}, "holder", "wrong_holder"),
        ({"holder": "420602"}, "holder", "outside_scope"),
        ({"holder": "999999"}, "holder", "unknown_holder"),
        ({"year_revoked": "2015"}, "year_revoked", "revoked_before_granted"),
        ({"year_granted": "1066"}, "year_granted", "invalid_year"),
        ({"source": ""}, "source", "required"),
    ],
    ids=[
        "township-for-county",
        "enterprise-kind",
        "other-county",
        "unknown",
        "revoked-first",
        "year",
        "source",
    ],
)
def test_bad_designations_are_refused(
    statistics: None, users: dict[str, Any], changes: dict[str, Any], field: str, code: str
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        designation_save(actor=users["county_officer"], data=_input(**changes))
    assert [(error.field, error.code) for error in caught.value.errors] == [(field, code)]
    assert not Designation.objects.exists()


def test_counts_are_published_per_year_without_touching_the_plans_figures(
    statistics: None, users: dict[str, Any]
) -> None:
    from hanjiang.plans.loader import DATA_DIR, plan_load_file

    plan_load_file(DATA_DIR / "xiangyang-2021-2025.yaml")
    admin = users["city_admin"]
    designation_save(actor=admin, data=_input(holder="420683", year_granted="2015"))
    designation_save(actor=admin, data=_input(holder="420626", year_granted="2017"))
    designation_save(
        actor=admin, data=_input(holder="420625", year_granted="2019", year_revoked="2024")
    )
    designations_publish(datetime.date(2025, 6, 30))
    counts = dict(
        DataValue.objects.filter(
            source__code="network-designations", element__code="NATIONAL_DEMO_COUNTIES"
        ).values_list("period", "number")
    )
    assert counts == {
        "2015": 1,
        "2016": 1,
        "2017": 2,
        "2018": 2,
        "2019": 3,
        "2021": 3,
        "2022": 3,
        "2023": 3,
        "2024": 2,
        "2025": 2,
    }
    stated = DataValue.objects.get(element__code="NATIONAL_DEMO_COUNTIES", period="2020")
    assert stated.source.code == "plan:xiangyang-ecommerce-2021-2025"


def test_designations_through_the_api(statistics: None, users: dict[str, Any]) -> None:
    from django.test import Client

    from hanjiang.accounts.services import token_create

    _token, key = token_create(
        actor=users["county_officer"], user=users["county_officer"], name="t"
    )
    headers = {"Authorization": f"Bearer {key}"}
    created = Client().post(
        "/api/v1/designations",
        {
            "level": "national",
            "kind": "rural_demo_county",
            "holder": "420625",
            "year_granted": 2016,
            "source": "测试文件（测试数据）",
        },
        content_type="application/json",
        headers=headers,
    )
    assert created.status_code == 201
    assert (created.json()["holder"], created.json()["holder_name"]) == ("420625000000", "谷城县")
    refused = Client().post(
        "/api/v1/designations",
        {
            "level": "national",
            "kind": "rural_demo_county",
            "holder": "420602",
            "year_granted": 2016,
            "source": "x",
        },
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 422
    assert refused.json()["code"] == "outside_scope"
    listed = Client().get("/api/v1/designations", headers=headers).json()
    assert listed["count"] == 1

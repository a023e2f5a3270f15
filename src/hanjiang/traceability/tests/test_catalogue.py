"""The catalogue: the plan's brands, certifications, expiry flags and the 二品一标 count."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from hanjiang.core.errors import ValidationFailed
from hanjiang.registry.models import Organisation
from hanjiang.registry.tests.factories import OrganisationFactory, make_uscc
from hanjiang.reporting.models import DataValue
from hanjiang.traceability.catalogue import (
    CertificationInput,
    certification_save,
    load_plan_brands,
    publish,
)
from hanjiang.traceability.models import Brand, Product

pytestmark = pytest.mark.django_db


def _input(holder: Organisation, **changes: str) -> CertificationInput:
    values = {
        "kind": "green_food",
        "number": "LB-00-0000000001（测试数据）",
        "issuer": "测试认证机构（测试数据）",
        "holder_uscc": holder.uscc,
        "valid_from": "2024-03-01",
        "valid_until": "2027-02-28",
    } | changes
    return CertificationInput(**values)


def test_the_plans_brands_are_registered_once(reference: None, client_for: Any) -> None:
    assert load_plan_brands() == 26
    assert load_plan_brands() == 0
    levels = {
        level: Brand.objects.filter(level=level).count()
        for level in ("city", "county", "enterprise")
    }
    assert levels == {"city": 5, "county": 12, "enterprise": 9}
    peach = Brand.objects.get(name="枣阳皇桃")
    assert (peach.county.name, peach.note) == ("枣阳市", "第四章三作“枣阳黄桃”")
    assert peach.source.startswith("规划第五章五（五）")
    assert Product.objects.count() == 16
    assert not Product.objects.exclude(gtin="").exists()
    page = client_for(None).get("/catalogue/?county=420624")
    assert [p.name for p in page.context["products"]] == ["南漳香菇", "南漳土蜂蜜"]


def test_certifications_are_checked_and_scoped(users: dict[str, Any], county: Any) -> None:
    holder = OrganisationFactory(division=county, uscc=make_uscc("420625"))
    other = OrganisationFactory(division=county, uscc=make_uscc("420625"))
    officer = users["county_officer"]
    certification_save(actor=officer, data=_input(holder))
    with pytest.raises(ValidationFailed) as caught:
        certification_save(
            actor=officer,
            data=_input(holder, valid_until="2023-01-01", kind="magic", issuer=""),
        )
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("kind", "invalid_choice"),
        ("issuer", "required"),
        ("valid_until", "ends_before_start"),
    ]
    with pytest.raises(ValidationFailed) as caught:
        certification_save(actor=officer, data=_input(holder))
    assert [e.code for e in caught.value.errors] == ["duplicate"]
    with pytest.raises(ValidationFailed) as caught:
        certification_save(actor=users["enterprise"], data=_input(other, number="X2"))
    assert [e.code for e in caught.value.errors] == ["outside_scope"]
    with pytest.raises(ValidationFailed) as caught:
        certification_save(
            actor=users["enterprise"],
            data=CertificationInput(**(vars(_input(other, number="X3")) | {"holder_uscc": "X"})),
        )
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("holder_uscc", "unknown_organisation")
    ]


@time_machine.travel(datetime.datetime(2026, 11, 29, 12, tzinfo=datetime.UTC), tick=False)
def test_the_count_of_valid_two_products_one_label(
    users: dict[str, Any], county: Any, other_county: Any, client_for: Any, statistics: None
) -> None:
    gucheng = OrganisationFactory(division=county, uscc=make_uscc("420625"))
    xiangcheng = OrganisationFactory(division=other_county, uscc=make_uscc("420602"))
    admin = users["city_admin"]
    certification_save(actor=admin, data=_input(gucheng, valid_from="2024-01-01", valid_until=""))
    certification_save(
        actor=admin,
        data=_input(gucheng, number="GI-1", kind="geographical", valid_until="2026-12-31"),
    )
    certification_save(actor=admin, data=_input(xiangcheng, number="JC-1", kind="jingchu"))
    certification_save(
        actor=admin,
        data=_input(
            xiangcheng,
            number="OR-1",
            kind="organic",
            valid_from="2025-05-01",
            valid_until="2025-12-31",
        ),
    )
    publish(datetime.date(2026, 11, 29))

    def value(unit: str, year: str) -> float | None:
        found = DataValue.objects.filter(
            element__code="TWO_PRODUCTS_ONE_LABEL", org_unit=unit, period=year
        ).first()
        return found.number if found else None

    assert [value("420600000000", y) for y in ("2024", "2025", "2026")] == [2.0, 3.0, 2.0]
    assert value("420625000000", "2026") == 2.0
    assert value("420602000000", "2025") == 1.0
    # … and reaches the plan's indicator 2.1.3 “二品一标” (target 500 in 2025).
    from hanjiang.plans.loader import DATA_DIR, plan_load_file
    from hanjiang.plans.progress import plan_progress

    plan = plan_load_file(DATA_DIR / "xiangyang-2021-2025.yaml").plan
    leaf = plan.indicators.get(measure_element="TWO_PRODUCTS_ONE_LABEL")
    progress = plan_progress(plan, datetime.date(2026, 11, 29))[leaf.pk]
    assert progress.latest is not None
    assert (leaf.code, progress.latest.year, progress.latest.value) == ("2.1.3", 2026, 2.0)
    page = client_for(admin).get("/catalogue/certifications/")
    flags = {row["item"].number: row["expiring"] for row in page.context["rows"]}
    assert flags == {
        "LB-00-0000000001（测试数据）": False,
        "GI-1": True,
        "JC-1": False,
        "OR-1": False,
    }


def test_a_producer_registers_a_product_and_a_lot_and_the_code_opens_the_trace(
    users: dict[str, Any], client_for: Any
) -> None:
    client = client_for(users["enterprise"])
    bad = client.post(
        "/catalogue/producer/",
        {"form": "product", "name": "测试香菇（测试数据）", "gtin": "9521234543214"},
    )
    assert [(e.field, e.code) for e in bad.context["errors"]] == [("gtin", "check_digit")]
    limits = client.post(
        "/catalogue/producer/",
        {"form": "product", "name": "测试香菇（测试数据）", "min_celsius": "8", "max_celsius": "2"},
    )
    assert [(e.field, e.code) for e in limits.context["errors"]] == [
        ("max_celsius", "invalid_range")
    ]
    limits = client.post(
        "/catalogue/producer/",
        {"form": "product", "name": "测试香菇（测试数据）", "min_celsius": "0.25"},
    )
    assert [(e.field, e.code) for e in limits.context["errors"]] == [
        ("min_celsius", "invalid_number")
    ]
    assert not Product.objects.filter(name="测试香菇（测试数据）").exists()
    client.post(
        "/catalogue/producer/",
        {
            "form": "product",
            "name": "测试香菇（测试数据）",
            "gtin": "9521234543213",
            "county": "420624",
            "min_celsius": "0",
            "max_celsius": "4.5",
        },
    )
    product = Product.objects.get(name="测试香菇（测试数据）")
    assert (product.gtin, product.county.name) == ("09521234543213", "南漳县")
    assert (product.min_celsius, product.max_celsius) == (Decimal("0.0"), Decimal("4.5"))
    refused = client.post(
        "/catalogue/producer/",
        {
            "form": "lot",
            "product": product.pk,
            "lot": "NZ 01",
            "harvested_on": "2026-10-01",
            "quantity": "0",
        },
    )
    assert [(e.field, e.code) for e in refused.context["errors"]] == [
        ("lot", "invalid_attribute"),
        ("quantity", "invalid_number"),
    ]
    client.post(
        "/catalogue/producer/",
        {
            "form": "lot",
            "product": product.pk,
            "lot": "NZ2026-01",
            "harvested_on": "2026-10-01",
            "quantity": "120",
        },
    )
    page = client.get("/catalogue/producer/")
    ids = Counter(re.findall(r'\bid="([^"]+)"', page.content.decode()))
    assert [name for name, count in ids.items() if count > 1] == []
    assert page.context["rows"][0]["lots"] == [
        ("https://id.gs1.org/01/09521234543213/10/NZ2026-01", "NZ2026-01")
    ]
    trace = client_for(None).get("/01/09521234543213/10/NZ2026-01")
    assert [step["type"] for step in trace.context["steps"]] == ["ObjectEvent"]
    assert [p.name for p in trace.context["products"]] == ["测试香菇（测试数据）"]
    qr = client_for(None).get("/01/09521234543213/10/NZ2026-01/qr", {"format": "png"})
    assert qr.content[:4] == b"\x89PNG"


def test_a_producer_issues_a_produce_certificate(users: dict[str, Any], client_for: Any) -> None:
    from hanjiang.traceability.models import Event, ProduceCertificate

    client = client_for(users["enterprise"])
    client.post(
        "/catalogue/producer/",
        {"form": "product", "name": "测试黄桃（测试数据）", "gtin": "9521234543213"},
    )
    product = Product.objects.get()
    form = {
        "form": "certificate",
        "product": product.pk,
        "lot": "ZY2026-07",
        "quantity": "500",
        "unit": "千克",
        "origin": "枣阳市测试村（测试数据）",
        "contact": "13800000000",
        "test_result": "self",
    }
    refused = client.post("/catalogue/producer/", form | {"commitments": ["0", "1"]})
    assert [(e.field, e.code) for e in refused.context["errors"]] == [("commitments", "commitment")]
    issued = client.post("/catalogue/producer/", form | {"commitments": ["0", "1", "2"]})
    certificate = ProduceCertificate.objects.get()
    assert issued["Location"] == f"/catalogue/certificates/{certificate.number}/"
    assert certificate.lot == "https://id.gs1.org/01/09521234543213/10/ZY2026-07"
    page = client_for(None).get(issued["Location"])
    assert page.status_code == 200
    assert "自检合格" in page.content.decode()
    event = Event.objects.get(event_type="TransactionEvent")
    assert event.body["bizTransactionList"] == [
        {"type": "cert", "bizTransaction": f"urn:hanjiang:certificate:{certificate.number}"}
    ]


def test_a_producer_records_the_chain_of_a_lot_on_its_workbench(
    users: dict[str, Any], client_for: Any
) -> None:
    from hanjiang.traceability.models import ColdChainAlert, Event

    client = client_for(users["enterprise"])
    client.post(
        "/catalogue/producer/",
        {
            "form": "product",
            "name": "测试鲜香菇（测试数据）",
            "gtin": "9521234543213",
            "min_celsius": "0",
            "max_celsius": "8",
        },
    )
    client.post(
        "/catalogue/producer/",
        {
            "form": "lot",
            "product": Product.objects.get().pk,
            "lot": "SX-01",
            "harvested_on": "2026-10-01",
            "quantity": "300",
        },
    )
    lot = "https://id.gs1.org/01/09521234543213/10/SX-01"
    refused = client.post(
        "/catalogue/producer/",
        {
            "form": "step",
            "lot": lot,
            "step": "inspecting",
            "at": "2099-10-02T09:00",
            "place": "9521141123455",
            "celsius": "hot",
        },
    )
    assert [(e.field, e.code) for e in refused.context["errors"]] == [
        ("at", "invalid_time"),
        ("place", "check_digit"),
        ("celsius", "invalid_number"),
        ("result", "required"),
    ]
    assert Event.objects.count() == 1
    for step in (
        {"step": "shipping", "at": "2026-10-02T07:30", "place": "9521141123454"},
        {"step": "storing", "at": "2026-10-02T18:00", "celsius": "12.5"},
        {
            "step": "inspecting",
            "at": "2026-10-03T09:00",
            "result": "non_conformant",
            "report": "JC-2026/118",
        },
    ):
        answer = client.post("/catalogue/producer/", {"form": "step", "lot": lot} | step)
        assert answer.status_code == 302
    page = client.get("/catalogue/producer/")
    assert [row["step"] for row in page.context["recent"]] == [
        "检验",
        "储存",
        "发货",
        "赋码（批次采收或生产）",
    ]
    inspection = Event.objects.get(biz_step="inspecting")
    assert inspection.disposition == "non_conformant"
    assert inspection.body["certificationInfo"] == "urn:hanjiang:inspection-report:JC-2026/118"
    assert [alert.value for alert in ColdChainAlert.objects.all()] == [Decimal("12.50")]
    board = client_for(users["reviewer"]).get("/catalogue/regulator/")
    assert [row["identifiers"] for row in board.context["failed"]] == [[lot]]
    trace = client_for(None).get("/01/09521234543213/10/SX-01")
    assert [step["step"] for step in trace.context["steps"]] == [
        "赋码（批次采收或生产）",
        "发货",
        "储存",
        "检验",
    ]


def test_brands_are_registered_by_scope_and_carried_by_products(
    users: dict[str, Any], client_for: Any, other_organisation: Organisation
) -> None:
    from hanjiang.core.models import AuditEntry

    enterprise = client_for(users["enterprise"])
    registered = enterprise.post(
        "/catalogue/brands/",
        {"form": "brand", "name": "测试企业品牌（测试数据）", "level": "city", "industry": "tea"},
    )
    assert registered.status_code == 302
    own = Brand.objects.get(name="测试企业品牌（测试数据）")
    # an enterprise registers only its own enterprise brand, whatever level it asks for
    assert (own.level, own.holder, own.industry) == (
        "enterprise",
        users["enterprise"].organisation,
        "tea",
    )
    county_code = users["county_officer"].county.code[:6]
    officer = client_for(users["county_officer"])
    refused = officer.post(
        "/catalogue/brands/",
        {"form": "brand", "name": "测试市级品牌（测试数据）", "level": "city"},
    )
    assert [(e.field, e.code) for e in refused.context["errors"]] == [("level", "invalid_choice")]
    outside = officer.post(
        "/catalogue/brands/",
        {
            "form": "brand",
            "name": "测试别县企业品牌（测试数据）",
            "level": "enterprise",
            "holder_uscc": other_organisation.uscc,
        },
    )
    assert [(e.field, e.code) for e in outside.context["errors"]] == [
        ("holder_uscc", "outside_scope")
    ]
    officer.post(
        "/catalogue/brands/",
        {
            "form": "brand",
            "name": "测试县级品牌（测试数据）",
            "level": "county",
            "county": county_code,
        },
    )
    public = Brand.objects.get(name="测试县级品牌（测试数据）")
    assert (public.level, public.county.code[:6], public.holder) == ("county", county_code, None)
    duplicate = officer.post(
        "/catalogue/brands/",
        {
            "form": "brand",
            "name": "测试县级品牌（测试数据）",
            "level": "county",
            "county": county_code,
        },
    )
    assert [e.code for e in duplicate.context["errors"]] == ["duplicate"]

    others = Brand.objects.create(
        name="别家企业品牌（测试数据）",
        level="enterprise",
        holder=other_organisation,
        source="测试",
    )
    enterprise.post("/catalogue/producer/", {"form": "product", "name": "测试香菇（测试数据）"})
    product = Product.objects.get(name="测试香菇（测试数据）")
    for brand in (own, public):
        assert (
            enterprise.post(
                "/catalogue/brands/",
                {"form": "product_brand", "product": product.pk, "brand": brand.pk},
            ).status_code
            == 302
        )
    stolen = enterprise.post(
        "/catalogue/brands/", {"form": "product_brand", "product": product.pk, "brand": others.pk}
    )
    assert [(e.field, e.code) for e in stolen.context["errors"]] == [("brand", "not_your_brand")]
    assert sorted(b.name for b in product.brands.all()) == sorted([own.name, public.name])
    page = client_for(None).get("/catalogue/", {"brand": public.pk})
    assert [p.name for p in page.context["products"]] == ["测试香菇（测试数据）"]
    assert AuditEntry.objects.filter(model="brand", action="create").count() == 2
    assert client_for(users["reviewer"]).get("/catalogue/brands/").status_code == 403


def test_processing_makes_a_new_lot_whose_trace_reaches_the_farm(
    users: dict[str, Any], client_for: Any
) -> None:
    from hanjiang.traceability.models import Event

    client = client_for(users["enterprise"])
    for name, gtin in (
        ("测试鲜香菇（测试数据）", "9521234543213"),
        ("测试干香菇（测试数据）", "9521234543220"),
    ):
        client.post("/catalogue/producer/", {"form": "product", "name": name, "gtin": gtin})
    fresh, dried = (Product.objects.get(gtin=g) for g in ("09521234543213", "09521234543220"))
    client.post(
        "/catalogue/producer/",
        {
            "form": "lot",
            "product": fresh.pk,
            "lot": "F-01",
            "harvested_on": "2026-09-01",
            "quantity": "500",
        },
    )
    farm_lot = "https://id.gs1.org/01/09521234543213/10/F-01"
    refused = client.post(
        "/catalogue/producer/",
        {
            "form": "processing",
            "product": dried.pk,
            "lot": "F-01",
            "quantity": "0",
            "at": "2026-09-03T10:00",
        },
    )
    assert [(e.field, e.code) for e in refused.context["errors"]] == [
        ("inputs", "required"),
        ("quantity", "invalid_number"),
    ]
    same = client.post(
        "/catalogue/producer/",
        {
            "form": "processing",
            "inputs": [farm_lot],
            "product": fresh.pk,
            "lot": "F-01",
            "quantity": "60",
            "at": "2026-09-03T10:00",
        },
    )
    assert [(e.field, e.code) for e in same.context["errors"]] == [("lot", "same_lot")]
    made = client.post(
        "/catalogue/producer/",
        {
            "form": "processing",
            "inputs": [farm_lot],
            "product": dried.pk,
            "lot": "DRY-01",
            "quantity": "60",
            "at": "2026-09-03T10:00",
            "place": "9521141123454",
        },
    )
    assert made.status_code == 302
    event = Event.objects.get(event_type="TransformationEvent")
    assert event.body["outputQuantityList"] == [
        {
            "epcClass": "https://id.gs1.org/01/09521234543220/10/DRY-01",
            "quantity": 60.0,
            "uom": "KGM",
        }
    ]
    assert event.body["bizLocation"] == {"id": "https://id.gs1.org/414/9521141123454"}
    # the workbench lists each product's own lots
    rows = client.get("/catalogue/producer/").context["rows"]
    assert {row["product"].gtin: row["lots"] for row in rows} == {
        "09521234543213": [(farm_lot, "F-01")],
        "09521234543220": [("https://id.gs1.org/01/09521234543220/10/DRY-01", "DRY-01")],
    }
    trace = client_for(None).get("/01/09521234543220/10/DRY-01")
    assert trace.context["upstream"] == [farm_lot]
    assert [step["step"] for step in trace.context["steps"]] == [
        "赋码（批次采收或生产）",
        "赋码（批次采收或生产）",
    ]


def test_lots_packed_onto_a_pallet_travel_with_it(users: dict[str, Any], client_for: Any) -> None:
    from hanjiang.traceability.models import Event

    client = client_for(users["enterprise"])
    client.post(
        "/catalogue/producer/",
        {"form": "product", "name": "测试鲜香菇（测试数据）", "gtin": "9521234543213"},
    )
    product = Product.objects.get()
    client.post(
        "/catalogue/producer/",
        {
            "form": "lot",
            "product": product.pk,
            "lot": "F-01",
            "harvested_on": "2026-09-01",
            "quantity": "500",
        },
    )
    lot = "https://id.gs1.org/01/09521234543213/10/F-01"
    pallet = "https://id.gs1.org/00/106141412345678908"
    refused = client.post(
        "/catalogue/producer/",
        {"form": "packing", "action": "pack", "parent": lot, "at": "2026-09-02T08:00"},
    )
    assert [(e.field, e.code) for e in refused.context["errors"]] == [
        ("parent", "not_a_unit"),
        ("children", "required"),
    ]
    wrong = client.post(
        "/catalogue/producer/",
        {
            "form": "packing",
            "action": "pack",
            "parent": "106141412345678907",
            "children": [lot],
            "at": "2026-09-02T08:00",
        },
    )
    assert [(e.field, e.code) for e in wrong.context["errors"]] == [("parent", "check_digit")]
    packed = client.post(
        "/catalogue/producer/",
        {
            "form": "packing",
            "action": "pack",
            "parent": "106141412345678908",
            "children": [lot],
            "at": "2026-09-02T08:00",
        },
    )
    assert packed.status_code == 302
    shipped = client.post(
        "/catalogue/producer/",
        {
            "form": "step",
            "lot": lot,
            "other_lot": "106141412345678908",
            "step": "shipping",
            "at": "2026-09-02T09:00",
        },
    )
    assert shipped.status_code == 302
    client.post(
        "/catalogue/producer/",
        {
            "form": "packing",
            "action": "unpack",
            "parent": pallet,
            "other_children": lot,
            "at": "2026-09-03T09:00",
        },
    )
    trace = client_for(None).get("/01/09521234543213/10/F-01")
    assert trace.context["downstream"] == [pallet]
    assert [step["step"] for step in trace.context["steps"]] == [
        "赋码（批次采收或生产）",
        "包装",
        "发货",
        "拆包",
    ]
    # as recorded: the lot a quantity packed into the pallet, the pallet shipped as an SSCC, the
    # lot taken out again
    packing = Event.objects.filter(event_type="AggregationEvent").order_by("event_time")
    assert [(e.action, e.body["parentID"], e.body["childQuantityList"]) for e in packing] == [
        ("ADD", pallet, [{"epcClass": lot}]),
        ("DELETE", pallet, [{"epcClass": lot}]),
    ]
    assert all("childEPCs" not in e.body for e in packing)
    shipping = Event.objects.get(biz_step="shipping").body
    assert (shipping["epcList"], shipping.get("quantityList")) == ([pallet], None)

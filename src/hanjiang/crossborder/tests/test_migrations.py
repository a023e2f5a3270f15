"""The data migration that gives each declared document its own customs status."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("crossborder", "0009_inventory_number_index")]
AFTER = [("crossborder", "0010_document_status")]


@pytest.mark.django_db(transaction=True)
def test_only_a_messages_single_document_takes_the_messages_status() -> None:
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        message = apps.get_model("crossborder", "Message")
        declared = apps.get_model("crossborder", "DeclaredGuid")
        values = {"message_type": "CEB625Message", "channel": "api", "status": "accepted"}
        one = message.objects.create(guid="M1", customs_status="399", **values)
        two = message.objects.create(guid="M2", customs_status="100", **values)
        none = message.objects.create(guid="M3", customs_status="", **values)
        for owner, guid in ((one, "A"), (two, "B"), (two, "C"), (none, "D")):
            declared.objects.create(message=owner, guid=guid)
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        apps = executor.loader.project_state(AFTER).apps
        declared = apps.get_model("crossborder", "DeclaredGuid")
        statuses = dict(declared.objects.values_list("guid", "customs_status"))
        # B and C: the message's 100 may have answered either of them; both start unanswered.
        assert statuses == {"A": "399", "B": "", "C": "", "D": ""}
    finally:
        MigrationExecutor(connection).migrate(latest)

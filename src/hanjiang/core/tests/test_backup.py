from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from hanjiang.accounts.models import User
from hanjiang.core.models import AuditEntry
from hanjiang.registry.models import Division, Organisation
from hanjiang.registry.services import OrganisationInput, organisation_create
from hanjiang.registry.tests.factories import make_uscc


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_holds_every_record(
    reference: None, users: dict[str, Any], tmp_path: Path
) -> None:
    organisation = organisation_create(
        actor=users["city_admin"],
        data=OrganisationInput(
            uscc=make_uscc("420625"),
            name="备份测试企业（测试数据）",
            division_code="420625",
            kinds=("ecommerce",),
        ),
    )
    counts = {
        "divisions": Division.objects.count(),
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "audit": AuditEntry.objects.count(),
    }
    backup = tmp_path / "hanjiang.backup"
    call_command("backup", "--output", str(backup))
    assert backup.stat().st_size > 0

    # Lose data after the backup: a record removed, another one added.
    Organisation.objects.filter(pk=organisation.pk).delete()
    organisation_create(
        actor=users["city_admin"],
        data=OrganisationInput(
            uscc=make_uscc("420625"),
            name="备份之后（测试数据）",
            division_code="420625",
            kinds=("ecommerce",),
        ),
    )

    call_command("restore", str(backup), "--yes")
    restored = Organisation.objects.get(pk=organisation.pk)
    assert restored.name == "备份测试企业（测试数据）"
    assert not Organisation.objects.filter(name="备份之后（测试数据）").exists()
    assert {
        "divisions": Division.objects.count(),
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "audit": AuditEntry.objects.count(),
    } == counts


@pytest.mark.django_db
def test_restoring_a_missing_file_is_refused(tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "absent"), "--yes")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "is not a Hanjiang backup"), (b"not a database at all" * 100, "is not a SQLite")],
    ids=["empty-file", "not-sqlite"],
)
def test_restoring_something_that_is_not_a_backup_is_refused(
    tmp_path: Path, reference: None, content: bytes, reason: str
) -> None:
    from django.core.management.base import CommandError

    fake = tmp_path / "fake.backup"
    fake.write_bytes(content)
    before = Division.objects.count()
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(fake), "--yes")
    if connection.vendor == "sqlite":
        assert reason in str(caught.value)
    assert Division.objects.count() == before

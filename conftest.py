"""Fixtures shared by every module's tests."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import translation

from hanjiang.accounts.models import Role, User
from hanjiang.registry.models import Division, Organisation
from hanjiang.registry.reference import areas_load, divisions_load
from hanjiang.registry.tests.factories import OrganisationFactory, UserFactory, make_uscc

TRIGGERS = importlib.import_module("hanjiang.core.migrations.0002_audit_append_only_triggers")


def _ensure_reference_data() -> None:
    if not Division.objects.exists():
        divisions_load()
        areas_load()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Load the shipped divisions once: every test sees the real Xiangyang code list."""
    with django_db_blocker.unblock():
        _ensure_reference_data()
    yield


@pytest.fixture(autouse=True)
def _default_language() -> None:
    """Every test starts in the platform's default language: a request answered in English
    leaves English active in the thread until something activates another."""
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _audit_triggers_for_flush(request: pytest.FixtureRequest) -> Iterator[None]:
    """SQLite empties tables with DELETE after a transactional test, which the audit trail's
    append-only trigger refuses: such a test drops the triggers just before that flush, and every
    SQLite test makes sure they exist. PostgreSQL empties with TRUNCATE, which they allow."""
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    transactional = (marker is not None and marker.kwargs.get("transaction", False)) or bool(
        {"transactional_db", "live_server"} & names
    )
    uses_db = transactional or marker is not None or "db" in names
    if not uses_db or connection.vendor != "sqlite":
        yield
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    with connection.cursor() as cursor:
        for statement in TRIGGERS.SQLITE_FORWARD:
            cursor.execute(statement)
    yield
    if transactional:
        with connection.cursor() as cursor:
            for statement in TRIGGERS.SQLITE_BACKWARD:
                cursor.execute(statement)


@pytest.fixture
def reference(db: None) -> None:
    """Divisions and zones (reloaded after a transactional test emptied the tables)."""
    _ensure_reference_data()


@pytest.fixture
def county(reference: None) -> Division:
    return Division.objects.get(code="420625000000")  # 谷城县


@pytest.fixture
def other_county(reference: None) -> Division:
    return Division.objects.get(code="420602000000")  # 襄城区


@pytest.fixture
def client_for() -> Any:
    def make(user: Any) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def own_organisation(county: Division) -> Organisation:
    return OrganisationFactory(division=county, uscc=make_uscc("420625"))


@pytest.fixture
def other_organisation(other_county: Division) -> Organisation:
    return OrganisationFactory(
        division=other_county, uscc=make_uscc("420602"), name="襄城测试企业（测试数据）"
    )


@pytest.fixture
def users(county: Division, own_organisation: Organisation) -> dict[str, Any]:
    """One user per role, plus a signed-in user without a role; None is the public."""
    return {
        "anonymous": None,
        "no_role": UserFactory(username="norole", role=""),
        "city_admin": UserFactory(username="admin1", role=Role.CITY_ADMIN),
        "county_officer": UserFactory(username="county1", role=Role.COUNTY_OFFICER, county=county),
        "enterprise": UserFactory(
            username="enterprise1", role=Role.ENTERPRISE, organisation=own_organisation
        ),
        "reviewer": UserFactory(username="reviewer1", role=Role.REVIEWER),
    }


@pytest.fixture
def admin_user(users: dict[str, Any]) -> User:
    return users["city_admin"]


@pytest.fixture
def statistics(reference: None) -> None:
    """The shipped e-commerce report system."""
    from hanjiang.reporting.metadata import metadata_load
    from hanjiang.reporting.models import DataElement

    if not DataElement.objects.exists():
        metadata_load()


SAMPLE_PLAN = (
    Path(__file__).resolve().parent / "src/hanjiang/plans/tests/data/sample-county-plan.yaml"
)


@pytest.fixture
def small_plan(statistics: None) -> Any:
    """A small county plan (test data) with every kind of target."""
    from hanjiang.plans.loader import plan_load

    return plan_load(SAMPLE_PLAN.read_text(encoding="utf-8")).plan

from __future__ import annotations

import datetime
from typing import Any

import pytest

from hanjiang.reporting.models import DataElement, DataValue
from hanjiang.reporting.publishing import (
    DerivedValue,
    derived_source_register,
    derived_values_publish,
)
from hanjiang.reporting.values import ValueRow, values_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def stations(statistics: None) -> DataElement:
    derived_source_register(
        code="network-stations",
        name_zh="电商服务站点名录",
        name_en="Service station registry",
        module="network",
    )
    return DataElement.objects.create(
        code="VILLAGE_POINTS",
        name_zh="村级电商服务点数量",
        name_en="Village service points",
        value_type="integer",
        aggregation="last",
        dimension="readiness",
        is_derived=True,
    )


def test_publishing_replaces_the_sources_values(stations: DataElement) -> None:
    first = derived_values_publish(
        source_code="network-stations",
        elements=["VILLAGE_POINTS"],
        periods=["2025"],
        values=[
            DerivedValue("VILLAGE_POINTS", "2025", "420625", 126),
            DerivedValue("VILLAGE_POINTS", "2025", "420624", 135),
        ],
    )
    assert (first.imported, first.conflicts) == (2, [])
    second = derived_values_publish(
        source_code="network-stations",
        elements=["VILLAGE_POINTS"],
        periods=["2025"],
        values=[DerivedValue("VILLAGE_POINTS", "2025", "420625", 130)],
    )
    assert second.conflicts == []
    assert (second.imported, second.updated, second.deleted) == (0, 1, 1)
    stored = DataValue.objects.get(element=stations)
    assert (stored.org_unit, stored.value, stored.source.code) == (
        "420625000000",
        "130",
        "network-stations",
    )


def test_a_derived_figure_cannot_be_typed_in(stations: DataElement, users: dict[str, Any]) -> None:
    summary = values_import(
        actor=users["city_admin"],
        rows=[ValueRow("VILLAGE_POINTS", "2024", "420625", "100")],
        source_code="entry",
        today=datetime.date(2025, 1, 5),
    )
    assert [conflict.code for conflict in summary.conflicts] == ["derived_element"]
    assert not DataValue.objects.filter(element=stations).exists()

from __future__ import annotations

import datetime
from typing import Any

import pytest

from hanjiang.reporting.values import ValueRow, values_import

pytestmark = pytest.mark.django_db


def _county(code: str, year: str, **figures: str) -> list[ValueRow]:
    return [ValueRow(element, year, code, value) for element, value in figures.items()]


def test_the_index_ranks_counties_with_figures_and_leaves_the_rest_missing(
    statistics: None, users: dict[str, Any], client_for: Any
) -> None:
    base = {
        "INTERNET_USERS": "300000",
        "BROADBAND_USERS": "120000",
        "MOBILE_USERS": "500000",
        "GDP": "5000000",
        "EMPLOYED_PERSONS": "350000",
    }
    rows = _county("420625", "2023", POPULATION="500000", **base) + _county(
        "420624", "2023", POPULATION="600000", **base
    )
    quarterly = {
        "ONLINE_RETAIL": "50000",
        "ONLINE_RETAIL_AGRI": "10000",
        "ONLINE_STORES": "2000",
        "ECOMMERCE_TRANSACTIONS": "300000",
        "ECOMMERCE_EMPLOYEES": "7000",
        "EXPRESS_PARCELS": "900",
        "TOTAL_RETAIL": "400000",
    }
    for quarter in ("2023Q1", "2023Q2", "2023Q3", "2023Q4"):
        rows += _county("420625", quarter, **quarterly)
        rows += _county("420624", quarter, **{**quarterly, "ONLINE_RETAIL": "20000"})
    summary = values_import(actor=users["city_admin"], rows=rows, today=datetime.date(2024, 2, 1))
    assert summary.conflicts == []
    response = client_for(users["reviewer"]).get("/index/", {"year": "2023"})
    scores = {score.name: score for score in response.context["scores"]}
    assert scores["谷城县"].rank == 1
    assert scores["南漳县"].rank == 2
    # Gucheng leads every indicator but the agricultural share of online retail (20% against
    # 50%), so its development score is (100 + 0 + 100) / 3 and its index (100 + 66.7 + 100) / 3.
    assert scores["谷城县"].dimensions["development"] == pytest.approx(200 / 3)
    assert scores["谷城县"].index == pytest.approx(800 / 9)
    assert scores["保康县"].index is None
    assert scores["保康县"].dimensions == {"readiness": None, "development": None, "impact": None}

"""The name of the city the installation serves, from its reference data (nothing hard-coded)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.http import HttpRequest

from hanjiang.registry.models import Division, DivisionLevel


@lru_cache(maxsize=1)
def _city_name() -> str:
    return (
        Division.objects.filter(level=DivisionLevel.CITY).values_list("name", flat=True).first()
        or ""
    )


def site(request: HttpRequest) -> dict[str, Any]:
    name = _city_name()
    if not name:
        _city_name.cache_clear()  # reference data not loaded yet: ask again next time
    return {"site_city": name}

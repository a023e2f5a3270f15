"""What each user may see of the network: stations, designations and training sessions
scoped by role, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.network.models import Designation, Station, TrainingSession


def stations_in_scope(user: Any) -> QuerySet[Station]:
    """A county officer sees the county's stations, an enterprise the stations it runs."""
    scope = scope_of(user)
    stations = Station.objects.select_related(
        "division", "division__parent", "operator"
    ).prefetch_related("services")
    if scope.role == Role.COUNTY_OFFICER:
        return stations.filter(division__code__startswith=scope.county_prefix or "-")
    if scope.role == Role.ENTERPRISE:
        return stations.filter(operator_id=scope.organisation_id or 0)
    return stations


def designations_in_scope(user: Any) -> QuerySet[Designation]:
    """A county officer sees designations held in the county, an enterprise its own."""
    scope = scope_of(user)
    items = Designation.objects.select_related(
        "holder_division", "holder_organisation", "holder_organisation__division"
    )
    if scope.role == Role.COUNTY_OFFICER:
        prefix = scope.county_prefix or "-"
        return items.filter(
            Q(holder_division__code__startswith=prefix)
            | Q(holder_organisation__division__code__startswith=prefix)
        )
    if scope.role == Role.ENTERPRISE:
        return items.filter(holder_organisation_id=scope.organisation_id or 0)
    return items


def trainings_in_scope(user: Any) -> QuerySet[TrainingSession]:
    """A county officer sees the county's sessions; enterprises see none."""
    scope = scope_of(user)
    sessions = TrainingSession.objects.select_related("county")
    if scope.role == Role.COUNTY_OFFICER:
        return sessions.filter(county__code__startswith=scope.county_prefix or "-")
    if scope.role == Role.ENTERPRISE:
        return sessions.none()
    return sessions

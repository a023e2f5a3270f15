"""Who may read and change registry records. Views and the API both ask here.

Divisions are reference data: every signed-in role reads them, except that a county officer is
confined to its own county and what lies under it. Organisations are records: a county officer
reads and writes those registered in its county, an enterprise user only its own.
"""

from __future__ import annotations

from django.db.models import QuerySet

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import Scope
from hanjiang.registry.models import Division, Organisation


def division_queryset(scope: Scope) -> QuerySet[Division]:
    divisions = Division.objects.all()
    if scope.role is None:
        return divisions.none()
    if scope.role == Role.COUNTY_OFFICER:
        if not scope.county_prefix:
            return divisions.none()
        return divisions.filter(code__startswith=scope.county_prefix)
    return divisions


def can_view_division(scope: Scope, division: Division) -> bool:
    if scope.role is None:
        return False
    if scope.role == Role.COUNTY_OFFICER:
        return scope.covers_code(division.code)
    return True


def organisation_queryset(scope: Scope) -> QuerySet[Organisation]:
    organisations = Organisation.objects.all()
    if scope.reads_everything:
        return organisations
    if scope.role == Role.COUNTY_OFFICER and scope.county_prefix:
        return organisations.filter(division__code__startswith=scope.county_prefix)
    if scope.role == Role.ENTERPRISE and scope.organisation_id:
        return organisations.filter(pk=scope.organisation_id)
    return organisations.none()


def can_register_in(scope: Scope, division: Division) -> bool:
    """Whether the user may create (or move) an organisation registered in `division`."""
    if scope.role == Role.CITY_ADMIN:
        return True
    return scope.role == Role.COUNTY_OFFICER and scope.covers_code(division.code)


def can_edit_organisation(scope: Scope, organisation: Organisation) -> bool:
    if scope.role == Role.ENTERPRISE:
        return organisation.pk == scope.organisation_id
    return can_register_in(scope, organisation.division)


def can_delete_organisation(scope: Scope, organisation: Organisation) -> bool:
    return can_register_in(scope, organisation.division)

"""Submitting, approving, returning and reopening a unit's report, and completeness."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.audit import audit_record, snapshot
from hanjiang.core.errors import DomainError, ErrorItem, PermissionDeniedError, ValidationFailed
from hanjiang.core.models import AuditAction
from hanjiang.core.periods import Period
from hanjiang.registry.models import Division, DivisionLevel, Organisation
from hanjiang.reporting.models import (
    DataSet,
    DataValue,
    ReportingUnits,
    Submission,
    SubmissionStatus,
)
from hanjiang.reporting.rules import evaluate_rules


def expected_units(data_set: DataSet) -> list[tuple[str, str]]:
    """(unit code, name) of every unit that must report `data_set`."""
    if data_set.reporting_units == ReportingUnits.ORGANISATIONS:
        organisations = Organisation.objects.order_by("name")
        if data_set.organisation_kind:
            organisations = organisations.filter(tags__kind=data_set.organisation_kind)
        return list(organisations.values_list("uscc", "name"))
    level = {
        ReportingUnits.COUNTIES: DivisionLevel.COUNTY,
        ReportingUnits.TOWNSHIPS: DivisionLevel.TOWNSHIP,
        ReportingUnits.VILLAGES: DivisionLevel.VILLAGE,
    }[ReportingUnits(data_set.reporting_units)]
    return list(
        Division.objects.filter(level=level, editions__year=2023)
        .order_by("code")
        .values_list("code", "name")
    )


def due_date(data_set: DataSet, period: Period) -> datetime.date:
    return period.end + datetime.timedelta(days=data_set.due_days)


def _submission(data_set: DataSet, period: Period, unit: str) -> Submission:
    submission, _created = Submission.objects.select_for_update().get_or_create(
        data_set=data_set, period=period.code, org_unit=unit
    )
    return submission


def _can_report(actor: Any, unit: str) -> bool:
    scope = scope_of(actor)
    if scope.role == Role.CITY_ADMIN:
        return True
    if scope.role == Role.COUNTY_OFFICER:
        if not scope.county_prefix:
            return False
        if len(unit) == 18:  # an organisation: where it is registered decides
            return Organisation.objects.filter(
                uscc=unit, division__code__startswith=scope.county_prefix
            ).exists()
        return unit.startswith(scope.county_prefix)
    if scope.role == Role.ENTERPRISE:
        organisation = getattr(actor, "organisation", None)
        return organisation is not None and organisation.uscc == unit
    return False


def report_submit(
    *, actor: Any, data_set: DataSet, period: Period, unit: str, today: datetime.date | None = None
) -> Submission:
    """Submit a unit's report. Every required element needs a value, and every figure that
    breaks a validation rule needs an explanation. Raises ValidationFailed listing each gap."""
    today = today or timezone.localdate()
    if not _can_report(actor, unit):
        raise PermissionDeniedError("forbidden", _("You may not report for this unit."))
    if not period.has_ended(today):
        raise DomainError("period_not_ended", _("The period has not ended yet."))
    errors: list[ErrorItem] = []
    stored = dict(
        DataValue.objects.filter(
            org_unit=unit, period=period.code, element__data_sets=data_set
        ).values_list("element__code", "explanation")
    )
    for member in data_set.members.select_related("element").filter(is_required=True):
        if member.element.code not in stored:
            errors.append(
                ErrorItem(
                    "missing_value",
                    _("“%(name)s” has no value.") % {"name": member.element.name_zh},
                    field=member.element.code,
                )
            )
    for violation in evaluate_rules(data_set, period, unit):
        if not any(stored.get(code) for code in violation.elements):
            errors.append(
                ErrorItem(
                    "unexplained_violation",
                    _("“%(rule)s” is not met (%(left)s against %(right)s): explain the figure.")
                    % {
                        "rule": violation.rule.name_zh,
                        "left": f"{violation.left:g}",
                        "right": f"{violation.right:g}",
                    },
                    field=violation.elements[0] if violation.elements else None,
                )
            )
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        submission = _submission(data_set, period, unit)
        if submission.status in {SubmissionStatus.SUBMITTED, SubmissionStatus.APPROVED}:
            raise DomainError(
                "already_submitted",
                _("This report is already %(status)s.")
                % {"status": submission.get_status_display()},
            )
        before = snapshot(submission)
        submission.status = SubmissionStatus.SUBMITTED
        submission.submitted_at = timezone.now()
        submission.submitted_by = actor
        submission.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=submission,
            before=before,
            after=snapshot(submission),
        )
    return submission


def _decide(
    *,
    actor: Any,
    submission: Submission,
    status: SubmissionStatus,
    comment: str,
    allowed_from: set[str],
) -> Submission:
    if scope_of(actor).role != Role.CITY_ADMIN:
        raise PermissionDeniedError("forbidden", _("Only the city may approve or return reports."))
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.status not in allowed_from:
            raise DomainError(
                "wrong_status",
                _("A report that is %(status)s cannot be changed this way.")
                % {"status": submission.get_status_display()},
            )
        before = snapshot(submission)
        submission.status = status
        submission.decided_at = timezone.now()
        submission.decided_by = actor
        submission.comment = comment.strip()
        submission.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=submission,
            before=before,
            after=snapshot(submission),
        )
    return submission


def report_approve(*, actor: Any, submission: Submission, comment: str = "") -> Submission:
    """Approve a submitted report; its values are locked from then on."""
    return _decide(
        actor=actor,
        submission=submission,
        status=SubmissionStatus.APPROVED,
        comment=comment,
        allowed_from={SubmissionStatus.SUBMITTED},
    )


def _require_reason(comment: str, message: Any) -> None:
    if not comment.strip():
        raise ValidationFailed([ErrorItem("required", message, field="comment")])


def report_return(*, actor: Any, submission: Submission, comment: str) -> Submission:
    """Send a submitted report back to the unit with a comment."""
    _require_reason(comment, _("Say why the report is returned."))
    return _decide(
        actor=actor,
        submission=submission,
        status=SubmissionStatus.RETURNED,
        comment=comment,
        allowed_from={SubmissionStatus.SUBMITTED},
    )


def report_reopen(*, actor: Any, submission: Submission, comment: str) -> Submission:
    """Unlock an approved report (an audited decision of the city)."""
    _require_reason(comment, _("Say why the report is reopened."))
    return _decide(
        actor=actor,
        submission=submission,
        status=SubmissionStatus.RETURNED,
        comment=comment,
        allowed_from={SubmissionStatus.APPROVED},
    )


@dataclass(frozen=True)
class CompletenessRow:
    unit: str
    name: str
    status: str  # on_time, late, missing
    submission: Submission | None


def completeness(data_set: DataSet, period: Period) -> list[CompletenessRow]:
    """For each expected unit: reported on time, late, or not at all."""
    due = due_date(data_set, period)
    submissions = {
        submission.org_unit: submission
        for submission in Submission.objects.filter(
            data_set=data_set, period=period.code, submitted_at__isnull=False
        )
    }
    rows = []
    for unit, name in expected_units(data_set):
        submission = submissions.get(unit)
        if (
            submission is None
            or submission.submitted_at is None
            or submission.status == SubmissionStatus.RETURNED
        ):
            # A returned report is not reported until it is submitted again.
            status = "missing"
        elif timezone.localdate(submission.submitted_at) <= due:
            status = "on_time"
        else:
            status = "late"
        rows.append(CompletenessRow(unit, name, status, submission))
    return rows

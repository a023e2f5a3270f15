"""Filing once (一次备案): an enterprise files its roles, codes and modes and its goods; the city
reviews the filing; once approved it is shared — every message refers to it by code.

Rules:
- an enterprise user files for its own organisation; a changed filing goes back to review;
- the customs registration code, when given, is 10 letters or digits; the exchange user id is
  required; at least one role and one mode, each from its list;
- the certificates the enterprise signs its messages with are filed in PEM form (at most 10):
  each must be a readable X.509 certificate, not expired, and filed by no other enterprise; the
  same certificate given twice is kept once;
- goods: item number (unique within the filing), name, HS code of 10 digits, model, unit and
  origin country codes of 3 digits; VAT and consumption-tax rates between 0 and 1;
- only the city administrator approves or returns a filing; returning needs a reason;
- every change is audited.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.audit import audit_record, snapshot
from hanjiang.core.errors import ErrorItem, PermissionDeniedError, ValidationFailed
from hanjiang.core.models import AuditAction, AuditChannel
from hanjiang.crossborder import statistics
from hanjiang.crossborder.models import Filing, FilingRole, FilingStatus, GoodsRecord, TradeMode
from hanjiang.crossborder.signing import read_certificates
from hanjiang.registry.models import Organisation

CUSTOMS_CODE = re.compile(r"^[0-9A-Z]{10}$")


MAX_CERTIFICATES = 10


@dataclass(frozen=True)
class FilingInput:
    dxp_id: str
    roles: tuple[str, ...]
    modes: tuple[str, ...]
    customs_code: str = ""
    certificates: str = ""  # PEM, one or more certificates


def _certificates(
    text: str, organisation: Organisation, errors: list[ErrorItem]
) -> list[dict[str, str]]:
    """The filed certificates of a PEM text (see the module's rules), errors naming each one by
    its position."""
    found = read_certificates(text)
    if len(found) > MAX_CERTIFICATES:
        errors.append(
            ErrorItem(
                "too_many",
                _("File at most %(count)s certificates.") % {"count": MAX_CERTIFICATES},
                field="certificates",
            )
        )
        return []
    others = {
        certificate["fingerprint"]
        for certificates in Filing.objects.exclude(organisation=organisation).values_list(
            "certificates", flat=True
        )
        for certificate in certificates or []
    }
    kept: dict[str, dict[str, str]] = {}
    for number, certificate in enumerate(found, start=1):
        if certificate is None:
            message = _("Certificate %(number)s is not a readable X.509 certificate in PEM form.")
            errors.append(
                ErrorItem("invalid_certificate", message % {"number": number}, "certificates")
            )
        elif datetime.datetime.fromisoformat(certificate["not_after"]) < timezone.now():
            message = _("Certificate %(number)s (%(subject)s) expired on %(date)s.")
            errors.append(
                ErrorItem(
                    "certificate_expired",
                    message
                    % {
                        "number": number,
                        "subject": certificate["subject"],
                        "date": certificate["not_after"][:10],
                    },
                    "certificates",
                )
            )
        elif certificate["fingerprint"] in others:
            message = _("Certificate %(number)s (%(subject)s) is filed by another enterprise.")
            errors.append(
                ErrorItem(
                    "duplicate_certificate",
                    message % {"number": number, "subject": certificate["subject"]},
                    "certificates",
                )
            )
        else:
            kept.setdefault(certificate["fingerprint"], certificate)
    return list(kept.values())


def _organisation(actor: Any) -> Organisation:
    scope = scope_of(actor)
    if scope.role != Role.ENTERPRISE or scope.organisation_id is None:
        raise PermissionDeniedError("forbidden", _("Only an enterprise files for itself."))
    return Organisation.objects.get(pk=scope.organisation_id)


def filing_save(
    *, actor: Any, data: FilingInput, channel: AuditChannel = AuditChannel.WEB
) -> Filing:
    organisation = _organisation(actor)
    errors: list[ErrorItem] = []
    code = data.customs_code.strip().upper()
    if code and not CUSTOMS_CODE.match(code):
        errors.append(
            ErrorItem(
                "invalid_code",
                _("A customs registration code has 10 letters or digits."),
                field="customs_code",
            )
        )
    if not data.dxp_id.strip() or len(data.dxp_id.strip()) > 30:
        errors.append(
            ErrorItem(
                "required", _("The exchange user id (1–30 characters) is required."), field="dxp_id"
            )
        )
    if not data.roles or set(data.roles) - set(FilingRole.values):
        errors.append(ErrorItem("invalid_choice", _("Choose one or more roles."), field="roles"))
    if not data.modes or set(data.modes) - set(TradeMode.values):
        errors.append(ErrorItem("invalid_choice", _("Choose one or more modes."), field="modes"))
    certificates = _certificates(data.certificates, organisation, errors)
    if (
        code
        and Filing.objects.filter(customs_code=code).exclude(organisation=organisation).exists()
    ):
        errors.append(
            ErrorItem(
                "duplicate",
                _("Another enterprise has filed this customs code."),
                field="customs_code",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        filing = Filing.objects.filter(organisation=organisation).first()
        before = snapshot(filing) if filing else None
        filing = filing or Filing(organisation=organisation)
        filing.customs_code, filing.dxp_id = code, data.dxp_id.strip()
        filing.roles = sorted(set(data.roles))
        filing.modes = sorted(set(data.modes))
        filing.certificates = certificates
        filing.status = FilingStatus.SUBMITTED
        filing.reviewed_by, filing.reviewed_at = None, None
        filing.save()
        audit_record(
            actor=actor,
            action=AuditAction.CREATE if before is None else AuditAction.UPDATE,
            instance=filing,
            before=before,
            after=snapshot(filing),
            channel=channel,
        )
    return filing


def filing_review(*, actor: Any, filing: Filing, approve: bool, note: str = "") -> Filing:
    if scope_of(actor).role != Role.CITY_ADMIN:
        raise PermissionDeniedError("forbidden", _("Only the city administrator reviews filings."))
    if not approve and not note.strip():
        raise ValidationFailed(
            [ErrorItem("required", _("Say why the filing is returned."), field="note")]
        )
    with transaction.atomic():
        before = snapshot(filing)
        filing.status = FilingStatus.APPROVED if approve else FilingStatus.REJECTED
        filing.review_note = note.strip()
        filing.reviewed_by, filing.reviewed_at = actor, timezone.now()
        filing.save()
        transaction.on_commit(lambda: statistics.publish(timezone.localdate()))
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=filing,
            before=before,
            after=snapshot(filing),
        )
    return filing


@dataclass(frozen=True)
class GoodsInput:
    item_no: str
    name: str
    gcode: str
    model: str
    unit: str
    origin: str
    vat_rate: str = "0.13"
    consumption_rate: str = "0"


def _rate(text: str, field: str, errors: list[ErrorItem]) -> Decimal:
    try:
        value = Decimal(text.strip() or "0")
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or not 0 <= value < 1:
        errors.append(
            ErrorItem("invalid_rate", _("A rate is a number from 0 to below 1."), field=field)
        )
    return value


def goods_add(*, actor: Any, data: GoodsInput) -> GoodsRecord:
    organisation = _organisation(actor)
    filing = Filing.objects.filter(organisation=organisation).first()
    if filing is None:
        raise ValidationFailed([ErrorItem("not_filed", _("File the enterprise first."))])
    errors: list[ErrorItem] = []
    for field_name, pattern, message in (
        ("item_no", r"^\S{1,30}$", _("The item number has 1 to 30 characters, no spaces.")),
        ("gcode", r"^\d{10}$", _("The HS code has 10 digits.")),
        ("unit", r"^\d{3}$", _("The unit is a 3-digit code.")),
        ("origin", r"^\d{3}$", _("The origin is a 3-digit country code.")),
    ):
        if not re.match(pattern, getattr(data, field_name).strip()):
            errors.append(ErrorItem("invalid_format", message, field=field_name))
    for field_name in ("name", "model"):
        if not getattr(data, field_name).strip():
            errors.append(ErrorItem("required", _("This field is required."), field=field_name))
    vat = _rate(data.vat_rate, "vat_rate", errors)
    consumption = _rate(data.consumption_rate, "consumption_rate", errors)
    if GoodsRecord.objects.filter(filing=filing, item_no=data.item_no.strip()).exists():
        errors.append(
            ErrorItem("duplicate", _("This item number is already filed."), field="item_no")
        )
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        goods = GoodsRecord.objects.create(
            filing=filing,
            item_no=data.item_no.strip(),
            name=data.name.strip(),
            gcode=data.gcode.strip(),
            model=data.model.strip(),
            unit=data.unit.strip(),
            origin=data.origin.strip(),
            vat_rate=vat,
            consumption_rate=consumption,
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=goods,
            before=None,
            after=snapshot(goods),
        )
    return goods

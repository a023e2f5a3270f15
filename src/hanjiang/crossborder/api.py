"""The cross-border API: send messages (one XML body, or a batch), list them, read a trade's
three-document check and tax."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from hanjiang.accounts.api_auth import roles_auth
from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.errors import ErrorItem, ValidationFailed
from hanjiang.core.selectors import record_in_scope
from hanjiang.crossborder import tax
from hanjiang.crossborder.intake import Outcome, messages_receive
from hanjiang.crossborder.matching import trade_of
from hanjiang.crossborder.models import Channel, Message
from hanjiang.crossborder.views import orders_in_scope

router = Router(tags=["crossborder"])
MAX_FILES = 200


def _files(request: HttpRequest) -> list[tuple[str, bytes]]:
    """One XML message as the body, or JSON `{"files": [{"name", "content" (Base64)}]}`."""
    kind = request.content_type or ""
    if "xml" in kind:
        if not request.body:
            raise ValidationFailed([ErrorItem("required", _("The body is empty."), field="body")])
        return [(request.headers.get("X-File-Name", "message.xml"), request.body)]
    try:
        payload = orjson.loads(request.body or b"{}")
    except orjson.JSONDecodeError:
        raise ValidationFailed(
            [ErrorItem("malformed_json", _("The request body is not valid JSON."), field="body")]
        ) from None
    entries = payload.get("files") if isinstance(payload, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ValidationFailed(
            [ErrorItem("required", _("Send an XML body, or a list of files."), field="files")]
        )
    if len(entries) > MAX_FILES:
        raise ValidationFailed(
            [
                ErrorItem(
                    "too_many", _("At most %(n)s files a batch.") % {"n": MAX_FILES}, field="files"
                )
            ]
        )
    files = []
    for index, entry in enumerate(entries, start=1):
        try:
            files.append((str(entry["name"]), base64.b64decode(entry["content"], validate=True)))
        except (KeyError, TypeError, binascii.Error):
            raise ValidationFailed(
                [
                    ErrorItem(
                        "invalid_file",
                        _("Each file needs a name and its content in Base64."),
                        field="files",
                        row=index,
                    )
                ]
            ) from None
    return files


def _outcome(outcome: Outcome) -> dict[str, Any]:
    return {
        "name": outcome.name,
        "message_type": outcome.checked.message_type,
        "guid": outcome.checked.guid,
        "status": outcome.status,
        "problems": [
            {
                "code": p.code,
                "path": p.path,
                "message": str(p.message),
                "basis": p.basis,
                "severity": p.severity,
            }
            for p in outcome.problems
        ],
        "receipt": base64.b64encode(outcome.receipt).decode("ascii") if outcome.receipt else None,
    }


@router.post(
    "/crossborder/messages",
    summary="Send CEB messages (an XML body, or a JSON batch of Base64 files)",
    description=(
        "Each message is parsed safely, validated against the official 2022-05 schema and the "
        "business rules, then against the platform's records. A batch is applied whole or not "
        "at all: 200 when every message was accepted, 422 otherwise, with every message's "
        "problems and, for each refused one, its CEB900 receipt (Base64)."
    ),
    auth=roles_auth(Role.ENTERPRISE),
)
def messages_send(request: HttpRequest) -> HttpResponse:
    outcomes = messages_receive(actor=request.user, files=_files(request), channel=Channel.API)
    status = 200 if all(o.status == "accepted" for o in outcomes) else 422
    return HttpResponse(
        orjson.dumps({"outcomes": [_outcome(o) for o in outcomes]}),
        status=status,
        content_type="application/json",
    )


class Page(Schema):
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


@router.get(
    "/crossborder/messages",
    summary="Messages received (an enterprise: its own)",
    auth=roles_auth(Role.CITY_ADMIN, Role.REVIEWER, Role.ENTERPRISE),
)
def messages_list(request: HttpRequest, page: Query[Page]) -> dict[str, Any]:
    scope = scope_of(request.user)
    messages = Message.objects.all()
    if not scope.reads_everything:
        messages = messages.filter(filing__organisation_id=scope.organisation_id or 0)
    items = messages[page.offset : page.offset + page.limit]
    return {
        "count": messages.count(),
        "items": [
            {
                "id": m.pk,
                "guid": m.guid,
                "message_type": m.message_type,
                "status": m.status,
                "channel": m.channel,
                "received_at": m.received_at.isoformat(),
                "problems": m.problems,
            }
            for m in items
        ],
    }


@router.get(
    "/crossborder/trades/{order_id}",
    summary="A trade's three-document check and retail import tax",
    auth=roles_auth(Role.CITY_ADMIN, Role.REVIEWER, Role.COUNTY_OFFICER, Role.ENTERPRISE),
)
def trade_detail(request: HttpRequest, order_id: int) -> dict[str, Any]:
    order = record_in_scope(orders_in_scope(request.user), order_id)
    chain = trade_of(order)
    computed = tax.order_tax(order)
    return {
        "order_no": order.order_no,
        "documents": {
            "payment": chain.payment is not None,
            "waybill": chain.waybill is not None,
            "inventory": chain.inventory is not None,
        },
        "rules": [
            {"code": r.code, "basis": r.basis, "passed": r.passed, "detail": r.detail}
            for r in chain.results
        ],
        "tax": {
            "dutiable": str(computed.dutiable),
            "tax": str(computed.tax) if computed.tax is not None else None,
            "treatment": computed.treatment,
            "year_total": str(computed.year_total),
            "policy": computed.policy.source,
        },
    }

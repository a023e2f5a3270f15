"""The EPCIS 2.0 REST binding, as far as this repository goes: capture, capture jobs, the event
query, and lineage."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router

from hanjiang.accounts.api_auth import roles_auth
from hanjiang.accounts.models import Role
from hanjiang.core.errors import ErrorItem, ValidationFailed
from hanjiang.traceability.models import CaptureJob
from hanjiang.traceability.repository import capture, lineage, query, query_document

router = Router(tags=["traceability"])
READERS = tuple(Role)
MAX_BYTES = 20 * 1024 * 1024


def _job(job: CaptureJob) -> dict[str, Any]:
    return {
        "captureID": job.capture_id,
        "createdAt": job.created_at.isoformat(),
        "finishedAt": job.finished_at.isoformat() if job.finished_at else None,
        "running": job.finished_at is None,
        "success": job.success,
        "captureErrorBehaviour": job.behaviour,
        "errors": job.errors,
        "captured": job.captured,
        "alreadyHeld": job.repeated,
    }


@router.post(
    "/epcis/capture",
    summary="Capture an EPCISDocument (JSON-LD or XML); header GS1-Capture-Error-Behaviour",
    auth=roles_auth(Role.CITY_ADMIN, Role.ENTERPRISE),
)
def capture_post(request: HttpRequest) -> HttpResponse:
    if len(request.body) > MAX_BYTES:
        raise ValidationFailed(
            [ErrorItem("capture_limit", "CaptureLimitExceededException: over 20 MB.")]
        )
    behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback")
    job = capture(actor=request.user, data=request.body, behaviour=behaviour)
    response = HttpResponse(orjson.dumps(_job(job)), status=202, content_type="application/json")
    response["Location"] = f"/api/v1/epcis/capture/{job.capture_id}"
    return response


@router.get(
    "/epcis/capture/{capture_id}",
    summary="A capture job's status",
    auth=roles_auth(*READERS),
)
def capture_get(request: HttpRequest, capture_id: str) -> dict[str, Any]:
    from django.shortcuts import get_object_or_404

    return _job(get_object_or_404(CaptureJob, capture_id=capture_id))


@router.get(
    "/epcis/events",
    summary="Query events with the REST binding's parameters (an EPCISQueryDocument)",
    auth=roles_auth(*READERS),
)
def events_get(request: HttpRequest) -> HttpResponse:
    page = query({key: request.GET.get(key, "") for key in request.GET})
    if page.errors:
        raise ValidationFailed(page.errors)
    response = HttpResponse(orjson.dumps(query_document(page)), content_type="application/ld+json")
    if page.next_token:
        params = request.GET.copy()
        params["nextPageToken"] = page.next_token
        response["Link"] = f'<{reverse("api-1.0.0:events_get")}?{params.urlencode()}>; rel="next"'
    return response


@router.get(
    "/epcis/lineage",
    summary="Upstream and downstream identifiers of an identifier, and the events of the chain",
    auth=roles_auth(*READERS),
)
def lineage_get(request: HttpRequest, identifier: str) -> dict[str, Any]:
    found = lineage(identifier)
    return {
        "identifier": identifier,
        "upstream": found.upstream,
        "downstream": found.downstream,
        "events": [event.event_id for event in found.events],
    }

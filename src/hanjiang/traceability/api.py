"""The EPCIS 2.0 REST binding, as far as this repository goes: capture, capture jobs, the event
query, and lineage."""

from __future__ import annotations

from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Router

from hanjiang.accounts.api_auth import roles_auth
from hanjiang.accounts.models import Role
from hanjiang.core.errors import ErrorItem, ValidationFailed
from hanjiang.traceability.models import CaptureJob, NamedQuery
from hanjiang.traceability.repository import (
    capture,
    lineage,
    named_query_create,
    named_query_delete,
    query,
    query_document,
    query_params,
)

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
    return _events_page(
        request,
        {key: request.GET.get(key, "") for key in request.GET},
        "SimpleEventQuery",
        reverse("api-1.0.0:events_get"),
    )


def _events_page(request: HttpRequest, params: dict[str, str], name: str, url: str) -> HttpResponse:
    page = query(params)
    if page.errors:
        raise ValidationFailed(page.errors)
    response = HttpResponse(
        orjson.dumps(query_document(page, name)), content_type="application/ld+json"
    )
    if page.next_token:
        following = request.GET.copy()
        following["nextPageToken"] = page.next_token
        response["Link"] = f'<{url}?{following.urlencode()}>; rel="next"'
    return response


def _named(name: str) -> NamedQuery:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(NamedQuery, name=name)


@router.get("/epcis/queries", summary="The named queries", auth=roles_auth(*READERS))
def queries_get(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"name": named.name, "query": named.definition} for named in NamedQuery.objects.all()]


@router.post(
    "/epcis/queries",
    summary="Create a named query (body {name, query} of the REST binding)",
    auth=roles_auth(*READERS),
)
def queries_post(request: HttpRequest) -> HttpResponse:
    try:
        body = orjson.loads(request.body)
    except orjson.JSONDecodeError as error:
        raise ValidationFailed(
            [ErrorItem("malformed", _("Not valid JSON: %(reason)s") % {"reason": error.msg})]
        ) from error
    named = named_query_create(actor=request.user, body=body)
    response = HttpResponse(status=201)
    response["Location"] = reverse("api-1.0.0:query_get", args=[named.name])
    return response


@router.get("/epcis/queries/{name}", summary="A named query", auth=roles_auth(*READERS))
def query_get(request: HttpRequest, name: str) -> dict[str, Any]:
    named = _named(name)
    return {"name": named.name, "query": named.definition}


@router.delete(
    "/epcis/queries/{name}",
    summary="Delete a named query (its creator or the city's administrators)",
    auth=roles_auth(*READERS),
)
def query_delete(request: HttpRequest, name: str) -> HttpResponse:
    named_query_delete(actor=request.user, named=_named(name))
    return HttpResponse(status=204)


@router.get(
    "/epcis/queries/{name}/events",
    summary="The events of a named query (an EPCISQueryDocument, paginated)",
    auth=roles_auth(*READERS),
)
def query_events_get(request: HttpRequest, name: str) -> HttpResponse:
    named = _named(name)
    paging = {key: request.GET[key] for key in ("perPage", "nextPageToken") if key in request.GET}
    return _events_page(
        request,
        query_params(named.definition) | paging,
        named.name,
        reverse("api-1.0.0:query_events_get", args=[named.name]),
    )


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

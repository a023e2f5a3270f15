"""The EPCIS event repository: capture, the event query, and lineage.

Rules:
- capture takes an EPCISDocument in JSON-LD; it is checked as `epcis.check` does; with the
  capture error behaviour `rollback` (the REST binding's default) a document with any error stores
  nothing; with `proceed`, each event is checked alone (the official schema accepts single
  events) and the valid ones are stored, the others reported by their index; either way the
  capture job records the outcome;
- an event is identified by its `eventID`; without one, the platform gives it
  `urn:uuid:` of the SHA-256 of its canonical JSON (sorted keys, no spaces) — the platform's own
  identity, not the CBV 2.0 event hash;
- capture is idempotent: an event whose id is already held is not stored again; an event that
  repeats a held event's id with an `errorDeclaration` records the declaration on that event (a
  correction), which then stays queryable and is marked erroneous;
- every identifier an event names is indexed with its role (object, parent, child, input, output;
  lots and classes marked), for queries and lineage;
- the query takes the REST binding's parameters `eventType`, `GE_eventTime`, `LT_eventTime`,
  `EQ_action`, `EQ_bizStep`, `EQ_disposition`, `EQ_readPoint`, `EQ_bizLocation`, `MATCH_epc`,
  `MATCH_anyEPC`, `MATCH_parentID`, `MATCH_inputEPC`, `MATCH_outputEPC`, `MATCH_epcClass`,
  `EQ_eventID`, `EXISTS_errorDeclaration`, `perPage` (≤ 1,000) and `nextPageToken`;
- a temperature reading (°C) outside the limits of a product an event names by its GTIN raises
  a cold-chain alert;
- lineage walks the index breadth-first: downstream from an identifier to the outputs of the
  transformations it went into and the containers it was aggregated into; upstream to the inputs
  of the transformations that produced it and the contents aggregated into it.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

import jsonschema_rs
import orjson
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import scope_of
from hanjiang.core.bulk import insert_rows
from hanjiang.core.errors import DomainError, ErrorItem, PermissionDeniedError, ValidationFailed
from hanjiang.traceability.epcis import (
    DIGITAL_LINK,
    SCHEMAS,
    check,
    check_identifiers,
    events_of,
    json_validator,
)
from hanjiang.traceability.models import (
    CaptureJob,
    Event,
    EventIdentifier,
    IdentifierRole,
    NamedQuery,
)
from hanjiang.traceability.xml_binding import events_of_xml

ROLES = {
    "epcList": (IdentifierRole.EPC, False),
    "quantityList": (IdentifierRole.EPC, True),
    "childEPCs": (IdentifierRole.CHILD, False),
    "childQuantityList": (IdentifierRole.CHILD, True),
    "inputEPCList": (IdentifierRole.INPUT, False),
    "inputQuantityList": (IdentifierRole.INPUT, True),
    "outputEPCList": (IdentifierRole.OUTPUT, False),
    "outputQuantityList": (IdentifierRole.OUTPUT, True),
}
MAX_PER_PAGE = 1000


def event_id(event: dict[str, Any]) -> str:
    if event.get("eventID"):
        return str(event["eventID"])
    canonical = orjson.dumps(event, option=orjson.OPT_SORT_KEYS)
    return f"urn:uuid:{uuid.UUID(hashlib.sha256(canonical).hexdigest()[:32])}"


def _time(event: dict[str, Any]) -> datetime.datetime:
    return datetime.datetime.fromisoformat(str(event["eventTime"]).replace("Z", "+00:00"))


def _identifiers(event: dict[str, Any]) -> Iterable[tuple[str, str, bool]]:
    for name, (role, is_class) in ROLES.items():
        for value in event.get(name) or []:
            identifier = value.get("epcClass") if isinstance(value, dict) else value
            if identifier:
                yield str(identifier), role, is_class
    if event.get("parentID"):
        yield str(event["parentID"]), IdentifierRole.PARENT, False


def _row(
    event: dict[str, Any], identity: str, job_id: int, now: Any, json_value: Callable[[Any], Any]
) -> tuple[Any, ...]:
    """An event's row in the order of `_EVENT_COLUMNS`."""
    error_declaration = event.get("errorDeclaration")
    return (
        identity,
        event["type"],
        event.get("action", ""),
        connection.ops.adapt_datetimefield_value(_time(event)),
        event.get("eventTimeZoneOffset", ""),
        now,
        str(event.get("bizStep", "")),
        str(event.get("disposition", "")),
        str((event.get("readPoint") or {}).get("id", "")),
        str((event.get("bizLocation") or {}).get("id", "")),
        None if error_declaration is None else json_value(error_declaration),
        json_value(event),
        job_id,
    )


_EVENT_COLUMNS = (
    "event_id",
    "event_type",
    "action",
    "event_time",
    "time_zone_offset",
    "record_time",
    "biz_step",
    "disposition",
    "read_point",
    "biz_location",
    "error_declaration",
    "body",
    "job_id",
)


def _held(identities: list[str]) -> dict[str, tuple[int, bool]]:
    """The events already held among these identities: id → (primary key, whether an error was
    declared on it). One array parameter on PostgreSQL (a long IN list costs more to send than
    to run), lists of 900 elsewhere."""
    table = connection.ops.quote_name(Event._meta.db_table)
    rows: list[tuple[str, int, bool]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT event_id, id, error_declaration IS NOT NULL FROM {table} "  # noqa: S608 - the model's table
                "WHERE event_id = ANY(%s)",
                [identities],
            )
            rows = list(cursor.fetchall())
        else:
            for first in range(0, len(identities), 900):
                part = identities[first : first + 900]
                cursor.execute(
                    f"SELECT event_id, id, error_declaration IS NOT NULL FROM {table} "  # noqa: S608 - the model's table
                    f"WHERE event_id IN ({', '.join(['%s'] * len(part))})",
                    part,
                )
                rows += cursor.fetchall()
    return {identity: (pk, bool(declared)) for identity, pk, declared in rows}


def _store_all(events: list[dict[str, Any]], job: CaptureJob) -> list[str]:
    """Store valid events in bulk: 'new', 'repeated' or 'declared' for each, in order."""
    identities = [event_id(event) for event in events]
    held = _held(identities)
    outcomes: list[str] = []
    fresh: dict[str, dict[str, Any]] = {}
    for event, identity in zip(events, identities, strict=True):
        existing = held.get(identity)
        if existing is not None:
            pk, declared = existing
            if event.get("errorDeclaration") and not declared:
                Event.objects.filter(pk=pk).update(error_declaration=event["errorDeclaration"])
                held[identity] = (pk, True)
                outcomes.append("declared")
            else:
                outcomes.append("repeated")
        elif identity in fresh:
            if event.get("errorDeclaration") and not fresh[identity].get("errorDeclaration"):
                # declared erroneous later in the same document: stored with its declaration
                fresh[identity] = fresh[identity] | {"errorDeclaration": event["errorDeclaration"]}
                outcomes.append("declared")
            else:
                outcomes.append("repeated")
        else:
            fresh[identity] = event
            outcomes.append("new")
    if not fresh:
        return outcomes
    ops = connection.ops
    # The same JSON text, produced by orjson where the database takes JSON as text.
    # JSON as text, by orjson: SQLite stores it so, and PostgreSQL's COPY reads it into jsonb.
    json_value: Callable[[Any], Any] = lambda value: orjson.dumps(value).decode()  # noqa: E731
    now = ops.adapt_datetimefield_value(timezone.now())
    insert_rows(
        Event,
        _EVENT_COLUMNS,
        (_row(event, identity, job.pk, now, json_value) for identity, event in fresh.items()),
    )
    stored = dict(Event.objects.filter(job=job).values_list("event_id", "id"))
    insert_rows(
        EventIdentifier,
        ("event", "identifier", "role", "is_class"),
        (
            (stored[identity], identifier, str(role), is_class)
            for identity, event in fresh.items()
            for identifier, role, is_class in _identifiers(event)
        ),
    )
    sensed = [identity for identity, event in fresh.items() if event.get("sensorElementList")]
    if sensed:
        by_id = Event.objects.in_bulk([stored[identity] for identity in sensed])
        _alerts([(by_id[stored[identity]], fresh[identity]) for identity in sensed])
    return outcomes


def temperatures(event: dict[str, Any]) -> list[Decimal]:
    """The temperatures (°C) an event's sensor reports carry: value, or minimum and maximum."""
    found: list[Decimal] = []
    for element in event.get("sensorElementList") or []:
        for report in element.get("sensorReport") or []:
            if (
                not str(report.get("type", "")).endswith("Temperature")
                or report.get("uom") != "CEL"
            ):
                continue
            for name in ("value", "minValue", "maxValue"):
                value = report.get(name)
                # a reading no thermometer gives (infinite, or beyond ±10,000 °C) is not one
                if isinstance(value, int | float) and not isinstance(value, bool):
                    reading = Decimal(str(value))
                    if reading.is_finite() and abs(reading) < 10_000:
                        found.append(reading)
    return found


def gtin_of(identifier: str) -> str:
    """The GTIN (14 digits) a GS1 Digital Link names, however it is written (a shorter GTIN,
    percent-encoding); empty for anything else."""
    from hanjiang.traceability.identifiers import IdentifierError, parse

    if not DIGITAL_LINK.match(identifier):
        return ""
    try:
        return parse(identifier).gtin
    except IdentifierError:
        return ""


def _alerts(events: list[tuple[Event, dict[str, Any]]]) -> None:
    """Raise a cold-chain alert for each temperature outside the limits of a product the event
    names (by the GTIN of a GS1 Digital Link identifier)."""
    from hanjiang.traceability.models import ColdChainAlert, Product

    alerts = []
    limited: dict[str, list[Product]] = {}
    for stored, event in events:
        readings = temperatures(event)
        if not readings:
            continue
        for identifier, _role, _is_class in _identifiers(event):
            gtin = gtin_of(identifier)
            if not gtin:
                continue
            if gtin not in limited:
                limited[gtin] = list(
                    Product.objects.filter(gtin=gtin).exclude(
                        min_celsius__isnull=True, max_celsius__isnull=True
                    )
                )
            for product in limited[gtin]:
                for value in readings:
                    low = product.min_celsius is not None and value < product.min_celsius
                    high = product.max_celsius is not None and value > product.max_celsius
                    if low or high:
                        alerts.append(
                            ColdChainAlert(
                                event=stored, product=product, identifier=identifier, value=value
                            )
                        )
    ColdChainAlert.objects.bulk_create(alerts)


# Lots and items come into being in these places: an ObjectEvent ADD and a transformation's outputs.
CREATING = {
    "ObjectEvent": ("epcList", "quantityList"),
    "TransformationEvent": ("outputEPCList", "outputQuantityList"),
}


def _not_owned(events: list[Any], organisation_id: int | None) -> dict[int, list[dict[str, str]]]:
    """The errors of events by which an enterprise would create lots or items of a catalogue
    product it is not a producer of, by the event's index."""
    from hanjiang.traceability.models import Product

    creating: dict[int, list[tuple[str, str]]] = {}
    for index, event in enumerate(events):
        if not isinstance(event, dict) or event.get("action", "ADD") != "ADD":
            continue
        for name in CREATING.get(str(event.get("type")), ()):
            for position, value in enumerate(event.get(name) or []):
                identifier = value.get("epcClass") if isinstance(value, dict) else value
                if isinstance(identifier, str) and gtin_of(identifier):
                    location = f"/epcisBody/eventList/{index}/{name}/{position}"
                    if isinstance(value, dict):
                        location += "/epcClass"
                    creating.setdefault(index, []).append((location, identifier))
    gtins = {gtin_of(identifier) for found in creating.values() for _, identifier in found}
    owned_by: dict[str, set[int]] = {}
    for gtin, producer in Product.objects.filter(gtin__in=gtins).values_list("gtin", "producers"):
        if producer is not None:  # a product without producers binds no one
            owned_by.setdefault(gtin, set()).add(producer)
    problems: dict[int, list[dict[str, str]]] = {}
    for index, found in creating.items():
        for location, identifier in found:
            owners = owned_by.get(gtin_of(identifier))
            if owners and organisation_id not in owners:
                problems.setdefault(index, []).append(
                    {
                        "location": location,
                        "code": "not_owner",
                        "message": str(
                            _(
                                "%(identifier)s is of a product your organisation is not a "
                                "producer of: only its producers create its lots and items."
                            )
                            % {"identifier": identifier}
                        ),
                    }
                )
    return problems


EARLIEST, LATEST = 1900, 2999  # the years an event time may fall in (UTC)


def _implausible_times(events: list[Any]) -> dict[int, list[dict[str, str]]]:
    """The errors of event times outside the years 1900–2999 (UTC), by the event's index: valid
    for the schema, but no databases' timestamp holds year 1, and no harvest is that old."""
    problems: dict[int, list[dict[str, str]]] = {}
    for index, event in enumerate(events):
        if not isinstance(event, dict) or not isinstance(event.get("eventTime"), str):
            continue
        try:
            year = _time(event).astimezone(datetime.UTC).year
        except (ValueError, OverflowError):
            year = 0
        if not EARLIEST <= year <= LATEST:
            problems.setdefault(index, []).append(
                {
                    "location": f"/epcisBody/eventList/{index}/eventTime",
                    "code": "invalid_time",
                    "message": str(
                        _("The event time %(time)s is not between the years 1900 and 2999.")
                        % {"time": event["eventTime"]}
                    ),
                }
            )
    return problems


def capture(*, actor: Any, data: bytes, behaviour: str = "rollback") -> CaptureJob:
    """Capture an EPCISDocument (see the module's rules); the job says what happened."""
    if behaviour not in {"rollback", "proceed"}:
        raise ValidationFailed(
            [ErrorItem("invalid_choice", _("The capture error behaviour is rollback or proceed."))]
        )
    scope = scope_of(actor)
    job = CaptureJob(
        capture_id=str(uuid.uuid4()),
        behaviour=behaviour,
        captured_by_id=scope.organisation_id,
    )
    checked = check(data)
    events: list[Any] = []
    if checked.kind == "json":
        events = events_of(checked.document)
    elif checked.document is not None and not checked.problems:
        events = events_of_xml(checked.document)  # the XSD required every time's zone offset
    foreign = _not_owned(events, scope.organisation_id) if scope.role == Role.ENTERPRISE else {}
    for index, errors in _implausible_times(events).items():
        foreign.setdefault(index, []).extend(errors)
    # An XML document is captured whole or not at all: its schema errors are located by line.
    if behaviour == "rollback" or checked.document is None or checked.kind == "xml":
        job.errors = [
            {"location": p.location, "code": p.code, "message": str(p.message)}
            for p in checked.problems
        ]
        job.errors += [error for errors in foreign.values() for error in errors]
        if checked.problems or foreign:
            events = []
    else:
        valid = []
        for index, event in enumerate(events):
            pointer = f"/epcisBody/eventList/{index}"
            errors = [
                {
                    "location": pointer + "/" + "/".join(map(str, e.instance_path)),
                    "code": "schema",
                    "message": e.message,
                }
                # A single event carries the document's @context to stand alone.
                for e in json_validator().iter_errors(
                    {"@context": checked.document.get("@context")} | event
                    if isinstance(event, dict)
                    else event
                )
            ]
            if not errors:
                errors = [
                    {
                        "location": p.location.replace("/x/0", pointer),
                        "code": p.code,
                        "message": str(p.message),
                    }
                    for p in check_identifiers([event], "/x")
                ]
            errors += foreign.get(index, [])
            if errors:
                job.errors += errors
            else:
                valid.append(event)
        events = valid
    with transaction.atomic():
        job.save()
        outcomes = _store_all(events, job)
        job.captured = outcomes.count("new") + outcomes.count("declared")
        job.repeated = outcomes.count("repeated")
        job.success = not job.errors
        job.finished_at = timezone.now()
        job.save()
    return job


# Query ------------------------------------------------------------------------------------------


@dataclass
class Page:
    events: list[Event]
    next_token: str = ""
    errors: list[ErrorItem] = field(default_factory=list)


def _moment(text: str, name: str, errors: list[ErrorItem]) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        errors.append(
            ErrorItem(
                "invalid_time",
                _("%(name)s needs a date and time with its zone offset.") % {"name": name},
                field=name,
            )
        )
        return None
    return moment


def query(params: dict[str, str]) -> Page:
    """Events matching the REST binding's query parameters (see the module's rules)."""
    errors: list[ErrorItem] = []
    events: QuerySet[Event] = Event.objects.all()
    simple = {
        "eventType": "event_type__in",
        "EQ_action": "action__in",
        "EQ_bizStep": "biz_step__in",
        "EQ_disposition": "disposition__in",
        "EQ_readPoint": "read_point__in",
        "EQ_bizLocation": "biz_location__in",
        "EQ_eventID": "event_id__in",
    }
    matches = {
        "MATCH_epc": Q(identifiers__role=IdentifierRole.EPC, identifiers__is_class=False),
        "MATCH_parentID": Q(identifiers__role=IdentifierRole.PARENT),
        "MATCH_inputEPC": Q(identifiers__role=IdentifierRole.INPUT),
        "MATCH_outputEPC": Q(identifiers__role=IdentifierRole.OUTPUT),
        "MATCH_epcClass": Q(identifiers__is_class=True),
        "MATCH_anyEPC": Q(),
    }
    known = {
        *simple,
        *matches,
        "GE_eventTime",
        "LT_eventTime",
        "EXISTS_errorDeclaration",
        "perPage",
        "nextPageToken",
    }
    for name in params:
        if name not in known:
            errors.append(
                ErrorItem(
                    "unknown_parameter",
                    _("%(name)s is not a query parameter this repository supports.")
                    % {"name": name},
                    field=name,
                )
            )
    for name, lookup in simple.items():
        if params.get(name):
            events = events.filter(**{lookup: params[name].split("|")})
    for name, condition in matches.items():
        if params.get(name):
            events = events.filter(
                condition, identifiers__identifier__in=params[name].split("|")
            ).distinct()
    for name, lookup in (("GE_eventTime", "event_time__gte"), ("LT_eventTime", "event_time__lt")):
        if params.get(name):
            moment = _moment(params[name], name, errors)
            if moment is not None:
                events = events.filter(**{lookup: moment})
    if "EXISTS_errorDeclaration" in params:
        events = events.filter(error_declaration__isnull=False)
    per_page = params.get("perPage", "100")
    if not per_page.isdecimal() or not 1 <= int(per_page) <= MAX_PER_PAGE:
        errors.append(
            ErrorItem(
                "invalid_number",
                _("perPage is a whole number from 1 to %(max)s.") % {"max": MAX_PER_PAGE},
                field="perPage",
            )
        )
        per_page = "100"
    token = params.get("nextPageToken", "0")
    offset = int(token) if token.isdecimal() else 0
    if errors:
        return Page([], errors=errors)
    found = list(events.order_by("event_time", "id")[offset : offset + int(per_page) + 1])
    more = len(found) > int(per_page)
    return Page(found[: int(per_page)], str(offset + int(per_page)) if more else "")


# Named queries -----------------------------------------------------------------------------------

QUERY_NAME = re.compile(r"^[A-Za-z0-9_.~-]{1,100}$")  # one URL path segment, unreserved characters


@cache
def query_validator() -> Any:
    """The official schema of a named query's `query` body (compiled)."""
    schema = orjson.loads((SCHEMAS / "query-schema.json").read_bytes())
    return jsonschema_rs.validator_for(schema)


def query_params(definition: dict[str, Any]) -> dict[str, str]:
    """A named query's definition as the event query's parameters (lists joined by `|`)."""
    return {
        name: "|".join(map(str, value)) if isinstance(value, list) else str(value)
        for name, value in definition.items()
    }


def named_query_create(*, actor: Any, body: Any) -> NamedQuery:
    """Create a named query from the REST binding's body `{name, query}`: the query checked
    against the official query schema and against the parameters this repository supports."""
    errors: list[ErrorItem] = []
    if not isinstance(body, dict):
        raise ValidationFailed(
            [
                ErrorItem(
                    "invalid_body", _("A named query is a JSON object with a name and a query.")
                )
            ]
        )
    errors += [
        ErrorItem(
            "unknown_member",
            _("%(name)s is not a member of a named query.") % {"name": name},
            field=name,
        )
        for name in body
        if name not in {"name", "query"}
    ]
    name = body.get("name")
    if not isinstance(name, str) or not QUERY_NAME.match(name):
        errors.append(
            ErrorItem(
                "invalid_name",
                _("The name has 1 to 100 letters, digits, “-”, “_”, “.” or “~”."),
                field="name",
            )
        )
    definition = body.get("query")
    if not isinstance(definition, dict):
        errors.append(ErrorItem("required", _("The query is a JSON object."), field="query"))
    else:
        schema_errors = [
            ErrorItem(
                "schema",
                error.message,
                field="/".join(["query", *map(str, error.instance_path)]),
            )
            for error in query_validator().iter_errors(definition)
        ]
        errors += schema_errors
        if not schema_errors:
            errors += [
                ErrorItem(item.code, item.message, field=f"query/{item.field}")
                for item in query(query_params(definition) | {"perPage": "1"}).errors
            ]
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(name, str)  # noqa: S101 - checked above
    if NamedQuery.objects.filter(name=name).exists():
        raise DomainError(
            "already_exists",
            _("A query named %(name)s exists.") % {"name": name},
            field="name",
            status=409,
        )
    return NamedQuery.objects.create(
        name=name, definition=definition, created_by_id=scope_of(actor).organisation_id
    )


def named_query_delete(*, actor: Any, named: NamedQuery) -> None:
    scope = scope_of(actor)
    if not scope.is_admin and (
        named.created_by_id is None or named.created_by_id != scope.organisation_id
    ):
        raise PermissionDeniedError(
            "forbidden", _("Only its creator or the city's administrators delete a query.")
        )
    named.delete()


def query_document(page: Page, name: str = "SimpleEventQuery") -> dict[str, Any]:
    """The page as an EPCISQueryDocument."""
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": timezone.now().isoformat(timespec="milliseconds"),
        "epcisBody": {
            "queryResults": {
                "queryName": name,
                "resultsBody": {
                    "eventList": [
                        event.body
                        | {"eventID": event.event_id}
                        | (
                            {"errorDeclaration": event.error_declaration}
                            if event.error_declaration
                            else {}
                        )
                        for event in page.events
                    ]
                },
            }
        },
    }


# Lineage ----------------------------------------------------------------------------------------


@dataclass
class Lineage:
    upstream: list[str]
    downstream: list[str]
    events: list[Event]


def _walk(start: str, direction: str, limit: int) -> tuple[list[str], set[int]]:
    """Identifiers reached from `start`, in order, and the events crossed."""
    # downstream: an input (or a child) leads to the outputs (or the parent) of the same event;
    # upstream: an output (or a parent) leads to the inputs (or the children).
    if direction == "down":
        steps = (
            (IdentifierRole.INPUT, IdentifierRole.OUTPUT),
            (IdentifierRole.CHILD, IdentifierRole.PARENT),
        )
    else:
        steps = (
            (IdentifierRole.OUTPUT, IdentifierRole.INPUT),
            (IdentifierRole.PARENT, IdentifierRole.CHILD),
        )
    seen = {start}
    order: list[str] = []
    crossed: set[int] = set()
    queue = deque([start])
    while queue and len(order) < limit:
        current = queue.popleft()
        for role_from, role_to in steps:
            event_ids = EventIdentifier.objects.filter(
                identifier=current, role=role_from, event__error_declaration__isnull=True
            ).values("event_id")
            for target, event in EventIdentifier.objects.filter(
                event_id__in=event_ids, role=role_to
            ).values_list("identifier", "event_id"):
                crossed.add(event)
                if target not in seen:
                    seen.add(target)
                    order.append(target)
                    queue.append(target)
    return order, crossed


def lineage(identifier: str, limit: int = 10_000) -> Lineage:
    """Upstream and downstream of an identifier, and every event that names any of them."""
    up, crossed_up = _walk(identifier, "up", limit)
    down, crossed_down = _walk(identifier, "down", limit)
    everything = {identifier, *up, *down}
    # Two indexed lookups rather than one OR over a join, which scans as the store grows.
    named = set(
        EventIdentifier.objects.filter(identifier__in=everything).values_list("event_id", flat=True)
    )
    events = Event.objects.filter(pk__in=named | crossed_up | crossed_down).order_by(
        "event_time", "id"
    )
    return Lineage(up, down, list(events))


# Recalls -----------------------------------------------------------------------------------------


@dataclass
class Reached:
    """One identifier a recall reaches: where it went, who held it, and when last seen."""

    identifier: str
    places: list[str]
    parties: list[str]
    last_seen: datetime.datetime | None


def failed_inspections() -> QuerySet[Event]:
    """Inspections and samplings that found the goods non-conformant (not declared erroneous)."""
    return Event.objects.filter(
        Q(biz_step__endswith="inspecting") | Q(biz_step__endswith="sampling"),
        disposition__endswith="non_conformant",
        error_declaration__isnull=True,
    ).order_by("-event_time")


def recall(identifier: str) -> list[Reached]:
    """Everything downstream of `identifier` (itself first), with the places and parties the
    events name for it: business locations, read points, destinations and sources."""
    found = lineage(identifier)
    reached = []
    for item in [identifier, *found.downstream]:
        events = list(
            Event.objects.filter(identifiers__identifier=item, error_declaration__isnull=True)
            .distinct()
            .order_by("event_time", "id")
        )
        places: list[str] = []
        parties: list[str] = []
        for event in events:
            for place in (event.biz_location, event.read_point):
                if place and place not in places:
                    places.append(place)
            for entry in [
                *(event.body.get("destinationList") or []),
                *(event.body.get("sourceList") or []),
            ]:
                value = entry.get("destination") or entry.get("source") or ""
                target = parties if str(entry.get("type", "")).endswith("party") else places
                if value and value not in target:
                    target.append(value)
        reached.append(Reached(item, places, parties, events[-1].event_time if events else None))
    return reached

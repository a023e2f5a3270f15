"""The EPCIS repository: capture (rollback and proceed), idempotency, error declarations, the
query interface and lineage."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from hanjiang.traceability.epcis import json_validator
from hanjiang.traceability.models import ColdChainAlert, Event, Product
from hanjiang.traceability.repository import capture, lineage, query, query_document

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parent / "data" / "JSON"
OBJECT_EVENTS = DATA / "Example_9.6.1-ObjectEvent.jsonld"
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]


def _document(events: list[dict[str, Any]]) -> bytes:
    return json.dumps(
        {
            "@context": CONTEXT,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-11-05T08:00:00+08:00",
            "epcisBody": {"eventList": events},
        }
    ).encode()


def _event(kind: str, time: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "eventTime": time, "eventTimeZoneOffset": "+08:00"} | fields


LOT_A = "https://id.gs1.org/01/09521234543213/10/FARM-A"
LOT_B = "https://id.gs1.org/01/09521234543220/10/DRY-B"
PALLET = "https://id.gs1.org/00/106141412345678908"
CHAIN = [
    _event(
        "ObjectEvent",
        "2026-09-01T08:00:00+08:00",
        action="ADD",
        bizStep="commissioning",
        quantityList=[{"epcClass": LOT_A, "quantity": 500, "uom": "KGM"}],
    ),
    _event(
        "TransformationEvent",
        "2026-09-03T10:00:00+08:00",
        bizStep="commissioning",
        inputQuantityList=[{"epcClass": LOT_A, "quantity": 500, "uom": "KGM"}],
        outputQuantityList=[{"epcClass": LOT_B, "quantity": 60, "uom": "KGM"}],
    ),
    _event(
        "AggregationEvent",
        "2026-09-04T09:00:00+08:00",
        action="ADD",
        bizStep="packing",
        parentID=PALLET,
        childQuantityList=[{"epcClass": LOT_B, "quantity": 60, "uom": "KGM"}],
    ),
    _event(
        "ObjectEvent",
        "2026-09-05T07:30:00+08:00",
        action="OBSERVE",
        bizStep="shipping",
        disposition="in_transit",
        epcList=[PALLET],
    ),
]


@pytest.mark.parametrize("path", sorted(DATA.rglob("*.jsonld")), ids=lambda p: p.name)
def test_official_examples_are_captured(path: Path) -> None:
    job = capture(actor=None, data=path.read_bytes())
    document = json.loads(path.read_text(encoding="utf-8"))
    body = document["epcisBody"]
    count = len(body.get("eventList") or body["queryResults"]["resultsBody"]["eventList"])
    assert (job.success, job.captured, job.errors) == (True, count, [])
    again = capture(actor=None, data=path.read_bytes())
    assert (again.captured, again.repeated) == (0, count)
    # Round trip: the query answers every event as it was captured (with its id).
    sent = body.get("eventList") or body["queryResults"]["resultsBody"]["eventList"]
    answered = query_document(query({"perPage": "1000"}))["epcisBody"]["queryResults"]
    returned = answered["resultsBody"]["eventList"]

    def canonical(events: list[dict[str, Any]]) -> list[str]:
        return sorted(
            json.dumps({k: v for k, v in e.items() if k != "eventID"}, sort_keys=True)
            for e in events
        )

    assert canonical(returned) == canonical(sent)
    assert all(e["eventID"] for e in returned)


def test_rollback_stores_nothing_and_proceed_stores_the_valid_events() -> None:
    bad = _event("ObjectEvent", "2026-09-05T07:30:00", action="OBSERVE", epcList=[PALLET])
    data = _document([CHAIN[0], bad])
    job = capture(actor=None, data=data)
    assert (job.success, job.captured, Event.objects.count()) == (False, 0, 0)
    assert [e["location"] for e in job.errors] == ["/epcisBody/eventList/1/eventTime"]
    job = capture(actor=None, data=data, behaviour="proceed")
    assert (job.success, job.captured, Event.objects.count()) == (False, 1, 1)
    assert [e["location"] for e in job.errors] == ["/epcisBody/eventList/1/eventTime"]


def test_an_error_declaration_marks_the_held_event() -> None:
    original = _event(
        "ObjectEvent",
        "2026-09-05T07:30:00+08:00",
        action="OBSERVE",
        eventID="urn:uuid:6f0b1e4c-0000-4000-8000-000000000001",
        epcList=[PALLET],
    )
    capture(actor=None, data=_document([original]))
    declared = original | {
        "errorDeclaration": {
            "declarationTime": "2026-09-06T09:00:00+08:00",
            "reason": "incorrect_data",
        }
    }
    job = capture(actor=None, data=_document([declared]))
    assert job.captured == 1
    assert Event.objects.get().error_declaration["reason"] == "incorrect_data"
    assert [e.event_id for e in query({"EXISTS_errorDeclaration": ""}).events] == [
        "urn:uuid:6f0b1e4c-0000-4000-8000-000000000001"
    ]
    # declared in the same document as the event itself
    Event.objects.all().delete()
    both = capture(actor=None, data=_document([original, declared]))
    assert (both.captured, both.repeated) == (2, 0)
    assert Event.objects.get().error_declaration["reason"] == "incorrect_data"


def test_queries_follow_the_rest_binding() -> None:
    capture(actor=None, data=_document(CHAIN))
    assert [e.event_type for e in query({"MATCH_epcClass": LOT_B}).events] == [
        "TransformationEvent",
        "AggregationEvent",
    ]
    assert [e.biz_step for e in query({"eventType": "ObjectEvent"}).events] == [
        "commissioning",
        "shipping",
    ]
    assert len(query({"GE_eventTime": "2026-09-04T00:00:00+08:00"}).events) == 2
    first = query({"perPage": "3"})
    assert (len(first.events), first.next_token) == (3, "3")
    rest = query({"perPage": "3", "nextPageToken": first.next_token})
    assert (len(rest.events), rest.next_token) == (1, "")
    refused = query({"GE_eventTime": "2026-09-04", "EQ_colour": "red", "perPage": "0"})
    assert [(e.field, e.code) for e in refused.errors] == [
        ("EQ_colour", "unknown_parameter"),
        ("GE_eventTime", "invalid_time"),
        ("perPage", "invalid_number"),
    ]


def test_lineage_up_and_down_the_chain() -> None:
    capture(actor=None, data=_document(CHAIN))
    middle = lineage(LOT_B)
    assert (middle.upstream, middle.downstream) == ([LOT_A], [PALLET])
    assert [e.event_type for e in middle.events] == [
        "ObjectEvent",
        "TransformationEvent",
        "AggregationEvent",
        "ObjectEvent",
    ]
    assert lineage(LOT_A).downstream == [LOT_B, PALLET]
    assert lineage(PALLET).upstream == [LOT_B, LOT_A]


def test_the_api_captures_and_answers_query_documents(
    users: dict[str, Any], client_for: Any
) -> None:
    client = client_for(users["enterprise"])
    answer = client.post(
        "/api/v1/epcis/capture", data=_document(CHAIN), content_type="application/ld+json"
    )
    assert answer.status_code == 202
    job = client.get(answer["Location"]).json()
    assert (job["success"], job["captured"]) == (True, 4)
    page = client.get("/api/v1/epcis/events", {"perPage": "2"})
    document = page.json()
    assert list(json_validator().iter_errors(document)) == []
    assert len(document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 2
    assert 'rel="next"' in page["Link"]
    chain = client.get("/api/v1/epcis/lineage", {"identifier": LOT_B}).json()
    assert (chain["upstream"], chain["downstream"]) == ([LOT_A], [PALLET])
    bad = client.get("/api/v1/epcis/events", {"GE_eventTime": "2026-09-04"})
    assert (bad.status_code, bad.json()["errors"][0]["code"]) == (422, "invalid_time")
    xml = DATA.parent / "XML" / "Example_9.6.1-ObjectEvent-2020_06_18a.xml"
    answer = client.post(
        "/api/v1/epcis/capture", data=xml.read_bytes(), content_type="application/xml"
    )
    job = client.get(answer["Location"]).json()
    assert (job["success"], job["captured"], Event.objects.count()) == (True, 2, 6)


def test_scanning_a_lots_code_opens_its_trace(client_for: Any) -> None:
    capture(actor=None, data=_document(CHAIN))
    Product.objects.create(name="测试干香菇（测试数据）", gtin="09521234543220", source="测试")
    page = client_for(None).get("/01/09521234543220/10/DRY-B")
    assert page.status_code == 200
    assert [step["step"] for step in page.context["steps"]] == [
        "赋码（批次采收或生产）",
        "赋码（批次采收或生产）",
        "包装",
        "发货",
    ]
    assert page.context["upstream"] == [LOT_A]
    assert [p.name for p in page.context["products"]] == ["测试干香菇（测试数据）"]
    qr = client_for(None).get("/01/09521234543220/10/DRY-B/qr")
    assert qr["Content-Type"] == "image/svg+xml"
    assert client_for(None).get("/01/09521234543221/10/DRY-B").status_code == 404


def test_a_failed_inspection_leads_to_the_recall_list(
    users: dict[str, Any], client_for: Any
) -> None:
    shop = "https://id.gs1.org/414/9521141123454"
    retailer = "https://id.gs1.org/417/9521141123454"
    inspection = _event(
        "ObjectEvent",
        "2026-09-02T09:00:00+08:00",
        action="OBSERVE",
        bizStep="inspecting",
        disposition="non_conformant",
        quantityList=[{"epcClass": LOT_A}],
        readPoint={"id": "https://id.gs1.org/414/9521141123454"},
    )
    delivery = _event(
        "ObjectEvent",
        "2026-09-06T10:00:00+08:00",
        action="OBSERVE",
        bizStep="receiving",
        epcList=[PALLET],
        bizLocation={"id": shop},
        sourceList=[{"type": "owning_party", "source": "https://id.gs1.org/417/9521234543213"}],
        destinationList=[{"type": "owning_party", "destination": retailer}],
    )
    capture(actor=None, data=_document([*CHAIN, inspection, delivery]))
    client = client_for(users["reviewer"])
    board = client.get("/catalogue/regulator/")
    assert [row["event"].biz_step for row in board.context["failed"]] == ["inspecting"]
    page = client.get("/catalogue/recall/", {"identifier": LOT_A})
    reached = {item.identifier: item for item in page.context["reached"]}
    assert list(reached) == [LOT_A, LOT_B, PALLET]
    assert reached[PALLET].places == [shop]
    assert reached[PALLET].parties == [retailer, "https://id.gs1.org/417/9521234543213"]
    sheet = client.get("/catalogue/recall/", {"identifier": LOT_A, "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows] == ["批次或单品", LOT_A, LOT_B, PALLET]
    assert client_for(users["enterprise"]).get("/catalogue/recall/").status_code == 403


def _cold_reading(time: str, value: float, *, lot: str = LOT_B) -> dict[str, Any]:
    return _event(
        "ObjectEvent",
        time,
        action="OBSERVE",
        bizStep="storing",
        quantityList=[{"epcClass": lot}],
        bizLocation={"id": "https://id.gs1.org/414/9521141123454"},
        sensorElementList=[
            {
                "sensorReport": [
                    {"type": "gs1:Temperature", "value": value, "uom": "CEL"},
                    {"type": "gs1:RelativeHumidity", "value": 99.0, "uom": "A93"},
                ]
            }
        ],
    )


def test_a_reading_outside_the_products_limits_raises_an_alert(
    users: dict[str, Any], client_for: Any
) -> None:
    Product.objects.create(
        name="测试干香菇（测试数据）",
        gtin="09521234543220",
        min_celsius=Decimal("0.0"),
        max_celsius=Decimal("8.0"),
        source="测试",
    )
    Product.objects.create(name="无温度要求（测试数据）", gtin="09521234543213", source="测试")
    capture(
        actor=None,
        data=_document(
            [
                *CHAIN,
                _cold_reading("2026-09-04T12:00:00+08:00", 4.5),
                _cold_reading("2026-09-04T18:00:00+08:00", 11.2),
                _cold_reading("2026-09-04T19:00:00+08:00", -1.5),
                _cold_reading("2026-09-04T20:00:00+08:00", 30.0, lot=LOT_A),
            ]
        ),
    )
    alerts = sorted(ColdChainAlert.objects.all(), key=lambda alert: alert.value)
    assert [(alert.value, alert.identifier) for alert in alerts] == [
        (Decimal("-1.50"), LOT_B),
        (Decimal("11.20"), LOT_B),
    ]
    board = client_for(users["reviewer"]).get("/catalogue/regulator/")
    assert sorted(alert.value for alert in board.context["alerts"]) == [
        Decimal("-1.50"),
        Decimal("11.20"),
    ]
    assert "<td>0.0 … 8.0</td>" in board.content.decode()  # a limit of zero is shown, not missing
    page = client_for(None).get("/01/09521234543220/10/DRY-B")
    flagged = [step["temperatures"] for step in page.context["steps"] if step["alerted"]]
    assert flagged == [[Decimal("11.2")], [Decimal("-1.5")]]
    assert "11.2 °C" in page.content.decode()


def test_only_a_products_producers_create_its_lots(users: dict[str, Any]) -> None:
    from hanjiang.registry.tests.factories import OrganisationFactory

    enterprise = users["enterprise"]
    other = OrganisationFactory()
    theirs = Product.objects.create(
        name="别家干香菇（测试数据）", gtin="09521234543220", source="测试"
    )
    theirs.producers.add(other)
    ours = Product.objects.create(name="本家香菇（测试数据）", gtin="09521234543213", source="测试")
    ours.producers.add(enterprise.organisation)
    refused = capture(actor=enterprise, data=_document(CHAIN))
    assert [(e["location"], e["code"]) for e in refused.errors] == [
        ("/epcisBody/eventList/1/outputQuantityList/0/epcClass", "not_owner")
    ]
    assert (refused.captured, Event.objects.count()) == (0, 0)
    partial = capture(actor=enterprise, data=_document(CHAIN), behaviour="proceed")
    assert [e["code"] for e in partial.errors] == ["not_owner"]
    assert partial.captured == 3
    assert Event.objects.count() == 3
    # its producer creates the lot; packing and shipping it are anyone's
    other_user = type(enterprise).objects.create(
        username="other-producer", role=enterprise.role, organisation=other
    )
    assert capture(actor=other_user, data=_document(CHAIN[1:])).errors == []
    assert Event.objects.count() == 4
    # the GTIN however written (13 digits here) names the same product
    short = _event(
        "ObjectEvent",
        "2026-09-09T08:00:00+08:00",
        action="ADD",
        bizStep="commissioning",
        quantityList=[{"epcClass": "https://id.gs1.org/01/9521234543220/10/L9"}],
    )
    assert [e["code"] for e in capture(actor=enterprise, data=_document([short])).errors] == [
        "not_owner"
    ]
    # a product nobody produces yet binds no one
    theirs.producers.clear()
    assert capture(actor=enterprise, data=_document([short])).errors == []


XML_DOCUMENTS = sorted(
    path
    for path in (DATA.parent / "XML").rglob("*.xml")
    if b"EPCISDocument" in path.read_bytes()[:600]
)


@pytest.mark.parametrize("path", XML_DOCUMENTS, ids=lambda p: p.name)
def test_official_xml_examples_are_captured(path: Path) -> None:
    job = capture(actor=None, data=path.read_bytes())
    events = path.read_text(encoding="utf-8").count("Event>") // 2
    assert (job.success, job.errors) == (True, [])
    assert job.captured + job.repeated == events
    assert Event.objects.count() == job.captured


def test_an_xml_event_is_stored_as_its_json_ld_twin() -> None:
    xml = DATA.parent / "XML" / "Example_9.6.1-ObjectEvent-2020_06_18a.xml"
    capture(actor=None, data=xml.read_bytes())
    from_xml = [event.body for event in Event.objects.order_by("event_time")]
    twins = json.loads(OBJECT_EVENTS.read_text(encoding="utf-8"))["epcisBody"]["eventList"]
    for event in twins:
        del event["eventID"]  # the JSON example carries event hashes, the XML none
    twins[0]["eventTime"] = "2005-04-03T20:33:31.116-06:00"  # the same instant, written shorter
    assert from_xml == twins
    stored = Event.objects.order_by("event_time").first()
    assert stored is not None
    assert (stored.biz_step, stored.disposition, stored.read_point) == (
        "shipping",
        "in_transit",
        "urn:epc:id:sgln:0614141.07346.1234",
    )
    assert query({"EQ_bizStep": "receiving"}).events[0].body["bizLocation"] == {
        "id": "urn:epc:id:sgln:0012345.11111.0"
    }


def test_an_xml_event_without_a_time_zone_is_refused() -> None:
    xml = (DATA.parent / "XML" / "Example_9.6.1-ObjectEvent-2020_06_18a.xml").read_bytes()
    job = capture(
        actor=None,
        data=xml.replace(b"2005-04-04T20:33:31.116-06:00", b"2005-04-04T20:33:31.116"),
        behaviour="proceed",
    )
    assert [(e["location"], e["code"]) for e in job.errors] == [("line 28", "schema")]
    assert "eventTime" in job.errors[0]["message"]
    assert (job.captured, Event.objects.count()) == (0, 0)


def test_named_queries_follow_the_rest_binding(users: dict[str, Any], client_for: Any) -> None:
    capture(actor=None, data=_document(CHAIN))
    client = client_for(users["enterprise"])
    body = {"name": "shipped-lots", "query": {"EQ_bizStep": ["shipping", "packing"]}}
    created = client.post("/api/v1/epcis/queries", data=body, content_type="application/json")
    assert (created.status_code, created["Location"]) == (201, "/api/v1/epcis/queries/shipped-lots")
    again = client.post("/api/v1/epcis/queries", data=body, content_type="application/json")
    assert (again.status_code, again.json()["code"]) == (409, "already_exists")
    bad = client.post(
        "/api/v1/epcis/queries",
        data={"name": "no spaces", "query": {"EQ_bizStep": "shipping"}, "extra": 1},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert [(e["code"], e["field"]) for e in bad.json()["errors"]] == [
        ("unknown_member", "extra"),
        ("invalid_name", "name"),
        ("schema", "query/EQ_bizStep"),
    ]
    unsupported = client.post(
        "/api/v1/epcis/queries",
        data={"name": "by-quantity", "query": {"GE_quantity": 5}},
        content_type="application/json",
    )
    assert [(e["code"], e["field"]) for e in unsupported.json()["errors"]] == [
        ("unknown_parameter", "query/GE_quantity")
    ]
    assert client.get("/api/v1/epcis/queries").json() == [body]
    document = client.get("/api/v1/epcis/queries/shipped-lots/events").json()
    assert list(json_validator().iter_errors(document)) == []
    results = document["epcisBody"]["queryResults"]
    assert results["queryName"] == "shipped-lots"
    assert [e["bizStep"] for e in results["resultsBody"]["eventList"]] == ["packing", "shipping"]
    paged = client.get("/api/v1/epcis/queries/shipped-lots/events", {"perPage": "1"})
    assert (
        'rel="next"' in paged["Link"]
        and "/api/v1/epcis/queries/shipped-lots/events?" in paged["Link"]
    )
    assert (
        client_for(users["reviewer"]).delete("/api/v1/epcis/queries/shipped-lots").status_code
        == 403
    )
    assert client.delete("/api/v1/epcis/queries/shipped-lots").status_code == 204
    assert client.get("/api/v1/epcis/queries/shipped-lots").status_code == 404


@pytest.mark.parametrize(
    ("moment", "refused"),
    [
        ("0001-01-01T00:00:00+08:00", True),
        ("1899-12-31T12:00:00+00:00", True),
        ("2999-12-31T12:00:00+00:00", False),
        ("3000-01-01T12:00:00+00:00", True),
    ],
)
def test_an_event_time_no_database_holds_is_refused(moment: str, refused: bool) -> None:
    ancient = _event("ObjectEvent", moment, action="OBSERVE", epcList=[PALLET])
    job = capture(actor=None, data=_document([CHAIN[0], ancient]), behaviour="proceed")
    assert [(e["location"], e["code"]) for e in job.errors] == [
        ("/epcisBody/eventList/1/eventTime", "invalid_time")
    ] * refused
    assert (job.captured, Event.objects.count()) == (2 - refused, 2 - refused)


def test_an_impossible_reading_raises_no_alert() -> None:
    hot = _event(
        "ObjectEvent",
        "2026-09-04T12:00:00+08:00",
        action="OBSERVE",
        quantityList=[{"epcClass": LOT_B}],
        sensorElementList=[
            {"sensorReport": [{"type": "gs1:Temperature", "value": 1234567.0, "uom": "CEL"}]}
        ],
    )
    Product.objects.create(
        name="测试（测试数据）", gtin="09521234543220", max_celsius=8, source="测试"
    )
    assert capture(actor=None, data=_document([hot])).success is True  # not a reading: no alert
    assert ColdChainAlert.objects.count() == 0

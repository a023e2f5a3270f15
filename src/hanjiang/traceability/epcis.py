"""Checking EPCIS 2.0 documents as capture will: JSON-LD against the official JSON Schema, XML
against the official XSDs, then the identifiers they carry.

Rules:
- JSON is parsed with orjson and validated by a compiled validator (`jsonschema-rs`) against the
  official `EPCIS-JSON-Schema.json` (draft-07), formats included, so that a time without a zone
  offset is refused; every error is reported with its JSON pointer (`/epcisBody/eventList/0/...`);
- XML is parsed safely (no DTD loaded, no entity declared or expanded, no network; a bare
  `<!DOCTYPE name>` is tolerated, anything more refused) and validated against
  `EPCglobal-epcis-2_0.xsd` (or the query schema for query documents), each error with its line;
- after the schema, every GS1 Digital Link URI an event names (in `epcList`, `parentID`,
  `childEPCs`, the input and output lists, `quantityList` classes, `readPoint` and `bizLocation`)
  has its check digits verified; other URIs (EPC URNs, the platform's own) are left as they are;
- a document larger than 20 MB is refused before it is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from lxml import etree

from hanjiang.traceability.identifiers import IdentifierError, parse

SCHEMAS = Path(__file__).resolve().parent / "schemas"
MAX_BYTES = 20 * 1024 * 1024
# A bare `<!DOCTYPE name>` (as some official examples carry) declares nothing; anything more may.
BARE_DOCTYPE = re.compile(rb"<!DOCTYPE\s+[\w:.-]+\s*>")
DIGITAL_LINK = re.compile(r"^https?://[^/]+/(01|00|414)/")
ID_FIELDS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
CLASS_FIELDS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")


@dataclass(frozen=True)
class Problem:
    code: str
    location: str
    message: str | Promise

    def text(self) -> str:
        return f"{self.location}: {self.message}"


@dataclass
class Checked:
    kind: str = ""  # json, xml
    events: int = 0
    document: Any = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


@cache
def json_validator() -> Any:
    schema = orjson.loads((SCHEMAS / "EPCIS-JSON-Schema.json").read_bytes())
    return jsonschema_rs.validator_for(schema, validate_formats=True)


@cache
def xml_schema(name: str = "EPCglobal-epcis-2_0.xsd") -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "xsd" / name), _parser()))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _pointer(path: Any) -> str:
    return "/" + "/".join(str(part) for part in path) if path else "/"


def events_of(document: Any) -> list[Any]:
    body = document.get("epcisBody", {}) if isinstance(document, dict) else {}
    if "eventList" in body:
        return list(body["eventList"])
    results = body.get("queryResults", {}).get("resultsBody", {})
    return list(results.get("eventList", []))


def _identifiers(event: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for name in ID_FIELDS:
        for index, value in enumerate(event.get(name) or []):
            yield f"{name}/{index}", value
    for name in CLASS_FIELDS:
        for index, item in enumerate(event.get(name) or []):
            if isinstance(item, dict) and "epcClass" in item:
                yield f"{name}/{index}/epcClass", item["epcClass"]
    if "parentID" in event:
        yield "parentID", event["parentID"]
    for name in ("readPoint", "bizLocation"):
        if isinstance(event.get(name), dict) and "id" in event[name]:
            yield f"{name}/id", event[name]["id"]


def check_identifiers(events: list[Any], prefix: str) -> list[Problem]:
    problems = []
    for number, event in enumerate(events):
        if not isinstance(event, dict):
            continue
        for where, value in _identifiers(event):
            if isinstance(value, str) and DIGITAL_LINK.match(value):
                try:
                    parse(value)
                except IdentifierError as error:
                    problems.append(
                        Problem(error.code, f"{prefix}/{number}/{where}", error.message)
                    )
    return problems


def check_json(data: bytes) -> Checked:
    checked = Checked(kind="json")
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as failure:
        checked.problems.append(
            Problem(
                "malformed",
                f"byte {failure.pos}",
                _("Not valid JSON: %(reason)s") % {"reason": failure.msg},
            )
        )
        return checked
    for error in json_validator().iter_errors(document):
        checked.problems.append(Problem("schema", _pointer(error.instance_path), error.message))
    events = events_of(document)
    checked.document, checked.events = document, len(events)
    if not checked.problems:
        body = (
            "queryResults/resultsBody/eventList"
            if "queryResults" in document.get("epcisBody", {})
            else "eventList"
        )
        checked.problems.extend(check_identifiers(events, f"/epcisBody/{body}"))
    return checked


def check_xml(data: bytes) -> Checked:
    checked = Checked(kind="xml")
    if b"<!ENTITY" in data or (b"<!DOCTYPE" in data and not BARE_DOCTYPE.search(data)):
        checked.problems.append(
            Problem(
                "doctype_forbidden",
                "/",
                _("Document type declarations and entities are not accepted."),
            )
        )
        return checked
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else 0
        checked.problems.append(
            Problem(
                "malformed",
                f"line {line}",
                _("The XML is not well formed: %(reason)s") % {"reason": error.msg},
            )
        )
        return checked
    local = etree.QName(root).localname
    schema = xml_schema(
        "EPCglobal-epcis-query-2_0.xsd"
        if local == "EPCISQueryDocument"
        else "EPCglobal-epcis-2_0.xsd"
    )
    if not schema.validate(root):
        for entry in schema.error_log:
            checked.problems.append(Problem("schema", f"line {entry.line}", entry.message))
    checked.document = root
    checked.events = len(
        [
            element
            for element in root.iter()
            if isinstance(element.tag, str) and element.tag.endswith("Event")
        ]
    )
    if not checked.problems:
        for element in root.iter("epc", "parentID", "id", "epcClass"):
            value = (element.text or "").strip()
            if DIGITAL_LINK.match(value):
                try:
                    parse(value)
                except IdentifierError as error:
                    checked.problems.append(
                        Problem(error.code, f"line {element.sourceline}", error.message)
                    )
    return checked


def check(data: bytes) -> Checked:
    """JSON or XML by the first character that is not white space."""
    if len(data) > MAX_BYTES:
        return Checked(
            problems=[Problem("too_large", "/", _("The document is larger than 20 MB."))]
        )
    first = data.lstrip()[:1]
    if first in {b"{", b"["}:
        return check_json(data)
    if first == b"<" or data.startswith(b"\xef\xbb\xbf<"):
        return check_xml(data)
    return Checked(
        problems=[Problem("unknown_format", "/", _("Neither a JSON-LD nor an XML document."))]
    )

"""EPCIS 2.0 XML events read into the JSON-LD form the repository stores, so that an event
captured as XML is stored, queried and traced like the same event sent as JSON-LD.

Rules (the XML and JSON bindings of EPCIS 2.0 carry the same data model):
- each event element becomes an object whose `type` is the element's name; its children become
  members of the same name;
- identifier lists (`epcList`, `childEPCs`, `inputEPCList`, `outputEPCList` of `epc`) become
  lists of strings; quantity lists (of `quantityElement`) lists of `{epcClass, quantity, uom}`
  with the quantity as a number; `readPoint` and `bizLocation` `{id}`;
- `bizTransactionList`, `sourceList` and `destinationList` become lists of
  `{type, bizTransaction | source | destination}`; `persistentDisposition` `{set, unset}`;
  `errorDeclaration` `{declarationTime, reason, correctiveEventIDs}`; `sensorElementList` lists
  of `{sensorMetadata, sensorReport}` whose attributes become members, the numeric ones
  (`value`, `minValue`, `maxValue`, `meanValue`, `sDev`, `percRank`, `percValue`) numbers and
  `booleanValue` a boolean;
- CBV values written as URNs in XML are written as the bare CBV terms JSON-LD uses: business steps
  (`urn:epcglobal:cbv:bizstep:shipping` → `shipping`), dispositions, business transaction types,
  source and destination types and error reasons;
- elements of other namespaces (extensions, ILMD contents, user fields of sensor elements) become
  members named `prefix:name`, with their text (typed by `xsi:type` boolean, integer or decimal)
  or, when they have children, an object of the same kind; the document's namespace prefixes are
  added to the JSON-LD `@context`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
ID_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
PARTY_LISTS = {
    "bizTransactionList": "bizTransaction",
    "sourceList": "source",
    "destinationList": "destination",
}
CBV_PREFIXES = {
    "bizStep": "urn:epcglobal:cbv:bizstep:",
    "disposition": "urn:epcglobal:cbv:disp:",
    "bizTransaction": "urn:epcglobal:cbv:btt:",
    "source": "urn:epcglobal:cbv:sdt:",
    "destination": "urn:epcglobal:cbv:sdt:",
    "reason": "urn:epcglobal:cbv:er:",
}
NUMERIC = {"value", "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue"}
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


def _short(value: str, prefix: str) -> str:
    return value[len(prefix) :] if value.startswith(prefix) else value


def _number(text: str) -> int | float | str:
    """A number as JSON writes it; a text that is not a finite number stays text."""
    try:
        number = Decimal(text)
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text
    if number == number.to_integral_value() and "." not in text:
        return int(number)
    value = float(text)
    return value if math.isfinite(value) else text  # 1.5e400 is a finite decimal, no float


def _name(element: Any) -> str:
    """`prefix:local` for an element of a namespace, the local name otherwise."""
    qname = etree.QName(element)
    prefix = element.prefix if qname.namespace else None
    return f"{prefix}:{qname.localname}" if prefix else str(qname.localname)


def _attributes(element: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in element.attrib.items():
        qname = etree.QName(key)
        if qname.namespace:
            prefix = next(
                (p for p, uri in element.nsmap.items() if uri == qname.namespace and p), None
            )
            key = f"{prefix}:{qname.localname}" if prefix else qname.localname
        if key in NUMERIC:
            number = _number(value.strip())
            found[key] = float(number) if isinstance(number, int) else number
        elif key == "booleanValue":
            found[key] = value.strip() in {"true", "1"}
        else:
            found[key] = value
    return found


def _extension(element: Any) -> Any:
    """A user element: its typed text, or an object of its children and attributes."""
    children = [child for child in element if isinstance(child.tag, str)]
    if not children:
        text = (element.text or "").strip()
        kind = (element.get(XSI_TYPE) or "").rsplit(":", 1)[-1]
        if kind == "boolean":
            return text in {"true", "1"}
        if kind in {"integer", "int", "long", "decimal", "double", "float"}:
            return _number(text)
        attributes = {k: v for k, v in _attributes(element).items() if k != "xsi:type"}
        return attributes | ({"#text": text} if text and attributes else {}) or text
    found: dict[str, Any] = {}
    for child in children:
        _add(found, _name(child), _extension(child))
    return found


def _add(found: dict[str, Any], key: str, value: Any) -> None:
    """Repeated elements of one name become a list."""
    if key in found:
        if not isinstance(found[key], list):
            found[key] = [found[key]]
        found[key].append(value)
    else:
        found[key] = value


def _texts(element: Any) -> list[str]:
    return [(child.text or "").strip() for child in element if isinstance(child.tag, str)]


def _member(name: str, element: Any) -> Any:
    """The JSON value of a standard child element of an event."""
    if name in ID_LISTS:
        return _texts(element)
    if name in QUANTITY_LISTS:
        items = []
        for quantity in element:
            if not isinstance(quantity.tag, str):
                continue
            item: dict[str, Any] = {}
            for part in quantity:
                if isinstance(part.tag, str):
                    local = etree.QName(part).localname
                    text = (part.text or "").strip()
                    if text:  # an empty (nil) quantity is left out
                        item[local] = _number(text) if local == "quantity" else text
            items.append(item)
        return items
    if name in PARTY_LISTS:
        key = PARTY_LISTS[name]
        entries = []
        for child in element:
            if not isinstance(child.tag, str):
                continue
            entry: dict[str, Any] = {}
            if child.get("type"):
                entry["type"] = _short(child.get("type"), CBV_PREFIXES[key])
            entry[key] = (child.text or "").strip()
            entries.append(entry)
        return entries
    if name in {"readPoint", "bizLocation"}:
        return _object(element)
    if name == "persistentDisposition":
        found: dict[str, list[str]] = {}
        for child in element:
            if isinstance(child.tag, str):
                found.setdefault(etree.QName(child).localname, []).append(
                    _short((child.text or "").strip(), CBV_PREFIXES["disposition"])
                )
        return found
    if name == "errorDeclaration":
        return _object(element)
    if name == "sensorElementList":
        return [_sensor(child) for child in element if isinstance(child.tag, str)]
    if name == "ilmd":
        return _extension(element)
    text = (element.text or "").strip()
    if name in CBV_PREFIXES:
        return _short(text, CBV_PREFIXES[name])
    return text


def _members(
    element: Any, standard: Callable[[dict[str, Any], str, Any], None], found: dict[str, Any]
) -> dict[str, Any]:
    """The children of an element as members: those of other namespaces as extensions, the
    standard ones as `standard` puts them."""
    for child in element:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        if qname.namespace:
            _add(found, _name(child), _extension(child))
        else:
            standard(found, qname.localname, child)
    return found


def _object_member(found: dict[str, Any], name: str, child: Any) -> None:
    if name == "correctiveEventIDs":
        found[name] = _texts(child)
    elif name == "reason":
        found[name] = _short((child.text or "").strip(), CBV_PREFIXES["reason"])
    else:
        found[name] = (child.text or "").strip()


def _object(element: Any) -> dict[str, Any]:
    """readPoint, bizLocation or errorDeclaration: standard children and extensions."""
    return _members(element, _object_member, {})


def _sensor_member(found: dict[str, Any], name: str, child: Any) -> None:
    if name == "sensorMetadata":
        found[name] = _attributes(child)
    elif name == "sensorReport":
        found.setdefault(name, []).append(_attributes(child))


def _sensor(element: Any) -> dict[str, Any]:
    return _members(element, _sensor_member, {})


def _event_member(event: dict[str, Any], name: str, child: Any) -> None:
    if name == "extension":  # the EPCIS 1.x wrapper, read through
        event |= event_of(child) | {"type": event["type"]}
    else:
        _add(event, name, _member(name, child))


def event_of(element: Any) -> dict[str, Any]:
    """One XML event element as a JSON-LD event."""
    return _members(element, _event_member, {"type": etree.QName(element).localname})


def events_of_xml(root: Any) -> list[dict[str, Any]]:
    """The events of an EPCISDocument or EPCISQueryDocument, in document order."""
    return [
        event_of(element) for element in root.iter(*EVENT_TYPES) if isinstance(element.tag, str)
    ]


def context_of_xml(root: Any) -> list[Any]:
    """The JSON-LD context: the standard one and the document's own namespace prefixes."""
    standard = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
    own = {
        prefix: uri
        for element in root.iter()
        if isinstance(element.tag, str)
        for prefix, uri in element.nsmap.items()
        if prefix and prefix not in {"epcis", "xsi", "xsd", "epcisq"}
    }
    return [standard, own] if own else [standard]

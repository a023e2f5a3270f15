"""Identifiers, Digital Link, QR codes and the checking of EPCIS 2.0 documents."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from lxml import etree

from hanjiang.traceability.epcis import check
from hanjiang.traceability.identifiers import IdentifierError, gln, gtin, link, parse, qr_code, sscc

DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = sorted([*DATA.rglob("*.jsonld"), *DATA.rglob("*.xml")])
OBJECT_EVENT = DATA / "JSON" / "Example_9.6.1-ObjectEvent.jsonld"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_official_examples_pass(path: Path) -> None:
    checked = check(path.read_bytes())
    assert (checked.kind, checked.problems) == ("json" if path.suffix == ".jsonld" else "xml", [])


def test_identifiers_and_check_digits() -> None:
    assert gtin("9521234543213") == "09521234543213"
    assert gln("9521141123454") == "9521141123454"
    assert sscc("106141412345678908") == "106141412345678908"
    with translation.override("zh-hans"), pytest.raises(IdentifierError) as caught:
        gln("9521141123452")
    assert (caught.value.code, str(caught.value)) == (
        "check_digit",
        "GLN 9521141123452 的校验位应为 4。",
    )
    with pytest.raises(IdentifierError) as caught:
        gtin("95212345")
    assert caught.value.code == "check_digit"
    with pytest.raises(IdentifierError) as caught:
        gtin("12345")
    assert caught.value.code == "invalid_length"


def test_digital_links_are_built_and_parsed() -> None:
    lot = link(gtin_value="9521234543213", lot="XY2026/01", serial="7")
    assert lot.uri() == "https://id.gs1.org/01/09521234543213/10/XY2026%2F01/21/7"
    assert parse(lot.uri()) == lot
    assert parse("https://trace.example.cn/00/106141412345678908").sscc == "106141412345678908"
    location = parse("https://id.gs1.org/414/9521141123454/254/400")
    assert (location.gln, location.gln_extension) == ("9521141123454", "400")
    for uri, code in (
        ("https://id.gs1.org/01/09521234543214", "check_digit"),
        ("https://id.gs1.org/10/ABC/01/09521234543213", "unsupported_path"),
        ("https://id.gs1.org/01/09521234543213/10/" + "A" * 21, "invalid_attribute"),
        ("https://id.gs1.org/01/09521234543213/10/XY%202026", "invalid_attribute"),
        ("urn:epc:id:sgtin:0614141.107346.2017", "not_a_link"),
        ("https://id.gs1.org/01", "incomplete"),
    ):
        with pytest.raises(IdentifierError) as caught:
            parse(uri)
        assert caught.value.code == code, uri


def test_qr_codes_carry_the_link() -> None:
    svg = qr_code("https://id.gs1.org/01/09521234543213/10/XY2026")
    assert etree.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
    png = qr_code("https://id.gs1.org/01/09521234543213/10/XY2026", kind="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def _event_document(**changes: object) -> bytes:
    document = json.loads(OBJECT_EVENT.read_text(encoding="utf-8"))
    document["epcisBody"]["eventList"][0].update(changes)
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    ("changes", "code", "location"),
    [
        ({"type": "HarvestEvent"}, "schema", "/epcisBody/eventList/0/type"),
        ({"eventTime": "2005-04-03T20:33:31.116"}, "schema", "/epcisBody/eventList/0/eventTime"),
        (
            {"epcList": ["https://id.gs1.org/01/09521234543214/21/1"]},
            "check_digit",
            "/epcisBody/eventList/0/epcList/0",
        ),
    ],
    ids=["unknown-type", "no-offset", "check-digit"],
)
def test_bad_events_are_located(changes: dict[str, object], code: str, location: str) -> None:
    checked = check(_event_document(**changes))
    assert not checked.valid
    assert (checked.problems[0].code, checked.problems[0].location) == (code, location)


def test_hostile_and_unreadable_documents() -> None:
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<epcis:EPCISDocument xmlns:epcis='urn:epcglobal:epcis:xsd:2'>&x;</epcis:EPCISDocument>"
    )
    assert [p.code for p in check(xxe).problems] == ["doctype_forbidden"]
    assert [p.code for p in check(b'{"type": ').problems] == ["malformed"]
    assert [p.code for p in check(b"hello").problems] == ["unknown_format"]
    wrong = check(b"<epcis:EPCISDocument xmlns:epcis='urn:epcglobal:epcis:xsd:2'/>")
    assert wrong.problems and {p.code for p in wrong.problems} == {"schema"}


def test_the_command_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonld"
    bad.write_bytes(_event_document(eventTime="2005-04-03T20:33:31.116"))
    out = io.StringIO()
    call_command("trace", "validate", str(OBJECT_EVENT), stdout=out)
    assert out.getvalue().splitlines() == [
        f"{OBJECT_EVENT}: json 2 events OK",
        "1 of 1 files valid.",
    ]
    with pytest.raises(CommandError) as failure:
        call_command("trace", "validate", str(bad), stdout=io.StringIO())
    assert failure.value.returncode == 1


def test_digits_of_other_scripts_are_no_digits() -> None:
    # full-width and Arabic-Indic digits pass str.isdigit, not a GS1 key
    for value in ("９５２１２３４５４３２１３", "٩٥٢١٢٣٤٥٤٣٢١٣"):
        with pytest.raises(IdentifierError) as caught:
            gtin(value)
        assert caught.value.code == "invalid_length"


def test_xml_numbers_become_json_numbers_only_when_finite() -> None:
    from hanjiang.traceability.xml_binding import _number

    assert [_number(text) for text in ("12", "12.50", "1E2", "-0.5")] == [12, 12.5, 100, -0.5]
    # not finite, or beyond a float: kept as text, for the schema to refuse
    assert [_number(text) for text in ("NaN", "Infinity", "1.5e400", "twelve")] == [
        "NaN",
        "Infinity",
        "1.5e400",
        "twelve",
    ]

"""The format-check receipt (CEB900 `MessageReturn`) for a message that failed its checks, built
as the import schema defines it and validated against it.

Rules:
- `returnStatus` is negative for a format failure (the schema's annotation): `-1` when the XML
  cannot be read or is not a known message, `-2` when it fails the schema, `-3` when it passes
  the schema but breaks a business rule;
- `returnInfo` lists every error, one a line, `path [basis] code: message`, cut to the schema's
  5,000 characters (the cut is said at the end);
- `oriMessageType` is the message's root name, or `Unknown`; `oriBizMessage` carries the original
  message as text (in a CDATA section) when it is valid UTF-8;
- the receipt's own guid is new, in upper case; `returnTime` is `YYYYMMDDhhmmssSSS`.
"""

from __future__ import annotations

import uuid

from django.utils import timezone
from lxml import etree

from hanjiang.crossborder.messages import NS, Checked, schema

LIMIT = 5000


def return_status(checked: Checked) -> str:
    bases = {problem.basis for problem in checked.errors}
    if checked.tree is None or "xml" in bases:
        return "-1"
    if "xsd" in bases:
        return "-2"
    return "-3"


def return_info(checked: Checked) -> str:
    lines = [
        f"{problem.path} [{problem.basis}] {problem.code}: {problem.message}"
        for problem in checked.errors
    ]
    text = "\n".join(lines)
    if len(text) <= LIMIT:
        return text
    note = f"\n… ({len(lines)} errors in all)"
    return text[: LIMIT - len(note)] + note


def receipt(checked: Checked, original: bytes, cop_msg_id: str = "") -> bytes:
    """The CEB900 receipt of `checked` (a message that failed), as UTF-8 XML."""
    ceb = f"{{{NS}}}"
    guid = str(uuid.uuid4()).upper()
    root = etree.Element(f"{ceb}CEB900Message", nsmap={"ceb": NS}, guid=guid, version="1.0")
    body = etree.SubElement(root, f"{ceb}MessageReturn")
    now = timezone.localtime()
    values = [
        ("guid", guid),
        ("returnStatus", return_status(checked)),
        ("returnInfo", return_info(checked)),
        ("returnTime", now.strftime("%Y%m%d%H%M%S") + f"{now.microsecond // 1000:03d}"),
        ("oriCopMsgId", cop_msg_id[:255]),
        ("oriMessageType", checked.message_type),
    ]
    for name, value in values:
        etree.SubElement(body, f"{ceb}{name}").text = value
    try:
        text = original.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    etree.SubElement(body, f"{ceb}oriBizMessage").text = (
        etree.CDATA(_cdata_safe(text)) if text else ""
    )
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _cdata_safe(text: str) -> str:
    """A CDATA section cannot hold `]]>` or characters XML forbids: those are dropped."""
    allowed = "".join(
        char
        for char in text
        if char in "\t\n\r"
        or ("\x20" <= char <= "\ud7ff")
        or ("\ue000" <= char <= "\ufffd")
        or char > "\uffff"
    )
    return allowed.replace("\ufeff", "").replace("]]>", "]] >")


def receipt_is_valid(data: bytes) -> bool:
    return bool(schema("import").validate(etree.fromstring(data)))

"""Reading a customs CEB message safely, validating it against the official 2022-05 schemas and
then against the business rules of the specification (`rules`), with every problem located by
element path.

Rules:
- a message is UTF-8 XML with no document type declaration: a DOCTYPE (and so any entity, external
  or internal, and any entity expansion) is refused before anything is read from it; the parser
  neither loads DTDs nor reaches the network;
- the root is `CEBnnnMessage` in the namespace `http://www.chinaport.gov.cn/ceb`; the code picks
  the schema (import 311 … 900, export 303 … 792); anything else is `Unknown`;
- a signature, when present, is verified (digest and value; `signing`);
- the schema is checked first; the business rules run on every message that is well formed and of
  a known type, so one pass reports all the problems it can find (an element the schema refused is
  reported once, by the schema);
- each problem has a code, the XPath of the element (or the line, for XML that does not parse), a
  message, and its basis: `xsd` (the official schema), `spec` (a rule the specification states) or
  `derived` (a rule the platform derives from the specification's wording — its own pre-check).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from lxml import etree

if TYPE_CHECKING:
    from hanjiang.crossborder.rules import RowCache

NS = "http://www.chinaport.gov.cn/ceb"
PREFIXES = {NS: "ceb", "http://www.w3.org/2000/09/xmldsig#": "ds"}
SCHEMAS = Path(__file__).resolve().parent / "schemas"
IMPORT_CODES = frozenset(
    {"311", "312", "411", "412", "511", "512", "513", "514", "621", "622", "623", "624", "625"}
    | {"626", "711", "712", "816", "818", "900"}
)
EXPORT_CODES = frozenset(
    {"303", "304", "403", "404", "505", "506", "507", "508", "509", "510", "603", "604", "605"}
    | {"606", "607", "608", "213", "214", "215", "216", "701", "702", "792"}
)
ROOT = re.compile(r"^CEB(\d{3})Message$")
DECLARATION_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Problem:
    code: str
    path: str
    message: str | Promise
    basis: str = "xsd"  # xsd, spec, derived, xml
    severity: str = "error"  # error, or warning (reported; the message still passes)

    def text(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass
class Checked:
    """The outcome of checking one message: its type (`CEB311Message`, or `Unknown`), its guid, the
    parsed tree when it parsed, and every problem found."""

    message_type: str = "Unknown"
    guid: str = ""
    tree: etree._Element | None = None
    problems: list[Problem] = field(default_factory=list)
    rows: RowCache | None = None  # the items the rules read, for the intake to read on

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def code(self) -> str:
        found = ROOT.match(self.message_type)
        return found.group(1) if found else ""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=False,
    )


@cache
def schema(direction: str) -> etree.XMLSchema:
    """The official schema of `import` or `export` messages (read once; its xmldsig import is
    resolved from the same folder)."""
    path = SCHEMAS / f"ceb-{direction}-202205.xsd"
    return etree.XMLSchema(etree.parse(str(path), _parser()))


def direction_of(code: str) -> str | None:
    if code in IMPORT_CODES:
        return "import"
    if code in EXPORT_CODES:
        return "export"
    return None


def parse(data: bytes, checked: Checked) -> etree._Element | None:
    """The message's root element, or None with the reason in `checked.problems`."""
    if len(data) > MAX_BYTES:
        checked.problems.append(
            Problem("too_large", "/", _("The message is larger than 10 MB."), "xml")
        )
        return None
    declared = DECLARATION_ENCODING.match(data)
    if declared and declared.group(1).decode("ascii").lower().replace("_", "-") not in {
        "utf-8",
        "utf8",
    }:
        checked.problems.append(
            Problem(
                "encoding",
                "/",
                _("The message declares the encoding %(encoding)s; it must be UTF-8.")
                % {"encoding": declared.group(1).decode("ascii")},
                "spec",
            )
        )
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as error:
        checked.problems.append(
            Problem(
                "encoding",
                "/",
                _("The message is not UTF-8 (byte %(offset)s).") % {"offset": error.start},
                "spec",
            )
        )
        return None
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        checked.problems.append(
            Problem(
                "doctype_forbidden",
                "/",
                _("Document type declarations and entities are not accepted."),
                "xml",
            )
        )
        return None
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else 0
        checked.problems.append(
            Problem(
                "malformed",
                f"line {line}",
                _("The XML is not well formed: %(reason)s") % {"reason": error.msg},
                "xml",
            )
        )
        return None
    return root


def check(data: bytes) -> Checked:
    """Parse, validate against the schema and apply the business rules (see the module's rules)."""
    from hanjiang.crossborder.rules import RowCache, apply_rules
    from hanjiang.crossborder.signing import verify

    checked = Checked(rows=RowCache())
    root = parse(data, checked)
    if root is None:
        return checked
    local = etree.QName(root).localname
    found = ROOT.match(local)
    if etree.QName(root).namespace != NS or found is None or direction_of(found.group(1)) is None:
        checked.problems.append(
            Problem(
                "unknown_message",
                f"/{root.tag}",
                _("“%(root)s” is not a customs CEB message of the 2022-05 edition.")
                % {"root": local},
                "xsd",
            )
        )
        return checked
    checked.message_type = local
    checked.guid = root.get("guid", "")
    checked.tree = root
    validator = schema(direction_of(found.group(1)) or "import")
    if not validator.validate(root):
        for entry in validator.error_log:
            checked.problems.append(
                Problem("schema", _schema_path(root, entry), entry.message, "xsd")
            )
    checked.problems.extend(verify(root))
    # Where the schema already refused an element (a currency it fixes at 142 …), its message
    # stands alone.
    refused = {problem.path for problem in checked.problems}
    checked.problems.extend(
        problem
        for problem in apply_rules(
            found.group(1), root, schema_valid=not refused, rows=checked.rows
        )
        if problem.path not in refused
    )
    return checked


def path_of(element: etree._Element) -> str:
    """The element's path, each step `ceb:name` (whatever prefix the message used), with its
    position among same-named siblings where there are several: `/ceb:CEB311Message/ceb:Order/
    ceb:OrderList[2]/ceb:qty`."""
    steps = []
    current: etree._Element | None = element
    while current is not None:
        qname = etree.QName(current)
        prefix = PREFIXES.get(qname.namespace or "")
        name = f"{prefix}:{qname.localname}" if prefix else qname.localname
        parent = current.getparent()
        if parent is not None:
            same = [sibling for sibling in parent if sibling.tag == current.tag]
            if len(same) > 1:
                name += f"[{same.index(current) + 1}]"
        steps.append(name)
        current = parent
    return "/" + "/".join(reversed(steps))


def _schema_path(root: etree._Element, entry: etree._LogEntry) -> str:
    """The schema error's element in the same form as `path_of`, or its line."""
    if entry.path:
        prefixes = {prefix: uri for prefix, uri in root.nsmap.items() if prefix}
        try:
            found = root.getroottree().xpath(entry.path, namespaces=prefixes)
        except etree.XPathError:
            found = []
        if isinstance(found, list) and len(found) == 1 and isinstance(found[0], etree._Element):
            return path_of(found[0])
    return f"line {entry.line}"

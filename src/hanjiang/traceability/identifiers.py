"""GS1 identifiers on packs and in events: GTIN, GLN and SSCC with their check digits, GS1 Digital
Link URIs for products, lots and serials, and QR codes of those URIs.

Rules:
- a GTIN has 8, 12, 13 or 14 digits and is kept as 14 (left-padded with zeros); a GLN has 13
  digits; an SSCC 18 (extension digit, company prefix, serial reference); the last digit of each
  is the GS1 mod-10 check digit (python-stdnum computes it);
- a Digital Link URI is `https://<domain>/01/<GTIN-14>` with, in this order, `/10/<lot>` and/or
  `/21/<serial>`; `/00/<SSCC>` for logistic units; `/414/<GLN>` (with `/254/<extension>`) for
  locations; lots and serials are 1–20 characters of GS1's AI character set 82, percent-encoded
  in the path;
- a QR code carries the Digital Link URI, in SVG or PNG.
"""

from __future__ import annotations

import functools
import io
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

import segno
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum import ean

DEFAULT_DOMAIN = "https://id.gs1.org"
# GS1 AI encodable character set 82 (General Specifications, figure 7.11-1).
CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")
# scheme, authority and path of a URI (RFC 3986, appendix B); the query and fragment are ignored.
URI = re.compile(r"^([^:/?#]+):(?://([^/?#]*))?([^?#]*)")


class IdentifierError(ValueError):
    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


@functools.lru_cache(maxsize=65536)  # the same GTINs recur through a whole capture
def _digits(value: str, lengths: tuple[int, ...], kind: str) -> str:
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or len(value) not in lengths:
        raise IdentifierError(
            "invalid_length",
            _("A %(kind)s has %(lengths)s digits: “%(value)s”.")
            % {"kind": kind, "lengths": " / ".join(map(str, lengths)), "value": value},
        )
    expected = ean.calc_check_digit(value[:-1])
    if value[-1] != expected:
        raise IdentifierError(
            "check_digit",
            _("The check digit of %(kind)s %(value)s should be %(expected)s.")
            % {"kind": kind, "value": value, "expected": expected},
        )
    return value


def gtin(value: str) -> str:
    """The GTIN as 14 digits, or IdentifierError."""
    return _digits(value, (8, 12, 13, 14), "GTIN").zfill(14)


def gln(value: str) -> str:
    return _digits(value, (13,), "GLN")


def sscc(value: str) -> str:
    return _digits(value, (18,), "SSCC")


def _attribute(value: str, name: str) -> str:
    if not CSET82.match(value):
        raise IdentifierError(
            "invalid_attribute",
            _("A %(name)s has 1 to 20 characters of the GS1 character set: “%(value)s”.")
            % {"name": name, "value": value},
        )
    return value


@dataclass(frozen=True)
class DigitalLink:
    """The keys a Digital Link URI carries."""

    gtin: str = ""
    lot: str = ""
    serial: str = ""
    sscc: str = ""
    gln: str = ""
    gln_extension: str = ""
    domain: str = DEFAULT_DOMAIN

    def uri(self) -> str:
        if self.sscc:
            return f"{self.domain}/00/{self.sscc}"
        if self.gln:
            extension = f"/254/{quote(self.gln_extension, safe='')}" if self.gln_extension else ""
            return f"{self.domain}/414/{self.gln}{extension}"
        path = f"/01/{self.gtin}"
        if self.lot:
            path += f"/10/{quote(self.lot, safe='')}"
        if self.serial:
            path += f"/21/{quote(self.serial, safe='')}"
        return self.domain + path


def link(
    *, gtin_value: str, lot: str = "", serial: str = "", domain: str = DEFAULT_DOMAIN
) -> DigitalLink:
    return DigitalLink(
        gtin=gtin(gtin_value),
        lot=_attribute(lot, "lot") if lot else "",
        serial=_attribute(serial, "serial number") if serial else "",
        domain=domain.rstrip("/"),
    )


@functools.lru_cache(maxsize=16384)
def parse(uri: str) -> DigitalLink:
    """The keys of a Digital Link URI, checked, or IdentifierError naming what is wrong."""
    parts = URI.match(uri.strip())
    scheme, netloc, path = parts.groups() if parts else ("", "", "")
    if scheme.lower() not in {"http", "https"} or not netloc:
        raise IdentifierError("not_a_link", _("“%(uri)s” is not an http(s) URI.") % {"uri": uri})
    segments = [unquote(segment) for segment in path.strip("/").split("/")]
    domain = f"{scheme.lower()}://{netloc}"
    pairs = dict(zip(segments[0::2], segments[1::2], strict=False))
    if len(segments) % 2:
        raise IdentifierError(
            "incomplete",
            _("Each application identifier needs its value: “%(uri)s”.") % {"uri": uri},
        )
    order = [segments[i] for i in range(0, len(segments), 2)]
    if order and order[0] == "00" and len(order) == 1:
        return DigitalLink(sscc=sscc(pairs["00"]), domain=domain)
    if order and order[0] == "414" and order[1:] in ([], ["254"]):
        return DigitalLink(
            gln=gln(pairs["414"]),
            gln_extension=_attribute(pairs.get("254", ""), "GLN extension")
            if "254" in pairs
            else "",
            domain=domain,
        )
    if order not in (["01"], ["01", "10"], ["01", "21"], ["01", "10", "21"]):
        raise IdentifierError(
            "unsupported_path",
            _(
                "“%(uri)s” is not a product (/01), lot (/01/…/10), serial (/01/…/21), "
                "SSCC (/00) or location (/414) link."
            )
            % {"uri": uri},
        )
    return DigitalLink(
        gtin=gtin(pairs["01"]),
        lot=_attribute(pairs["10"], "lot") if "10" in pairs else "",
        serial=_attribute(pairs["21"], "serial number") if "21" in pairs else "",
        domain=domain,
    )


def qr_code(uri: str, kind: str = "svg", scale: int = 4) -> bytes:
    """The QR code of a URI, as SVG or PNG."""
    code = segno.make(uri, error="m")
    buffer = io.BytesIO()
    code.save(buffer, kind=kind, scale=scale, border=4)
    return buffer.getvalue()

"""Signing CEB messages and verifying their signatures: XML-DSig enveloped signatures as the
specification describes them (C14N 2001, one reference to the whole document with the
enveloped-signature transform, `KeyInfo` with `KeyName` and the X.509 certificate).

Rules:
- a `Signer` names its signature and digest methods and signs bytes; two work out of the box:
  `RsaSha1Signer` (RSA PKCS#1 v1.5 over SHA-1, `xmldsig#rsa-sha1` and `xmldsig#sha1`, the legacy
  methods) and `Sm2Sm3Signer` (SM2 signature with SM3, `chinaport.gov.cn/2022/04/xmldsig#sm2-sm3`
  and `#sm3`, for a key held in software); a key held in the enterprise's customs-issued device
  signs behind the same interface;
- SM2 follows GB/T 32918.2 with the default signer id `1234567812345678` of GM/T 0009, the value
  DER-encoded as GM/T 0009 defines it (`SEQUENCE {r, s}`) — the encoding the customs exchange
  expects is not in the public sources;
- the digest is taken over the canonical form of the message without its `ds:Signature`, with the
  method `DigestMethod` names; the signature over the canonical form of `SignedInfo` in place;
- the signature goes last, except that in export messages it goes before `ExtendMessage` (the
  schemas' orders);
- the platform signs, with the signer its settings name (`CROSSBORDER_SIGNER`), the outbound
  messages that carry no signature; a message its sender signed goes as it was signed;
- verification recomputes the digest and checks the signature with the certificate's public key,
  for both pairs of methods; any other method, or a digest method that does not go with the
  signature method, is refused (a signature that cannot be verified is not taken as one); the
  certificate's chain of trust is not checked here (the exchange does that);
- a certificate is known by its fingerprint, the SHA-256 of its DER form; an enterprise files the
  certificates it signs with (`read_certificates`), and intake checks a signed message's
  certificate against the sender's filing and its validity at receipt.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from lxml import etree
from tongsuopy.crypto import hashes as sm_hashes
from tongsuopy.crypto import serialization as sm_serialization
from tongsuopy.crypto.asymciphers import ec as sm_ec
from tongsuopy.crypto.exceptions import InternalError as SmInternalError
from tongsuopy.crypto.exceptions import InvalidSignature as SmInvalidSignature
from tongsuopy.crypto.exceptions import UnsupportedAlgorithm as SmUnsupportedAlgorithm

from hanjiang.crossborder.messages import NS, Problem, direction_of, path_of

DS = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
SM2_SM3 = "http://www.chinaport.gov.cn/2022/04/xmldsig#sm2-sm3"
SM3 = "http://www.chinaport.gov.cn/2022/04/xmldsig#sm3"
SM2_CURVE = "1.2.156.10197.1.301"  # the SM2 curve's object identifier
SM_ERRORS = (SmInvalidSignature, SmInternalError, SmUnsupportedAlgorithm)


class Signer(Protocol):
    signature_method: str
    digest_method: str
    key_name: str
    certificate_der: bytes

    def digest(self, data: bytes) -> bytes: ...

    def sign(self, data: bytes) -> bytes: ...


class RsaSha1Signer:
    """RSA-SHA1 with a private key and its X.509 certificate (PEM)."""

    signature_method = RSA_SHA1
    digest_method = SHA1

    def __init__(self, private_key_pem: bytes, certificate_pem: bytes) -> None:
        key = serialization.load_pem_private_key(private_key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("An RSA private key is needed.")
        self.key = key
        certificate = x509.load_pem_x509_certificate(certificate_pem)
        self.certificate_der = certificate.public_bytes(serialization.Encoding.DER)
        self.key_name = format(certificate.serial_number, "x")

    def digest(self, data: bytes) -> bytes:
        return _sha1(data)

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303


class Sm2Sm3Signer:
    """SM2 with SM3, a private key (PEM, PKCS#8 or SEC 1) and its X.509 certificate (PEM)."""

    signature_method = SM2_SM3
    digest_method = SM3

    def __init__(self, private_key_pem: bytes, certificate_pem: bytes) -> None:
        try:
            key = sm_serialization.load_pem_private_key(private_key_pem, password=None)
        except (ValueError, TypeError, SmUnsupportedAlgorithm):
            key = None
        if not isinstance(key, sm_ec.EllipticCurvePrivateKey) or key.curve.name != "SM2":
            raise ValueError("An SM2 private key is needed.")
        self.key = key
        certificate = x509.load_pem_x509_certificate(certificate_pem)
        self.certificate_der = certificate.public_bytes(serialization.Encoding.DER)
        self.key_name = format(certificate.serial_number, "x")
        try:
            public_key = _public_der(_sm2_public_key(self.certificate_der))
        except ValueError:
            public_key = b""
        if public_key != _public_der(key.public_key()):
            raise ValueError("The certificate is not the private key's.")

    def digest(self, data: bytes) -> bytes:
        return _sm3(data)

    def sign(self, data: bytes) -> bytes:
        return bytes(self.key.sign(data, sm_ec.ECDSA(sm_hashes.SM3())))


def _sha1(data: bytes) -> bytes:
    return hashlib.sha1(data).digest()  # noqa: S324 - the customs' legacy method


def _sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def _public_der(key: Any) -> bytes:
    return bytes(
        key.public_bytes(
            sm_serialization.Encoding.DER, sm_serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _sm2_public_key(certificate_der: bytes) -> Any:
    """The SM2 public key of a certificate (the `cryptography` package does not read SM2 keys)."""
    info = asn1_x509.Certificate.load(certificate_der).public_key
    if info.algorithm != "ec" or info.curve != ("named", SM2_CURVE):
        raise ValueError("not an SM2 key")
    key = sm_serialization.load_der_public_key(info.dump())
    if not isinstance(key, sm_ec.EllipticCurvePublicKey):
        raise ValueError("not an SM2 key")
    return key


def fingerprint(certificate_der: bytes) -> str:
    """The certificate's SHA-256 fingerprint, in hexadecimal."""
    return hashlib.sha256(certificate_der).hexdigest()


PEM_BEGIN = re.compile(rb"-----BEGIN [^\r\n]*-----")
NAME_KEYS = {
    "common_name": "CN",
    "organization_name": "O",
    "organizational_unit_name": "OU",
    "country_name": "C",
    "state_or_province_name": "ST",
    "locality_name": "L",
    "serial_number": "SERIALNUMBER",
    "email_address": "E",
}


def _name(name: Any) -> str:
    """A certificate name as `CN=…, O=…` (the attributes in the certificate's order)."""
    parts = []
    for key, value in name.native.items():
        for one in value if isinstance(value, list) else [value]:
            parts.append(f"{NAME_KEYS.get(key, key)}={one}")
    return ", ".join(parts)


def certificate_summary(certificate_der: bytes) -> dict[str, str]:
    """What a filing keeps of a certificate: fingerprint, subject, issuer, serial number (hex),
    validity (ISO 8601, UTC), key algorithm and the certificate itself (PEM). ValueError when the
    bytes are not an X.509 certificate."""
    try:
        certificate = asn1_x509.Certificate.load(certificate_der, strict=True)
        info = certificate.public_key
        key = info.algorithm.upper()
        if info.algorithm == "ec":
            key = "SM2" if info.curve == ("named", SM2_CURVE) else f"EC {info.curve[1]}"
        # The validity as `cryptography` reads it: UTC, and refused when not a real time (a
        # GeneralizedTime without its zone, year 0 …).
        parsed = x509.load_der_x509_certificate(certificate_der)
        summary = {
            "fingerprint": fingerprint(certificate_der),
            "subject": _name(certificate.subject),
            "issuer": _name(certificate.issuer),
            "serial": format(certificate.serial_number, "X"),
            "not_before": parsed.not_valid_before_utc.isoformat(),
            "not_after": parsed.not_valid_after_utc.isoformat(),
            "key": key,
        }
    except (ValueError, TypeError, KeyError, AttributeError) as error:
        raise ValueError("not an X.509 certificate") from error
    pem = asn1_pem.armor("CERTIFICATE", certificate_der).decode("ascii")
    return summary | {"pem": pem}


def read_certificates(text: str) -> list[dict[str, str] | None]:
    """The certificates of a PEM text, block by block in order: each one's summary
    (`certificate_summary`), or None for a block that is not a readable certificate (cut short,
    another kind of block, not Base64 …) and for text before the first block."""
    data = text.strip().encode("utf-8", errors="replace")
    if not data:
        return []
    starts = [found.start() for found in PEM_BEGIN.finditer(data)]
    if not starts:
        return [None]
    blocks: list[dict[str, str] | None] = [None] * bool(data[: starts[0]].strip())
    for start, end in zip(starts, [*starts[1:], len(data)], strict=True):
        try:
            kind, _headers, der = asn1_pem.unarmor(data[start:end])
            blocks.append(certificate_summary(der) if kind == "CERTIFICATE" else None)
        except ValueError:
            blocks.append(None)
    return blocks


def _rsa_sha1_verifies(certificate_der: bytes, value: bytes, data: bytes) -> bool:
    public_key = x509.load_der_x509_certificate(certificate_der).public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        return False
    try:
        public_key.verify(value, data, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    except InvalidSignature:
        return False
    return True


def _sm2_sm3_verifies(certificate_der: bytes, value: bytes, data: bytes) -> bool:
    try:
        _sm2_public_key(certificate_der).verify(value, data, sm_ec.ECDSA(sm_hashes.SM3()))
    except SM_ERRORS:  # a value that is not DER raises an internal error
        return False
    return True


# Signature methods and digest methods verified here.
SIGNATURES: dict[str, Callable[[bytes, bytes, bytes], bool]] = {
    RSA_SHA1: _rsa_sha1_verifies,
    SM2_SM3: _sm2_sm3_verifies,
}
DIGESTS: dict[str, Callable[[bytes], bytes]] = {SHA1: _sha1, SM3: _sm3}
# The digest method that goes with each signature method.
PAIRS = {RSA_SHA1: SHA1, SM2_SM3: SM3}


def configured_signer() -> Signer | None:
    """The platform's signer of unsigned outbound messages (`CROSSBORDER_SIGNER`), or None."""
    if not settings.CROSSBORDER_SIGNER:
        return None
    signer_class = import_string(settings.CROSSBORDER_SIGNER)
    return signer_class(  # type: ignore[no-any-return]
        Path(settings.CROSSBORDER_SIGNING_KEY).read_bytes(),
        Path(settings.CROSSBORDER_SIGNING_CERTIFICATE).read_bytes(),
    )


def is_signed(data: bytes) -> bool:
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    return root.find(_ds("Signature")) is not None


def _ds(name: str) -> str:
    return f"{{{DS}}}{name}"


def _c14n(element: etree._Element) -> bytes:
    return bytes(etree.tostring(element, method="c14n"))


def _remove(element: etree._Element) -> None:
    """Remove an element but not the text after it (as the enveloped-signature transform)."""
    parent = element.getparent()
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


def _without_signature(root: etree._Element) -> etree._Element:
    copy = etree.fromstring(etree.tostring(root))
    for signature in copy.findall(_ds("Signature")):
        _remove(signature)
    return copy


def sign(data: bytes, signer: Signer) -> bytes:
    """The message with an enveloped signature (any signature it had is replaced)."""
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    for old in root.findall(_ds("Signature")):
        _remove(old)
    digest_value = base64.b64encode(signer.digest(_c14n(root))).decode("ascii")
    signature = etree.Element(_ds("Signature"), nsmap={"ds": DS})
    signed_info = etree.SubElement(signature, _ds("SignedInfo"))
    etree.SubElement(signed_info, _ds("CanonicalizationMethod"), Algorithm=C14N)
    etree.SubElement(signed_info, _ds("SignatureMethod"), Algorithm=signer.signature_method)
    reference = etree.SubElement(signed_info, _ds("Reference"), URI="")
    transforms = etree.SubElement(reference, _ds("Transforms"))
    etree.SubElement(transforms, _ds("Transform"), Algorithm=ENVELOPED)
    etree.SubElement(reference, _ds("DigestMethod"), Algorithm=signer.digest_method)
    etree.SubElement(reference, _ds("DigestValue")).text = digest_value
    value = etree.SubElement(signature, _ds("SignatureValue"))
    key_info = etree.SubElement(signature, _ds("KeyInfo"))
    etree.SubElement(key_info, _ds("KeyName")).text = signer.key_name
    x509_data = etree.SubElement(key_info, _ds("X509Data"))
    etree.SubElement(x509_data, _ds("X509Certificate")).text = base64.b64encode(
        signer.certificate_der
    ).decode("ascii")
    extend = root.find(f"{{{NS}}}ExtendMessage")
    if direction_of(etree.QName(root).localname[3:6]) == "export" and extend is not None:
        extend.addprevious(signature)
    else:
        root.append(signature)
    value.text = base64.b64encode(signer.sign(_c14n(signed_info))).decode("ascii")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def verify(root: etree._Element) -> list[Problem]:
    """The problems of the message's signature (none when it is valid or absent)."""
    signature = root.find(_ds("Signature"))
    if signature is None:
        return []
    signed_info = signature.find(_ds("SignedInfo"))
    method = signature.find(f"{_ds('SignedInfo')}/{_ds('SignatureMethod')}")
    digest_method = signature.find(f".//{_ds('DigestMethod')}")
    signature_algorithm = method.get("Algorithm", "") if method is not None else ""
    digest_algorithm = digest_method.get("Algorithm", "") if digest_method is not None else ""
    if method is not None and signature_algorithm not in SIGNATURES:
        return [
            Problem(
                "signature_method",
                path_of(method),
                _(
                    "The signature method %(method)s is not one of the specification's "
                    "(SM2-SM3, RSA-SHA1)."
                )
                % {"method": signature_algorithm},
                "platform",
            )
        ]
    if digest_method is not None and PAIRS.get(signature_algorithm) != digest_algorithm:
        return [
            Problem(
                "signature_method",
                path_of(digest_method),
                _("The digest method %(digest)s does not go with the signature method %(method)s.")
                % {"digest": digest_algorithm, "method": signature_algorithm},
                "platform",
            )
        ]
    digest_element = signature.find(f".//{_ds('DigestValue')}")
    value_element = signature.find(_ds("SignatureValue"))
    certificate_element = signature.find(f".//{_ds('X509Certificate')}")
    if any(
        item is None
        for item in (
            method,
            digest_method,
            digest_element,
            value_element,
            certificate_element,
            signed_info,
        )
    ):
        return [
            Problem(
                "signature_invalid",
                path_of(signature),
                _("The signature is incomplete."),
                "platform",
            )
        ]
    assert method is not None and digest_method is not None  # noqa: S101
    assert digest_element is not None and value_element is not None  # noqa: S101
    assert certificate_element is not None and signed_info is not None  # noqa: S101
    digest = DIGESTS[digest_method.get("Algorithm", "")]
    digest_value = base64.b64encode(digest(_c14n(_without_signature(root)))).decode("ascii")
    if digest_value != (digest_element.text or "").strip():
        return [
            Problem(
                "signature_invalid",
                path_of(digest_element),
                _("The signature does not match the message: it was changed after signing."),
                "platform",
            )
        ]
    try:
        verifies = SIGNATURES[method.get("Algorithm", "")](
            base64.b64decode("".join((certificate_element.text or "").split())),
            base64.b64decode("".join((value_element.text or "").split())),
            _c14n(signed_info),
        )
    except (ValueError, UnsupportedAlgorithm, *SM_ERRORS):  # not Base64, DER, a certificate …
        verifies = False
    if not verifies:
        return [
            Problem(
                "signature_invalid",
                path_of(value_element),
                _("The signature value does not verify with the certificate."),
                "platform",
            )
        ]
    return []

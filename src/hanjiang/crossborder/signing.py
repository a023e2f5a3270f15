"""Signing CEB messages and verifying their signatures: XML-DSig enveloped signatures as the
specification describes them (C14N 2001, one reference to the whole document with the
enveloped-signature transform, `KeyInfo` with `KeyName` and the X.509 certificate).

Rules:
- a `Signer` names its signature and digest methods and signs bytes; `RsaSha1Signer` (RSA
  PKCS#1 v1.5 over SHA-1, `xmldsig#rsa-sha1` and `xmldsig#sha1`) works out of the box; an SM2/SM3
  signer (`chinaport.gov.cn/2022/04/xmldsig#sm2-sm3`) fits the same interface, its keys being held
  in the enterprise's customs-issued device;
- the digest is taken over the canonical form of the message without its `ds:Signature`; the
  signature over the canonical form of `SignedInfo` in place;
- the signature goes last, except that in export messages it goes before `ExtendMessage` (the
  schemas' orders);
- verification recomputes the digest and checks the signature with the certificate's public key;
  the certificate's chain of trust is not checked here (the exchange does that).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.utils.translation import gettext_lazy as _
from lxml import etree

from hanjiang.crossborder.messages import NS, Problem, direction_of, path_of

DS = "http://www.w3.org/2000/09/xmldsig#"
C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
RSA_SHA1 = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"


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
        return hashlib.sha1(data).digest()  # noqa: S324 - the customs' legacy method

    def sign(self, data: bytes) -> bytes:
        return self.key.sign(data, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303


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
    method = signature.find(f"{_ds('SignedInfo')}/{_ds('SignatureMethod')}")
    algorithm = method.get("Algorithm") if method is not None else ""
    if algorithm != RSA_SHA1:
        return [
            Problem(
                "signature_method",
                path_of(method if method is not None else signature),
                _("The signature method %(method)s cannot be verified here.")
                % {"method": algorithm},
                "platform",
                "warning",
            )
        ]
    digest_element = signature.find(f".//{_ds('DigestValue')}")
    value_element = signature.find(_ds("SignatureValue"))
    certificate_element = signature.find(f".//{_ds('X509Certificate')}")
    signed_info = signature.find(_ds("SignedInfo"))
    if any(
        item is None for item in (digest_element, value_element, certificate_element, signed_info)
    ):
        return [
            Problem(
                "signature_invalid",
                path_of(signature),
                _("The signature is incomplete."),
                "platform",
            )
        ]
    assert digest_element is not None and value_element is not None  # noqa: S101
    assert certificate_element is not None and signed_info is not None  # noqa: S101
    digest_value = base64.b64encode(
        hashlib.sha1(_c14n(_without_signature(root))).digest()  # noqa: S324
    ).decode("ascii")
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
        certificate = x509.load_der_x509_certificate(
            base64.b64decode("".join((certificate_element.text or "").split()))
        )
        public_key = certificate.public_key()
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise ValueError("not RSA")
        public_key.verify(
            base64.b64decode("".join((value_element.text or "").split())),
            _c14n(signed_info),
            padding.PKCS1v15(),
            hashes.SHA1(),  # noqa: S303
        )
    except (InvalidSignature, ValueError):
        return [
            Problem(
                "signature_invalid",
                path_of(value_element),
                _("The signature value does not verify with the certificate."),
                "platform",
            )
        ]
    return []

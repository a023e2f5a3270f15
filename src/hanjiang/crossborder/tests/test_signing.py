"""Signatures: SM2 with SM3 and RSA with SHA-1 behind one interface, checked against OpenSSL;
the platform signing what its senders did not.

`data/sm2/` holds a test key and its self-signed certificate made with OpenSSL 3
(`openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:SM2`, `openssl req -x509 -sm3`), and
the synthetic order signed by this module's `sign` with its signature value then replaced by one
OpenSSL computed (`openssl pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678`).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any, ClassVar

import pytest
from asn1crypto.algos import DSASignature
from cryptography.hazmat.primitives import serialization
from lxml import etree

from hanjiang.crossborder.exchange import Simulator, declare, unwrap
from hanjiang.crossborder.messages import check
from hanjiang.crossborder.models import Inventory, Message
from hanjiang.crossborder.signing import DS, RSA_SHA1, SM2_SM3, SM3, Sm2Sm3Signer, sign
from hanjiang.crossborder.tests.conftest import SM2_CERTIFICATE, SM2_KEY, declare_trade

DATA = Path(__file__).resolve().parent / "data"
ORDER = (DATA / "CEB311-synthetic.xml").read_bytes()
SIGNATURE = "/ceb:CEB311Message/ds:Signature"


@pytest.fixture(scope="module")
def sm2_signer() -> Sm2Sm3Signer:
    return Sm2Sm3Signer(SM2_KEY, SM2_CERTIFICATE)


def _ds(root: etree._Element, path: str) -> etree._Element:
    found = root.find("/".join(f"{{{DS}}}{step}" for step in path.split("/")))
    assert found is not None
    return found


def _problems(data: bytes) -> list[tuple[str, str, str]]:
    return [(p.severity, p.code, p.path) for p in check(data).problems]


def test_an_sm2_signature_verifies_and_names_the_chinaport_methods(
    sm2_signer: Sm2Sm3Signer,
) -> None:
    signed = sign(ORDER, sm2_signer)
    assert _problems(signed) == []
    root = etree.fromstring(signed)
    assert _ds(root, "Signature/SignedInfo/SignatureMethod").get("Algorithm") == SM2_SM3
    assert _ds(root, "Signature/SignedInfo/Reference/DigestMethod").get("Algorithm") == SM3
    assert len(base64.b64decode(_ds(root, "Signature/SignedInfo/Reference/DigestValue").text)) == 32
    assert _ds(root, "Signature/KeyInfo/KeyName").text == "5678"
    value = base64.b64decode(_ds(root, "Signature/SignatureValue").text)
    parsed = DSASignature.load(value)  # GM/T 0009: SEQUENCE {r INTEGER, s INTEGER}
    assert parsed.dump() == value
    assert parsed["r"].native > 0 and parsed["s"].native > 0


def test_a_signature_openssl_computed_verifies() -> None:
    assert _problems((DATA / "sm2" / "CEB311-signed-by-openssl.xml").read_bytes()) == []


def test_changed_messages_and_signatures_are_refused(sm2_signer: Sm2Sm3Signer, signer: Any) -> None:
    signed = sign(ORDER, sm2_signer)
    changed = signed.replace(b"<ceb:buyerName>", b"<ceb:buyerName>X", 1)
    assert _problems(changed) == [
        ("error", "signature_invalid", f"{SIGNATURE}/ds:SignedInfo/ds:Reference/ds:DigestValue")
    ]
    root = etree.fromstring(signed)
    value = _ds(root, "Signature/SignatureValue")
    other = sign(ORDER.replace(b"<ceb:note>", b"<ceb:note>X", 1), sm2_signer)
    value.text = _ds(etree.fromstring(other), "Signature/SignatureValue").text
    assert _problems(etree.tostring(root)) == [
        ("error", "signature_invalid", f"{SIGNATURE}/ds:SignatureValue")
    ]
    # An SM2 signature method with an RSA certificate: the value cannot verify.
    root = etree.fromstring(signed)
    rsa_signed = etree.fromstring(sign(ORDER, signer))
    _ds(root, "Signature/KeyInfo/X509Data/X509Certificate").text = _ds(
        rsa_signed, "Signature/KeyInfo/X509Data/X509Certificate"
    ).text
    assert _problems(etree.tostring(root)) == [
        ("error", "signature_invalid", f"{SIGNATURE}/ds:SignatureValue")
    ]
    # Base64, but not a certificate.
    _ds(root, "Signature/KeyInfo/X509Data/X509Certificate").text = "AAAA"
    assert _problems(etree.tostring(root)) == [
        ("error", "signature_invalid", f"{SIGNATURE}/ds:SignatureValue")
    ]


def test_only_the_specifications_methods_in_their_pairs_are_taken(
    sm2_signer: Sm2Sm3Signer,
) -> None:
    signed = sign(ORDER, sm2_signer)
    # A changed message whose method is renamed is not let through unverified.
    renamed = signed.replace(b"<ceb:buyerName>", b"<ceb:buyerName>X", 1).replace(
        SM2_SM3.encode(), b"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )
    assert _problems(renamed) == [
        ("error", "signature_method", f"{SIGNATURE}/ds:SignedInfo/ds:SignatureMethod")
    ]
    mixed = signed.replace(SM3.encode() + b'"', b'http://www.w3.org/2000/09/xmldsig#sha1"')
    assert _problems(mixed) == [
        ("error", "signature_method", f"{SIGNATURE}/ds:SignedInfo/ds:Reference/ds:DigestMethod")
    ]


@pytest.mark.parametrize("value", ["AAAA", "", "QUJD", "MAA="])
def test_a_signature_value_that_is_not_one_is_refused(sm2_signer: Sm2Sm3Signer, value: str) -> None:
    root = etree.fromstring(sign(ORDER, sm2_signer))
    _ds(root, "Signature/SignatureValue").text = value
    assert _problems(etree.tostring(root)) == [
        ("error", "signature_invalid", f"{SIGNATURE}/ds:SignatureValue")
    ]


def test_the_signer_takes_only_an_sm2_key_with_its_own_certificate(signer: Any) -> None:
    rsa_certificate = b"-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % (
        base64.encodebytes(signer.certificate_der).strip()
    )
    with pytest.raises(ValueError, match="not the private key's"):
        Sm2Sm3Signer(SM2_KEY, rsa_certificate)
    with pytest.raises(ValueError, match="SM2 private key"):
        Sm2Sm3Signer(
            signer.key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
            SM2_CERTIFICATE,
        )


class Recording(Simulator):
    """The simulator, keeping the envelopes it was sent."""

    sent: ClassVar[list[bytes]] = []

    def send(self, envelope: bytes) -> list[bytes]:
        Recording.sent.append(envelope)
        return super().send(envelope)


def test_the_platform_signs_what_its_sender_did_not(
    trade_parties: dict[str, Any], trade_messages: dict[str, bytes], settings: Any
) -> None:
    settings.CROSSBORDER_CONNECTOR = f"{__name__}.Recording"
    settings.CROSSBORDER_SIGNER = "hanjiang.crossborder.signing.Sm2Sm3Signer"
    settings.CROSSBORDER_SIGNING_KEY = str(DATA / "sm2" / "test-key.pem")
    settings.CROSSBORDER_SIGNING_CERTIFICATE = str(DATA / "sm2" / "test-certificate.pem")
    Recording.sent.clear()
    declare_trade(trade_parties, trade_messages)  # the inventory (621) comes signed (RSA-SHA1)
    declare(list(Message.objects.order_by("received_at", "id")))
    methods = {}
    for envelope in Recording.sent:
        data = unwrap(envelope)
        checked = check(data)
        assert checked.problems == []
        root = etree.fromstring(data)
        methods[checked.code] = _ds(root, "Signature/SignedInfo/SignatureMethod").get("Algorithm")
    assert methods == {"311": SM2_SM3, "411": SM2_SM3, "511": SM2_SM3, "621": RSA_SHA1}
    assert Inventory.objects.get().status == "800"


def test_certificates_are_read_block_by_block() -> None:
    from asn1crypto import pem

    from hanjiang.crossborder.signing import read_certificates
    from hanjiang.crossborder.tests.conftest import certificate_pem, with_validity

    good = SM2_CERTIFICATE.decode("ascii")
    rsa = certificate_pem((0, 365))
    _kind, _headers, der = pem.unarmor(SM2_CERTIFICATE)
    no_zone = with_validity(der, b"20200101000000Z", b"20991231000000")
    year_zero = with_validity(der, b"20200101000000Z", b"00000101000000Z")
    texts = {
        "two": good + rsa,
        "cut short": good + rsa + good[:-30],
        "text first": "证书如下：\n" + good,
        "a key": good + "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        "not base64": good + "-----BEGIN CERTIFICATE-----\n证书\n-----END CERTIFICATE-----\n",
        "no zone": pem.armor("CERTIFICATE", no_zone).decode("ascii"),
        "year 0": pem.armor("CERTIFICATE", year_zero).decode("ascii"),
        "no block": "MIIBoDCCAUegAwIBAgICVng",
        "empty": "  \n",
    }
    read = {
        label: [None if c is None else c["subject"] for c in read_certificates(text)]
        for label, text in texts.items()
    }
    sm2, other = "CN=Hanjiang SM2 test signer (test data)", "CN=测试证书（测试数据）"
    assert read == {
        "two": [sm2, other],
        "cut short": [sm2, other, None],
        "text first": [None, sm2],
        "a key": [sm2, None],
        "not base64": [sm2, None],
        "no zone": [None],
        "year 0": [None],
        "no block": [None],
        "empty": [],
    }

"""Fixtures of the cross-border tests: a test signing key, the enterprises of one synthetic import
trade with approved filings and filed goods, and the trade's four messages."""

from __future__ import annotations

import datetime
import ssl
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import core as asn1_core
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from hanjiang.accounts.models import Role
from hanjiang.crossborder.models import Filing, FilingStatus, GoodsRecord
from hanjiang.crossborder.signing import RsaSha1Signer, certificate_summary, sign
from hanjiang.registry.models import Division
from hanjiang.registry.tests.factories import OrganisationFactory, UserFactory, make_uscc

DATA = Path(__file__).resolve().parent / "data"
# An SM2 key and certificate made with OpenSSL for the tests only, and a synthetic export
# inventory (test data).
SM2_KEY = (DATA / "sm2" / "test-key.pem").read_bytes()
SM2_CERTIFICATE = (DATA / "sm2" / "test-certificate.pem").read_bytes()
EXPORT = (DATA / "CEB603-synthetic.xml").read_bytes()
# customs code → (name, roles) of the trade's enterprises (synthetic test data)
ENTERPRISES = {
    "4206960001": ("测试电商平台（测试数据）", ["platform"]),
    "4206960002": ("测试电商企业（测试数据）", ["enterprise", "agent"]),
    "4206960003": ("测试支付企业（测试数据）", ["payment"]),
    "4206960004": ("测试物流企业（测试数据）", ["logistics"]),
}


@cache
def _test_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def rsa_signer(name: str, days: tuple[int, int], serial: int = 0x1234) -> RsaSha1Signer:
    """An RSA-SHA1 signer with a self-signed certificate for `name` (CN), valid from and until
    these days after 2026-01-01 (test data)."""
    key = _test_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    day = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(day + datetime.timedelta(days=days[0]))
        .not_valid_after(day + datetime.timedelta(days=days[1]))
        .sign(key, hashes.SHA256())
    )
    return RsaSha1Signer(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        certificate.public_bytes(serialization.Encoding.PEM),
    )


def certificate_pem(days: tuple[int, int], name: str = "测试证书（测试数据）") -> str:
    """The PEM of a self-signed test certificate (see `rsa_signer`)."""
    der = rsa_signer(name, days, serial=0xABC).certificate_der
    return ssl.DER_cert_to_PEM_cert(der)


def with_validity(certificate_der: bytes, not_before: bytes, not_after: bytes) -> bytes:
    """The certificate with its validity replaced by these GeneralizedTime texts, as written
    (a zone left out, year 0 …): a certificate no issuer would make, its signature now broken."""
    certificate = asn1_x509.Certificate.load(certificate_der)
    tbs = certificate["tbs_certificate"]
    tbs["validity"] = asn1_x509.Validity(
        {
            name: asn1_x509.Time(
                name="general_time",
                value=asn1_core.GeneralizedTime.load(b"\x18" + bytes([len(text)]) + text),
            )
            for name, text in (("not_before", not_before), ("not_after", not_after))
        }
    )
    certificate["tbs_certificate"] = tbs
    return bytes(certificate.dump())


@pytest.fixture(scope="session")
def signer() -> RsaSha1Signer:
    return rsa_signer("Hanjiang test signer", (0, 3650))


@pytest.fixture
def trade_parties(reference: None, signer: RsaSha1Signer) -> dict[str, Any]:
    """An approved filing and an enterprise user for each enterprise of the trade; the
    e-commerce enterprise (which declares the inventory) files the test signer's certificate."""
    county = Division.objects.get(code="420606000000")  # 樊城区
    parties: dict[str, Any] = {}
    for code, (name, roles) in ENTERPRISES.items():
        organisation = OrganisationFactory(division=county, uscc=make_uscc("420606"), name=name)
        filing = Filing.objects.create(
            organisation=organisation,
            customs_code=code,
            dxp_id=f"DXPENT000000000{code[-1]}",
            roles=roles,
            modes=["9610", "1210"],
            status=FilingStatus.APPROVED,
            certificates=[certificate_summary(signer.certificate_der)] * (code == "4206960002"),
        )
        user = UserFactory(
            username=f"cbec{code[-1]}", role=Role.ENTERPRISE, organisation=organisation
        )
        parties[code] = {"filing": filing, "user": user}
    owner = parties["4206960002"]["filing"]
    for item_no, name, gcode in (
        ("SKU-001", "测试奶粉", "0402100000"),
        ("SKU-002", "测试面霜", "3304990099"),
    ):
        GoodsRecord.objects.create(
            filing=owner,
            item_no=item_no,
            name=name,
            gcode=gcode,
            model="测试",
            unit="122",
            origin="116",
            consumption_rate="0.15" if item_no == "SKU-002" else "0",
        )
    return parties


@pytest.fixture
def trade_messages(signer: RsaSha1Signer) -> dict[str, bytes]:
    messages = {
        code: (DATA / f"CEB{code}-synthetic.xml").read_bytes() for code in ("311", "411", "511")
    }
    messages["621"] = sign((DATA / "CEB621-synthetic.xml").read_bytes(), signer)
    return messages


def declare_trade(parties: dict[str, Any], messages: dict[str, bytes]) -> None:
    """Each enterprise of the trade sends its message (order, payment, waybill, inventory);
    each is accepted."""
    from hanjiang.crossborder.intake import messages_receive

    for sender, message in (
        ("4206960002", "311"),
        ("4206960003", "411"),
        ("4206960004", "511"),
        ("4206960002", "621"),
    ):
        (outcome,) = messages_receive(
            actor=parties[sender]["user"], files=[(f"CEB{message}.xml", messages[message])]
        )
        assert (outcome.status, [p.code for p in outcome.checked.errors]) == ("accepted", [])

"""Personal information at rest: encrypted, searchable by a keyed digest, masked for display.

Rules:
- a value is encrypted with Fernet (AES-128-CBC with an HMAC-SHA256 tag) under a key derived
  from `HANJIANG_DATA_KEY`, or, when that is not set, from `SECRET_KEY`;
- beside it a keyed digest (HMAC-SHA256 of the value, hex) lets two records be compared or a
  value be found without decrypting anything;
- a value is shown masked: an identity number keeps its first 3 and last 4 characters, a
  telephone number its first 3 and last 4 digits, anything else its first and last character;
  the rest are `*`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


def _secret() -> bytes:
    secret = getattr(settings, "HANJIANG_DATA_KEY", "") or settings.SECRET_KEY
    return str(secret).encode("utf-8")


@cache
def _keys(secret: bytes) -> tuple[Fernet, bytes]:
    material = HKDF(
        algorithm=hashes.SHA256(), length=64, salt=b"hanjiang-personal", info=b"fernet+digest"
    ).derive(secret)
    return Fernet(base64.urlsafe_b64encode(material[:32])), material[32:]


def encrypt(value: str) -> str:
    if not value:
        return ""
    fernet, _digest_key = _keys(_secret())
    return fernet.encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    if not token:
        return ""
    fernet, _digest_key = _keys(_secret())
    try:
        return fernet.decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as error:
        raise ValueError("The value cannot be decrypted with this key.") from error


def digest(value: str) -> str:
    if not value:
        return ""
    _fernet, key = _keys(_secret())
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def mask(value: str, keep_start: int = 3, keep_end: int = 4) -> str:
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        keep_start, keep_end = (1, 1) if len(value) > 2 else (len(value), 0)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + (value[-keep_end:] if keep_end else "")

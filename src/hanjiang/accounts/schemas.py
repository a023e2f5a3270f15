from __future__ import annotations

from datetime import datetime

from ninja import Schema


class MeOut(Schema):
    username: str
    role: str | None
    county_code: str | None
    organisation_id: int | None


class TokenIn(Schema):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    username: str
    key_prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    key: str

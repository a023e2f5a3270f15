"""Domain errors and the one error format every interface answers with.

A domain error carries a machine code, a message in the caller's language (lazy, so it is
translated when rendered), and where it applies the field and the row of a batch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class ErrorItem:
    code: str
    message: str | Promise
    field: str | None = None
    row: int | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "field": self.field,
            "message": str(self.message),
        }
        if self.row is not None:
            body["row"] = self.row
        return body


class DomainError(Exception):
    """A request that breaks a business rule. Raised by services, answered by the interfaces."""

    status = 400

    def __init__(
        self,
        code: str,
        message: str | Promise,
        *,
        field: str | None = None,
        row: int | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(str(message))
        self.item = ErrorItem(code=code, message=message, field=field, row=row)
        if status is not None:
            self.status = status

    @property
    def code(self) -> str:
        return self.item.code

    @property
    def field(self) -> str | None:
        return self.item.field

    @property
    def errors(self) -> list[ErrorItem]:
        return [self.item]

    def __str__(self) -> str:
        return str(self.item.message)


class ValidationFailed(DomainError):
    """One or more rule violations, all reported together; nothing was saved."""

    status = 422

    def __init__(self, errors: Iterable[ErrorItem]) -> None:
        items = list(errors)
        if not items:
            raise ValueError("ValidationFailed needs at least one error")
        first = items[0]
        super().__init__(first.code, first.message, field=first.field, row=first.row)
        self.items = items

    @property
    def errors(self) -> list[ErrorItem]:
        return self.items

    def __str__(self) -> str:
        return "; ".join(
            (f"[{item.row}] " if item.row is not None else "")
            + (f"{item.field}: " if item.field else "")
            + str(item.message)
            for item in self.items
        )


class PermissionDeniedError(DomainError, PermissionDenied):
    """Also Django's PermissionDenied, so a page that lets it through answers with the 403
    page while the API answers with the JSON error document."""

    status = 403


OUTSIDE_SCOPE = _("This record lies outside your scope.")


def error_body(status: int, errors: Iterable[ErrorItem]) -> dict[str, Any]:
    """The JSON error document: the first error at the top level, all of them in `errors`."""
    items = [item.as_dict() for item in errors]
    first = items[0] if items else {"code": "error", "field": None, "message": ""}
    return {
        "status": status,
        "code": first["code"],
        "field": first["field"],
        "message": first["message"],
        "errors": items,
    }

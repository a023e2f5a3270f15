from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import QueryDict

from hanjiang.core.errors import DomainError, ErrorItem

T = TypeVar("T")


def add_domain_errors(form: forms.Form, error: DomainError) -> None:
    """Show a service's errors on the form, each on its field where the field exists."""
    for item in error.errors:
        field = item.field if item.field in form.fields else None
        form.add_error(field, str(item.message))


def form_input(cls: type[T], data: QueryDict, **values: Any) -> T:
    """A service's input dataclass from a posted form: each field from the form field of its
    name (absent: the dataclass's default, else empty; a tuple field from all the values the
    form sent under its name), `values` given as they are."""
    found: dict[str, Any] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        if field.name in values:
            continue
        if str(field.type).startswith("tuple"):
            found[field.name] = tuple(data.getlist(field.name))
            continue
        default = "" if field.default is dataclasses.MISSING else field.default
        found[field.name] = data.get(field.name, default)
    return cls(**found, **values)


def attempt(call: Callable[[], T]) -> tuple[T | None, list[ErrorItem]]:
    """A service called from a page: its result, or the errors to show on the page; a refusal
    (403) is PermissionDenied, answered as the forbidden page."""
    try:
        return call(), []
    except DomainError as error:
        if error.status == 403:
            raise PermissionDenied from error
        return None, error.errors

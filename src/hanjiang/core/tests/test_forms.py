"""Calling a service from a page: its input from the posted form, its errors or a refusal."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import PermissionDenied
from django.http import QueryDict

from hanjiang.core.errors import ErrorItem, PermissionDeniedError, ValidationFailed
from hanjiang.core.forms import attempt, form_input


@dataclass(frozen=True)
class _Input:
    name: str
    rate: str = "0.13"
    tags: tuple[str, ...] = ()


def test_form_input_takes_fields_by_name_defaults_and_given_values() -> None:
    post = QueryDict("name=%E8%8C%B6&tags=a&tags=b&other=x")
    assert form_input(_Input, post) == _Input(name="茶", rate="0.13", tags=("a", "b"))
    assert form_input(_Input, post, rate="0.09") == _Input("茶", "0.09", ("a", "b"))
    assert form_input(_Input, QueryDict("")) == _Input(name="")


def test_attempt_returns_the_result_or_the_errors_and_refuses_with_403() -> None:
    assert attempt(lambda: 7) == (7, [])
    item = ErrorItem("required", "必填", field="name")

    def invalid() -> int:
        raise ValidationFailed([item])

    assert attempt(invalid) == (None, [item])

    def refused() -> int:
        raise PermissionDeniedError("forbidden", "不可")

    with pytest.raises(PermissionDenied):
        attempt(refused)

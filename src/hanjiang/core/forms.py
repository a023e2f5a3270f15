from __future__ import annotations

from django import forms

from hanjiang.core.errors import DomainError


def add_domain_errors(form: forms.Form, error: DomainError) -> None:
    """Show a service's errors on the form, each on its field where the field exists."""
    for item in error.errors:
        field = item.field if item.field in form.fields else None
        form.add_error(field, str(item.message))

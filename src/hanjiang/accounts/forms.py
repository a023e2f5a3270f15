from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import Role, User


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("The user name or password is wrong. Both are case-sensitive."),
        "inactive": _("This account is disabled."),
    }


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100)


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    county: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("County"), queryset=None, required=False
    )
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=None,
        required=False,
    )
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The scope targets live in the registry; reach them through the relations, not imports.
        division_model = User._meta.get_field("county").related_model
        organisation_model = User._meta.get_field("organisation").related_model
        county_field = cast("forms.ModelChoiceField[Any]", self.fields["county"])
        organisation_field = cast("forms.ModelChoiceField[Any]", self.fields["organisation"])
        county_field.queryset = division_model._default_manager.filter(  # type: ignore[union-attr]
            level="county"
        ).order_by("code")
        organisation_field.queryset = organisation_model._default_manager.order_by(  # type: ignore[union-attr]
            "name"
        )

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from hanjiang.accounts.models import Role
from hanjiang.accounts.scoping import Scope
from hanjiang.registry.models import DivisionLevel, Organisation, OrganisationKind
from hanjiang.registry.permissions import division_queryset
from hanjiang.registry.services import OrganisationInput


class OrganisationForm(forms.Form):
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=30)
    name = forms.CharField(label=_("Name"), max_length=200)
    kinds = forms.MultipleChoiceField(
        label=_("Kinds"), choices=OrganisationKind.choices, widget=forms.CheckboxSelectMultiple
    )
    division_code = forms.ChoiceField(label=_("Registered division"))
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    contact_person = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=50, required=False)
    email = forms.CharField(label=_("Email"), max_length=254, required=False)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(
        self, *args: Any, scope: Scope, instance: Organisation | None = None, **kwargs: Any
    ):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "uscc": instance.uscc,
                "name": instance.name,
                "kinds": instance.kind_codes(),
                "division_code": instance.division.code,
                "address": instance.address,
                "contact_person": instance.contact_person,
                "contact_phone": instance.contact_phone,
                "email": instance.email,
                "note": instance.note,
            }
        super().__init__(*args, **kwargs)
        divisions = division_queryset(scope).filter(
            level__in=[DivisionLevel.CITY, DivisionLevel.COUNTY, DivisionLevel.TOWNSHIP]
        )
        if instance is not None:
            divisions = divisions | division_queryset(scope).filter(pk=instance.division_id)
        choices = [
            (
                division.code,
                f"{'　' * (['city', 'county', 'township', 'village'].index(division.level))}"
                f"{division.name} {division.short_code}",
            )
            for division in divisions.order_by("code")
        ]
        cast(forms.ChoiceField, self.fields["division_code"]).choices = choices
        if scope.role == Role.ENTERPRISE:
            self.fields["uscc"].disabled = True
            self.fields["division_code"].disabled = True

    def to_input(self) -> OrganisationInput:
        data = self.cleaned_data
        return OrganisationInput(
            uscc=data["uscc"],
            name=data["name"],
            division_code=data["division_code"],
            kinds=tuple(data["kinds"]),
            address=data["address"],
            contact_person=data["contact_person"],
            contact_phone=data["contact_phone"],
            email=data["email"],
            note=data["note"],
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"))
    dry_run = forms.BooleanField(label=_("Check only, do not save"), required=False)

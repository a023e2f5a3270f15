"""Factories for tests. Credit codes are synthetic: random bodies with a valid check digit."""

from __future__ import annotations

import random
from typing import Any

import factory
from stdnum.cn import uscc as uscc_standard

from hanjiang.accounts.models import Role, User
from hanjiang.registry.models import Division, Organisation, OrganisationTag

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(county_code: str = "420625", rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    body = "91" + county_code[:6] + "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    return body + uscc_standard.calc_check_digit(body)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    uscc = factory.LazyFunction(make_uscc)
    name = factory.Sequence(lambda number: f"测试电商企业{number}（测试数据）")
    division = factory.LazyFunction(lambda: Division.objects.get(code="420625000000"))
    address = "测试地址"

    @factory.post_generation
    def kinds(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        for kind in extracted or ["ecommerce"]:
            OrganisationTag.objects.create(organisation=self, kind=kind)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda number: f"user{number}")
    role = Role.CITY_ADMIN
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def saved(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()

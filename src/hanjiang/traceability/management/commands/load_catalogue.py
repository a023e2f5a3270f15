from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from hanjiang.traceability.catalogue import load_plan_brands, publish


class Command(BaseCommand):
    help = "Register the brands and products the plan names; publish the 二品一标 count."

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_plan_brands()
        changed = publish(timezone.localdate())
        self.stdout.write(
            f"Catalogue: {created} brands named by the plan registered, "
            f"{changed} figures published."
        )

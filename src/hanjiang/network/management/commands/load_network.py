from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from hanjiang.network.coverage import coverage_publish, load_plan_denominators
from hanjiang.network.designations import designations_publish


class Command(BaseCommand):
    help = "Store the coverage denominators of 表2-2 and publish the station registry's figures."

    def handle(self, *args: Any, **options: Any) -> None:
        count = load_plan_denominators()
        changed = coverage_publish(timezone.localdate()) + designations_publish(
            timezone.localdate()
        )
        self.stdout.write(f"Network: {count} plan denominators, {changed} figures published.")

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from hanjiang.network.coverage import coverage_publish, load_plan_denominators
from hanjiang.network.designations import designations_publish
from hanjiang.network.facilities import load_plan_platforms
from hanjiang.network.figures import facilities_publish
from hanjiang.network.training import training_publish


class Command(BaseCommand):
    help = (
        "Store the coverage denominators of 表2-2 and publish the network registries' figures "
        "(stations, designations, training, parks, express, cold chain, scenic spots, platforms)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = load_plan_denominators()
        platforms = load_plan_platforms()
        today = timezone.localdate()
        changed = (
            coverage_publish(today)
            + designations_publish(today)
            + training_publish(today)
            + facilities_publish(today)
        )
        self.stdout.write(
            f"Network: {count} plan denominators, {platforms} platforms named by the plan "
            f"registered, {changed} figures published."
        )

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from hanjiang.plans.loader import DATA_DIR, PlanFileError, plan_load_file


class Command(BaseCommand):
    help = "Load (or update) every plan file shipped in plans/data/. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        for path in sorted(DATA_DIR.glob("*.yaml")):
            try:
                result = plan_load_file(path)
            except PlanFileError as error:
                raise CommandError(f"{path.name}:\n" + "\n".join(error.problems)) from error
            self.stdout.write(
                f"Plan {result.plan.code}: {result.indicators} indicators "
                f"({result.leaves} with targets), {result.projects} projects, "
                f"{result.baselines} published figures."
            )

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from hanjiang.plans.loader import PlanFileError, plan_load_file
from hanjiang.plans.models import Plan


class Command(BaseCommand):
    help = (
        "Plans: `plan load FILE`, `plan list`, `plan report --year Y --output DIR [--plan CODE]`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        load = commands.add_parser("load", help="Load or update a plan file (YAML)")
        load.add_argument("file")
        commands.add_parser("list", help="List the loaded plans")
        report = commands.add_parser("report", help="Write the evaluation report (.docx, .xlsx)")
        report.add_argument("--year", type=int, required=True)
        report.add_argument("--output", required=True)
        report.add_argument("--plan", default="", help="Plan code (default: the latest plan)")
        report.add_argument(
            "--kind",
            choices=["annual", "midterm", "final"],
            default="annual",
            help="Annual evaluation, mid-term or final evaluation",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "load":
            try:
                result = plan_load_file(Path(options["file"]))
            except PlanFileError as error:
                raise CommandError("\n".join(error.problems)) from error
            except OSError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(
                f"Plan {result.plan.code}: {result.indicators} indicators "
                f"({result.leaves} with targets), {result.projects} projects, "
                f"{result.baselines} published figures."
            )
        elif action == "list":
            for item in Plan.objects.all():
                self.stdout.write(f"{item.code}\t{item.start_year}–{item.end_year}\t{item.title}")
        else:
            from hanjiang.plans.reports import write_reports

            plans = Plan.objects.filter(code=options["plan"]) if options["plan"] else Plan.objects
            found = plans.first()
            if found is None:
                raise CommandError("No such plan; load one with `hanjiang plan load FILE`.")
            output = Path(options["output"])
            output.mkdir(parents=True, exist_ok=True)
            paths = write_reports(
                found,
                year=options["year"],
                kind=options["kind"],
                directory=output,
                day=timezone.localdate(),
            )
            for path in paths:
                self.stdout.write(str(path))

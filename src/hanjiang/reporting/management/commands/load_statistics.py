from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hanjiang.reporting.metadata import SHIPPED, MetadataError, metadata_load


class Command(BaseCommand):
    help = "Load a statistics report system (elements, data sets, indicators, rules). Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default=str(SHIPPED))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = metadata_load(Path(options["file"]))
        except MetadataError as error:
            raise CommandError("\n".join(error.problems)) from error
        self.stdout.write(
            f"Statistics: {result.elements} elements, {result.data_sets} data sets, "
            f"{result.indicators} indicators, {result.rules} validation rules."
        )

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hanjiang.registry.reference import areas_load, divisions_load


class Command(BaseCommand):
    help = "Load the shipped divisions (2020 and 2023 editions) and functional zones. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        result = divisions_load()
        areas = areas_load()
        editions = ", ".join(
            f"{year}: {count}" for year, count in sorted(result.per_edition.items())
        )
        self.stdout.write(
            f"Divisions: {result.created} created, {result.updated} renamed, "
            f"{result.editions_added} edition records added ({editions}). "
            f"Functional zones: {areas}."
        )

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Prepare an installation: migrate, compile translations, collect static files, load "
        "reference data and (unless --no-demo) the demo content. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-demo", action="store_true", help="Skip the demo content")

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        call_command("compile_translations", verbosity=verbosity)
        call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1))
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("load_reference", verbosity=verbosity)
        call_command("load_statistics", verbosity=verbosity)
        call_command("load_plans", verbosity=verbosity)
        call_command("load_network", verbosity=verbosity)
        call_command("load_catalogue", verbosity=verbosity)
        if settings.HANJIANG_DEMO_CONTENT and not options["no_demo"]:
            call_command("load_demo", verbosity=verbosity)

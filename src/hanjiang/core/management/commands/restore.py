from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hanjiang.core.backup import BackupError, restore_database


class Command(BaseCommand):
    help = "Restore a backup made by `hanjiang backup`, replacing the database's content."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup file")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            answer = input("This replaces every record in the database. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            restore_database(Path(options["file"]))
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored from {options['file']}")

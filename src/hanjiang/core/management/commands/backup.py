from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hanjiang.core.backup import BackupError, backup_database, default_backup_path


class Command(BaseCommand):
    help = "Back up the database: SQLite's online backup API, or pg_dump (custom format)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", "-o", help="Backup file (default: var/backups/…)")

    def handle(self, *args: Any, **options: Any) -> None:
        target = (
            Path(options["output"])
            if options["output"]
            else default_backup_path(Path(settings.BACKUP_DIR))
        )
        try:
            written = backup_database(target)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Backup written to {written}")

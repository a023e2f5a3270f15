"""`hanjiang trace validate FILE…`: check EPCIS 2.0 documents as capture does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hanjiang.traceability.epcis import check


class Command(BaseCommand):
    help = (
        "Traceability. `validate FILE…` checks EPCIS 2.0 documents (JSON-LD or XML) against the "
        "official schemas and their GS1 identifiers, prints every problem and exits with status 1 "
        "if any file fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        validate = commands.add_parser("validate", help="Validate EPCIS documents")
        validate.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        failed = 0
        for path in options["files"]:
            try:
                data = path.read_bytes()
            except OSError as error:
                self.stderr.write(f"{path}: cannot be read ({error.strerror})")
                failed += 1
                continue
            checked = check(data)
            status = "OK" if checked.valid else "FAILED"
            self.stdout.write(f"{path}: {checked.kind or '?'} {checked.events} events {status}")
            for problem in checked.problems:
                self.stdout.write(f"  {problem.location} {problem.code}: {problem.message}")
            failed += not checked.valid
        total = len(options["files"])
        self.stdout.write(f"{total - failed} of {total} files valid.")
        if failed:
            raise CommandError(f"{failed} of {total} files failed.", returncode=1)

"""`hanjiang crossborder validate FILE…`: check customs CEB messages as the platform does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hanjiang.crossborder.messages import check
from hanjiang.crossborder.receipts import receipt


class Command(BaseCommand):
    help = (
        "Cross-border messages. `validate FILE…` parses each CEB message safely, validates it "
        "against the official 2022-05 schema and the business rules, prints every problem and "
        "exits with status 1 if any file fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        validate = commands.add_parser("validate", help="Validate CEB message files")
        validate.add_argument("files", nargs="+", type=Path)
        validate.add_argument(
            "--receipts",
            type=Path,
            help="Write a CEB900 receipt for each failing file into this folder",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        failed = 0
        folder: Path | None = options.get("receipts")
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        for path in options["files"]:
            try:
                data = path.read_bytes()
            except OSError as error:
                self.stderr.write(f"{path}: cannot be read ({error.strerror})")
                failed += 1
                continue
            checked = check(data)
            status = "OK" if checked.valid else "FAILED"
            self.stdout.write(f"{path}: {checked.message_type} {status}")
            for problem in checked.problems:
                self.stdout.write(
                    f"  {problem.severity} {problem.path} [{problem.basis}] {problem.code}: "
                    f"{problem.message}"
                )
            if not checked.valid:
                failed += 1
                if folder is not None:
                    target = folder / f"{path.stem}.CEB900.xml"
                    target.write_bytes(receipt(checked, data, cop_msg_id=path.name))
        total = len(options["files"])
        self.stdout.write(f"{total - failed} of {total} files valid.")
        if failed:
            raise CommandError(f"{failed} of {total} files failed.", returncode=1)

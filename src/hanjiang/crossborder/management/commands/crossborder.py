"""`hanjiang crossborder validate FILE…`: check customs CEB messages as the platform does."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from hanjiang.crossborder.exchange import receipts_ingest
from hanjiang.crossborder.intake import messages_receive
from hanjiang.crossborder.messages import check
from hanjiang.crossborder.models import Channel
from hanjiang.crossborder.receipts import receipt


class Command(BaseCommand):
    help = (
        "Cross-border messages. `validate FILE…` parses each CEB message safely, validates it "
        "against the official 2022-05 schema and the business rules, prints every problem and "
        "exits with status 1 if any file fails. `watch FOLDER --user NAME` takes messages from "
        "an exchange folder; `receipts FILE…` applies customs receipts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        watch = commands.add_parser(
            "watch",
            help="Take messages from an exchange folder: FOLDER/in → done/ or refused/ "
            "(with CEB900 receipts in receipts/)",
        )
        watch.add_argument("folder", type=Path)
        watch.add_argument("--user", required=True, help="The enterprise user sending them")
        watch.add_argument("--once", action="store_true", help="One pass, then stop")
        watch.add_argument("--interval", type=float, default=5.0, help="Seconds between passes")
        receipts = commands.add_parser(
            "receipts", help="Apply customs receipts (312, 412, 512, 622 …) from files"
        )
        receipts.add_argument("files", nargs="+", type=Path)
        validate = commands.add_parser("validate", help="Validate CEB message files")
        validate.add_argument("files", nargs="+", type=Path)
        validate.add_argument(
            "--receipts",
            type=Path,
            help="Write a CEB900 receipt for each failing file into this folder",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "watch":
            self.watch(options)
            return
        if options["action"] == "receipts":
            applied = receipts_ingest([path.read_bytes() for path in options["files"]])
            for item in applied:
                state = "applied" if item.applied else "recorded, not applied (older status)"
                self.stdout.write(f"{item.document}: {item.status} {state}")
            self.stdout.write(f"{len(applied)} receipts read.")
            return
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

    def watch(self, options: dict[str, Any]) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']}.")
        folder: Path = options["folder"]
        inbox = folder / "in"
        for sub in ("in", "done", "refused", "receipts"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        while True:
            files = sorted(inbox.glob("*.xml"))
            if files:
                outcomes = messages_receive(
                    actor=user,
                    files=[(path.name, path.read_bytes()) for path in files],
                    channel=Channel.FOLDER,
                )
                for path, outcome in zip(files, outcomes, strict=True):
                    target = "done" if outcome.status == "accepted" else "refused"
                    path.replace(folder / target / path.name)
                    if outcome.receipt:
                        (folder / "receipts" / f"{path.stem}.CEB900.xml").write_bytes(
                            outcome.receipt
                        )
                    self.stdout.write(f"{path.name}: {outcome.status}")
            if options["once"]:
                return
            time.sleep(options["interval"])

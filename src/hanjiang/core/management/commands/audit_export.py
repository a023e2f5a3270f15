from __future__ import annotations

import csv
import datetime
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hanjiang.core.selectors import audit_list

FIELDS = [
    "id",
    "at",
    "actor_label",
    "channel",
    "action",
    "app_label",
    "model",
    "object_id",
    "object_repr",
    "before",
    "after",
]


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = "Export the audit trail (oldest first) as CSV or JSON lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["csv", "jsonl"], default="csv")
        parser.add_argument("--output", "-o", help="File to write (default: standard output)")
        parser.add_argument("--since", type=_date, help="First day, YYYY-MM-DD")
        parser.add_argument("--until", type=_date, help="Last day, YYYY-MM-DD")
        parser.add_argument(
            "--model", default="", help="app_label.model, e.g. registry.organisation"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        app_label, _dot, model = options["model"].partition(".")
        entries = audit_list(
            app_label=app_label, model=model, since=options["since"], until=options["until"]
        ).order_by("at", "id")
        handle = (
            open(options["output"], "w", encoding="utf-8", newline="")  # noqa: SIM115
            if options["output"]
            else self.stdout
        )
        count = 0
        try:
            writer = csv.writer(handle) if options["format"] == "csv" else None
            if writer is not None:
                writer.writerow(FIELDS)
            for entry in entries.iterator():
                row = {
                    "id": entry.pk,
                    "at": entry.at.isoformat(),
                    "actor_label": entry.actor_label,
                    "channel": entry.channel,
                    "action": entry.action,
                    "app_label": entry.app_label,
                    "model": entry.model,
                    "object_id": entry.object_id,
                    "object_repr": entry.object_repr,
                    "before": entry.before,
                    "after": entry.after,
                }
                if writer is not None:
                    writer.writerow(
                        [
                            json.dumps(row[key], ensure_ascii=False)
                            if key in {"before", "after"}
                            else row[key]
                            for key in FIELDS
                        ]
                    )
                else:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
        finally:
            if handle is not self.stdout:
                handle.close()
        if options["output"]:
            self.stdout.write(f"{count} audit entries written to {options['output']}.")

"""The `hanjiang` command: Django's management commands, with Hanjiang's own listed first."""

from __future__ import annotations

import os
import sys
from pathlib import Path

COMMANDS = [
    ("setup", "Migrate, compile translations, collect static files, load reference and demo data"),
    ("serve", "Serve the platform (waitress) at http://127.0.0.1:8000"),
    ("migrate", "Apply database migrations"),
    ("load_reference", "Load divisions (2020 and 2023 editions) and functional zones"),
    ("load_statistics", "Load the statistics report system (elements, data sets, indicators)"),
    (
        "load_network",
        "Store Table 2-2's denominators and the plan's platforms; publish the network's figures",
    ),
    (
        "load_catalogue",
        "Register the brands and products the plan names; publish the 二品一标 count",
    ),
    ("load_plans", "Load or update the plan files shipped with the platform"),
    ("plan", "Plans: `plan load FILE`, `plan list`, `plan report --year Y --output DIR`"),
    ("crossborder", "Cross-border messages: `crossborder validate FILE…` checks CEB messages"),
    ("trace", "Traceability: `trace validate FILE…` checks EPCIS 2.0 documents"),
    ("load_demo", "Create the demo users and the labelled demo organisation"),
    ("create_user", "Create a user with a role and scope"),
    ("audit_export", "Export the audit trail as CSV or JSON lines"),
    ("backup", "Back up the database (SQLite online backup, or pg_dump for PostgreSQL)"),
    ("restore", "Restore a backup made by `hanjiang backup`"),
    ("compile_translations", "Compile the .po translation catalogues to .mo"),
]


def usage() -> str:
    lines = [
        "usage: hanjiang <command> [options]",
        "",
        "Hanjiang e-commerce public service platform. Commands:",
        "",
    ]
    lines += [f"  {name:<22}{summary}" for name, summary in COMMANDS]
    lines += [
        "",
        "`hanjiang <command> --help` describes a command's options;",
        "`hanjiang help --all` lists every Django management command as well.",
        "Settings come from DJANGO_SETTINGS_MODULE (default config.settings.local) and the",
        "environment: DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS, DEBUG.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    root = Path(__file__).resolve().parents[2]
    if (root / "config").is_dir() and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    if len(argv) < 2 or argv[1] in {"-h", "--help"} or argv[1:] == ["help"]:
        print(usage())
        return
    if argv[1:] == ["help", "--all"]:
        argv = [argv[0], "help"]
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hanjiang", *argv[1:]])


if __name__ == "__main__":
    main()

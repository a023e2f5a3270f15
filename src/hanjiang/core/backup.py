"""Database backup and restore: SQLite's online backup API, pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.db import connections
from django.utils import timezone


class BackupError(Exception):
    pass


def _vendor(alias: str) -> str:
    return connections[alias].vendor


def default_backup_path(directory: Path, alias: str = "default") -> Path:
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    suffix = ".sqlite3" if _vendor(alias) == "sqlite" else ".pgdump"
    return directory / f"hanjiang-{stamp}{suffix}"


def _pg_environment(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    arguments = ["--dbname", settings_dict["NAME"]]
    if settings_dict.get("HOST"):
        arguments += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        arguments += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        arguments += ["--username", str(settings_dict["USER"])]
    environment = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        environment["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    return arguments, environment


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} was not found; install the PostgreSQL client tools.")
    return path


def backup_database(target: Path, alias: str = "default") -> Path:
    """Write a consistent copy of the live database to `target` and return it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    connection = connections[alias]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        source = connection.connection
        destination = sqlite3.connect(target)
        try:
            source.backup(destination)
        finally:
            destination.close()
        target.chmod(0o600)
        return target
    if connection.vendor == "postgresql":
        arguments, environment = _pg_environment(connection.settings_dict)
        command = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target)]
        result = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
            [*command, *arguments], env=environment, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise BackupError(result.stderr.strip() or "pg_dump failed")
        target.chmod(0o600)
        return target
    raise BackupError(f"Backups are not supported for the {connection.vendor} database.")


REQUIRED_TABLES = {"django_migrations", "core_auditentry", "accounts_user", "registry_division"}


def _check_sqlite_backup(source: Path) -> None:
    """Refuse a file that is not an intact SQLite database holding this platform's tables."""
    try:
        check = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if check.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is not an intact SQLite database.")
            tables = {
                row[0]
                for row in check.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        finally:
            check.close()
    except sqlite3.DatabaseError:
        raise BackupError(f"{source} is not a SQLite database.") from None
    missing = REQUIRED_TABLES - tables
    if missing:
        raise BackupError(
            f"{source} is not a Hanjiang backup: tables {', '.join(sorted(missing))} are missing."
        )


def restore_database(source: Path, alias: str = "default") -> None:
    """Replace the live database's content with the backup at `source`."""
    if not source.is_file():
        raise BackupError(f"No backup file at {source}.")
    connection = connections[alias]
    if connection.vendor == "sqlite":
        _check_sqlite_backup(source)
        connection.ensure_connection()
        backup = sqlite3.connect(source)
        try:
            backup.backup(connection.connection)
        finally:
            backup.close()
        return
    if connection.vendor == "postgresql":
        arguments, environment = _pg_environment(connection.settings_dict)
        listing = subprocess.run(  # noqa: S603 - fixed tool, the file name is an argument
            [_tool("pg_restore"), "--list", str(source)],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if listing.returncode != 0 or "core_auditentry" not in listing.stdout:
            raise BackupError(f"{source} is not a Hanjiang backup made by pg_dump.")
        connection.close()
        command = [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
        ]
        result = subprocess.run(  # noqa: S603 - fixed tool, arguments from settings
            [*command, *arguments, str(source)],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(result.stderr.strip() or "pg_restore failed")
        return
    raise BackupError(f"Restores are not supported for the {connection.vendor} database.")

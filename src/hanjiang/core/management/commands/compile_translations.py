from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


def compile_catalogues(locale_dirs: list[Path]) -> list[Path]:
    """Compile every .po under the locale directories to .mo (pure Python, no gettext tools)."""
    written: list[Path] = []
    for locale_dir in locale_dirs:
        for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            written.append(mo_path)
    return written


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po) to .mo files."

    def handle(self, *args: Any, **options: Any) -> None:
        written = compile_catalogues([Path(path) for path in settings.LOCALE_PATHS])
        self.stdout.write(f"{len(written)} catalogue(s) compiled.")

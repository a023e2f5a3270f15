from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from hanjiang.registry.demo import demo_load


class Command(BaseCommand):
    help = "Create the demo users (one per role) and the labelled demo organisation. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_load()
        if not logins:
            self.stdout.write("Demo content already present (passwords were printed when created).")
            return
        self.stdout.write("")
        self.stdout.write("=" * 72)
        self.stdout.write("Demo logins (shown once; change them with `hanjiang changepassword`):")
        for login in logins:
            self.stdout.write(
                f"  {login.username:<12} {login.password:<20} {login.role} · {login.scope}"
            )
        self.stdout.write("=" * 72)

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hanjiang.accounts.models import Role
from hanjiang.accounts.services import user_create
from hanjiang.core.errors import DomainError
from hanjiang.core.models import AuditChannel
from hanjiang.registry.models import Division, DivisionLevel, Organisation
from hanjiang.registry.selectors import normalize_division_code


class Command(BaseCommand):
    help = (
        "Create a user with one role; a county officer needs --county, "
        "an enterprise user --organisation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--county", help="County-level division code, e.g. 420625")
        parser.add_argument("--organisation", help="Unified social credit code of the organisation")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        county_id = organisation_id = None
        if options["county"]:
            code = normalize_division_code(options["county"])
            county = Division.objects.filter(code=code, level=DivisionLevel.COUNTY).first()
            if county is None:
                raise CommandError(f"No county-level division with code {options['county']}.")
            county_id = county.pk
        if options["organisation"]:
            organisation = Organisation.objects.filter(uscc=options["organisation"].upper()).first()
            if organisation is None:
                raise CommandError(f"No organisation with credit code {options['organisation']}.")
            organisation_id = organisation.pk
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
        try:
            user = user_create(
                actor=None,
                username=options["username"],
                password=password,
                role=options["role"],
                county_id=county_id,
                organisation_id=organisation_id,
                full_name=options["full_name"],
                email=options["email"],
                channel=AuditChannel.CLI,
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"User {user.username} created ({user.get_role_display()}).")

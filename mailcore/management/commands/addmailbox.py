"""`addmailbox ADDRESS --password PW [--name NAME] [--quota SIZE]`"""

from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError

from mailcore.store import AlreadyExists, InvalidAddress, create_account

_UNITS = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


def parse_size(text: str) -> int:
    """ "500M", "2G", "1048576", "0" (unlimited)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", text.upper())
    if not match:
        raise ValueError(f"not a size: {text!r} (try 500M or 2G)")
    return int(float(match.group(1)) * _UNITS[match.group(2)])


class Command(BaseCommand):
    help = "Create a mailbox (and its domain if new) with the default folders."

    def add_arguments(self, parser) -> None:
        parser.add_argument("address")
        parser.add_argument("--password", required=True)
        parser.add_argument("--name", default="", help="display name")
        parser.add_argument("--quota", default="0", help="e.g. 500M, 2G; 0 is unlimited")

    def handle(self, *args, **options) -> None:
        try:
            quota = parse_size(options["quota"])
        except ValueError as exc:
            raise CommandError(str(exc), returncode=2) from None
        try:
            account = create_account(
                options["address"],
                options["password"],
                display_name=options["name"],
                quota_bytes=quota,
            )
        except (InvalidAddress, AlreadyExists) as exc:
            raise CommandError(str(exc), returncode=2) from None
        self.stdout.write(f"created {account.address}")

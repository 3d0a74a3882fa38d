"""Load the demo chamber: staff logins, plans, businesses, memberships, pledges and whatever
later capabilities add. Safe to run again: it adds only what is missing."""

import logging
import os
import time
from datetime import date

from django.conf import settings
from django.core import mail
from django.core.management.base import CommandError, CommandParser
from django.test.utils import override_settings
from django.utils import timezone

from core.audit import AuditedCommand
from demo.run import run as run_demo
from demo.staff import DEFAULT_PASSWORD, DEMO_USERS

QUIET_MAIL = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
DEFAULT_SEED = 1784  # the year Hartford was incorporated as a city


class Command(AuditedCommand):
    help = (
        "Load demo data (a chamber with about 300 businesses, staff logins for every role) and "
        "print the admin login. Running it again adds only what is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=None,
            help="Password of every demo staff user (default: $DEMO_ADMIN_PASSWORD, else "
            f"{DEFAULT_PASSWORD!r}).",
        )
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="The day the demo treats as today, YYYY-MM-DD (default: the real today).",
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed.")
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Run even with DEBUG off. The demo creates a superuser with a known password: "
            "never do this on a server anyone else can reach.",
        )

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["allow_without_debug"]:
            raise CommandError(
                "seed_demo creates staff users with a known password, so it runs only with "
                "DEBUG=true (or --allow-without-debug on a machine nobody else can reach)."
            )
        password = options["password"] or os.environ.get("DEMO_ADMIN_PASSWORD") or DEFAULT_PASSWORD
        today = options["today"] or timezone.localdate()
        started = time.monotonic()
        # The mail the demo's story sends (receipts, reminders, welcomes: hundreds) is kept in
        # memory, never printed nor sent; each one is listed under Email log in the admin.
        # Nor are the log lines of its background work (a few for each mail).
        logging.disable(logging.INFO)
        try:
            with override_settings(MAILERS=QUIET_MAIL):
                mail.outbox = []
                run_demo(
                    today=today, seed=options["seed"], password=password, log=self.stdout.write
                )
                written = len(mail.outbox)
                mail.outbox = []
        finally:
            logging.disable(logging.NOTSET)
        self.stdout.write(
            f"Demo data ready in {time.monotonic() - started:.1f}s "
            f"(the demo's today is {today.isoformat()}); {written} mails written, not sent "
            "(see Email log in the admin)."
        )
        others = ", ".join(user.username for user in DEMO_USERS if user.role)
        self.stdout.write(
            self.style.SUCCESS(
                "\nLog in to the admin:\n"
                f"  URL:       {settings.SITE_URL}/admin/\n"
                f"  user name: admin\n"
                f"  password:  {password}\n"
                f"Staff in each role, same password: {others}\n"
            )
        )

"""The daily job, for cron: renewal invoices, reminders, grace and lapse, pledge installments.
Safe to run twice on a day: the second run finds everything done and changes nothing."""

from datetime import date

from django.core.management.base import CommandError, CommandParser

from core.audit import AuditedCommand
from crm.services.renewals import renewals_run


class Command(AuditedCommand):
    help = (
        "Run the day's renewals and membership lifecycle: renewal invoices (auto-renewing "
        "members charged), reminders, grace and lapse, pledge installments. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            default=None,
            help="Run as of this day, YYYY-MM-DD (default: today in TIME_ZONE).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what the run would do and change nothing.",
        )

    def handle(self, *args, **options) -> None:
        report = renewals_run(today=options["date"], dry_run=options["dry_run"])
        for line in report.lines():
            self.stdout.write(line)
        if report.errors:
            # A non-zero exit makes cron mail the log; the rows that worked stay done.
            raise CommandError(f"{len(report.errors)} row(s) failed; the rest were done.")

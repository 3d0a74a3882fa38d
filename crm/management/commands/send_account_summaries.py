"""The weekly summary mail of each account owner, for cron (say, Mondays at 7). Safe to run
again: a staff member gets one summary per week, however often it runs."""

from datetime import date

from django.core.management.base import CommandParser

from core.audit import AuditedCommand
from crm.services.pipeline import account_summaries_send


class Command(AuditedCommand):
    help = (
        "Mail each staff member who owns accounts or has open tasks the week's summary: tasks "
        "overdue and due, prospects by stage, members at risk. Once per week and person."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--date",
            type=date.fromisoformat,
            default=None,
            help="Run as of this day, YYYY-MM-DD (default: today in TIME_ZONE).",
        )

    def handle(self, *args, **options) -> None:
        run = account_summaries_send(today=options["date"])
        self.stdout.write(
            f"{run.sent} summar{'y' if run.sent == 1 else 'ies'} sent, {run.already_sent} "
            f"already sent this week, {run.without_address} staff without an email address."
        )

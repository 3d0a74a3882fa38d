"""Requeue background tasks whose worker died while running them. For cron next to db_worker."""

from datetime import timedelta
from typing import Any

from billing.tasks import tasks_requeue_stalled
from core.audit import AuditedCommand


class Command(AuditedCommand):
    help = (
        "Put back in the queue the tasks a db_worker claimed more than --minutes ago and never "
        "finished (the worker died), so that a worker runs them again. Safe: every task skips "
        "what is already done."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--minutes",
            type=int,
            default=30,
            help="How long a task may run before it counts as stalled (default 30).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = tasks_requeue_stalled(older_than=timedelta(minutes=options["minutes"]))
        self.stdout.write(f"{count} stalled task(s) requeued.")

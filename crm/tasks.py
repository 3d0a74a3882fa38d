"""crm's background tasks (Django's tasks API: run in the request with the immediate backend,
by `manage.py db_worker` with the database one)."""

from datetime import date

from django.tasks import task

from crm.services.pipeline import account_summaries_send


@task
def send_account_summaries(today: str | None = None) -> str:
    """The weekly summary mail of each account owner (account_summaries_send: once per week and
    person, however often it runs). Queued by the daily run on Mondays; `manage.py
    send_account_summaries` runs the same service by hand."""
    run = account_summaries_send(today=date.fromisoformat(today) if today else None)
    return f"{run.sent} sent, {run.already_sent} already sent, {run.without_address} no address"

"""Renewals and the membership lifecycle, run once a day by `manage.py run_daily`.

`renewals_run(today=..., dry_run=...)` does, in order: pending downgrades that start today,
renewal invoices (charged automatically for auto-renewing members with a saved card), reminders
on each plan's schedule and on the installments' (PLEDGE_REMINDER_DAYS), grace and lapse, pledge
installments coming due, pledges fully paid, renewals proposed before a pledge's last installment.

Every step decides from recorded facts, never from "did the job run today": a renewal invoice per
membership period (billing's invoice_create_for_membership returns the standing one), a reminder row
per invoice and kind (unique), a status that has already moved. So a second run on the same day, or
two runs at once, change nothing more. Candidates are chosen with one query per step (and one per
chunk of 500 rows); the writes go through the same services staff use, one row at a time, each in
its own transaction so one bad row is reported and the others go on.

The steps live a module each (invoices, reminders, lifecycle: grace, lapse and downgrades, pledges);
plan changes and reinstatement, the other membership money staff start by hand, beside them. Billing
never imports this package: it bills and collects, and learns what a paid membership line does from
crm/services/effects.py.
"""

from datetime import date

from django.utils import timezone

from crm.services.auto_renew import membership_auto_renew_set
from crm.services.renewals.invoices import (
    _step_renewal_invoices,
    charge_invoice_later,
    membership_renewal_invoice,
)
from crm.services.renewals.lifecycle import _step_grace, _step_lapse, _step_plan_changes
from crm.services.renewals.plan_changes import (
    PlanChangePreview,
    UpgradeQuote,
    membership_change_plan,
    plan_change_preview,
    upgrade_quote,
)
from crm.services.renewals.pledge_renewals import (
    _step_renewal_proposals,
    pledge_renewal_accept,
    pledge_renewal_decline,
    pledge_renewal_propose,
    pledge_renewal_terms,
)
from crm.services.renewals.pledges import _step_installments, _step_pledges_completed
from crm.services.renewals.reinstatement import membership_reinstate_and_bill
from crm.services.renewals.reminders import (
    _step_reminders,
    invoice_send_reminder,
    membership_send_reminder,
    reminder_kind,
)
from crm.services.renewals.report import STEPS, RunReport


def renewals_run(*, today: date | None = None, dry_run: bool = False) -> RunReport:
    """The day's renewal and lifecycle work; see the module's docstring."""
    report = RunReport(today=today or timezone.localdate(), dry_run=dry_run)
    _step_plan_changes(report)
    _step_renewal_invoices(report)
    _step_reminders(report)
    _step_grace(report)
    _step_lapse(report)
    _step_installments(report)
    _step_pledges_completed(report)
    _step_renewal_proposals(report)
    _queue_account_summaries(report)
    return report


def _queue_account_summaries(report: RunReport) -> None:
    """On Mondays, queue the week's account summaries (crm.tasks.send_account_summaries) once
    the run's work is committed; the service sends each person one a week, so a second run, or
    a manual `send_account_summaries`, sends nothing more."""
    if report.dry_run or report.today.weekday() != 0:
        return
    from django.db import transaction

    from crm.tasks import send_account_summaries

    day = report.today.isoformat()
    transaction.on_commit(lambda: send_account_summaries.enqueue(day))


__all__ = [
    "STEPS",
    "PlanChangePreview",
    "RunReport",
    "UpgradeQuote",
    "charge_invoice_later",
    "invoice_send_reminder",
    "membership_auto_renew_set",
    "membership_change_plan",
    "membership_reinstate_and_bill",
    "membership_renewal_invoice",
    "membership_send_reminder",
    "plan_change_preview",
    "pledge_renewal_accept",
    "pledge_renewal_decline",
    "pledge_renewal_propose",
    "pledge_renewal_terms",
    "reminder_kind",
    "renewals_run",
    "upgrade_quote",
]

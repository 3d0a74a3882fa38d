"""Demo step: the daily job as cron would run it on the demo's today, so the renewals page shows
renewal invoices, members in grace and lapsed ones, and pledge installments billed. A second
seed finds the job's work recorded and adds nothing (the job is idempotent)."""

from crm.services.renewals import renewals_run
from demo.context import DemoContext


def seed(ctx: DemoContext) -> str:
    report = renewals_run(today=ctx.today)
    counts = ", ".join(
        f"{report.count(step)} {step}" for step in ("renewal invoices", "reminders sent")
    )
    more = report.changed - report.count("renewal invoices") - report.count("reminders sent")
    failed = f", {len(report.errors)} failed" if report.errors else ""
    return (
        f"renewals: the daily job ran as of {ctx.today.isoformat()}: {counts}, "
        f"{more} other changes{failed}"
    )

from typing import Any

from django import template
from django.utils import timezone

from billing import reports
from billing.charts import bar_chart
from billing.finance_views import REPORT_PERMISSION

register = template.Library()


@register.inclusion_tag("admin/billing/dashboard.html", takes_context=True)
def finance_dashboard(context: Any) -> dict[str, Any]:
    """The admin front page's key figures and charts, for staff who may read the reports."""
    request = context.get("request")
    if request is None or not request.user.has_perm(REPORT_PERMISSION):
        return {"figures": None}
    figures = reports.dashboard(today=timezone.localdate())
    return {
        "request": request,
        "figures": figures,
        "dues_chart": bar_chart(
            [f"{month:%b}" for month, _ in figures["dues_by_month"]],
            [("Billed", [total for _, total in figures["dues_by_month"]])],
            title="Dues billed this year by month",
            width=420,
            height=200,
        ),
        "aging_chart": bar_chart(
            list(figures["aging"]),
            [("Outstanding", list(figures["aging"].values()))],
            title="AR aging",
            width=420,
            height=200,
        ),
    }

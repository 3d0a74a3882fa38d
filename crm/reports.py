"""crm's reports on the admin's report pages (/admin/reports/, billing.finance_views): they
are registered there when the app is ready, since billing imports nothing of crm's selectors."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from billing.charts import bar_chart
from crm.selectors.benefits import benefit_usage_by_level, used_share

LEAST = 5


def _as_of(request: HttpRequest) -> date:
    try:
        return date.fromisoformat(request.GET.get("as_of") or "")
    except ValueError:
        return timezone.localdate()


def benefits_by_level(request: HttpRequest) -> dict[str, Any]:
    as_of = _as_of(request)
    rows = benefit_usage_by_level(today=as_of, least=LEAST)

    def least(row: Any) -> str:
        return "; ".join(
            "{} ({} of {})".format(organization.name, *used_share(benefits))
            for organization, benefits in row.least
        )

    return {
        "filters": {"as_of": as_of},
        "header": [
            "Investor level",
            "Investors",
            "Benefits granted",
            "Used",
            "Used %",
            f"Used least (up to {LEAST}: renewal risks)",
        ],
        "rows": [
            [
                r.level.name,
                r.organizations,
                r.granted,
                r.used,
                r.share if r.share is not None else "",
                least(r),
            ]
            for r in rows
        ],
        "chart": bar_chart(
            [r.level.name for r in rows],
            [("Granted", [r.granted for r in rows]), ("Used", [r.used for r in rows])],
            title="Counted benefits granted and used this term, by investor level",
            money=False,
        ),
        "note": (
            "Investors with a confirmed pledge in force on the day chosen, by level: the "
            "counted benefits (seats, ads, ...) their plan and levels grant them in their "
            "current term, and how many they used (a registration's complimentary seats, "
            "given back when it is cancelled, and what staff recorded). Yes/no benefits are "
            "not counted. The investors who used the smallest share come first: the renewal "
            "risks to call."
        ),
    }


def register_reports() -> None:
    from billing.finance_views import register_report

    register_report("benefits", "Benefits used by investor level", benefits_by_level)

from typing import Any

from django import template
from django.conf import settings
from django.utils import timezone

from crm import selectors

register = template.Library()


@register.inclusion_tag("admin/crm/at_risk_dashboard.html", takes_context=True)
def at_risk_members(context: Any) -> dict[str, Any]:
    """The admin front page's list of members at risk, for staff who may see memberships."""
    request = context.get("request")
    if request is None or not request.user.has_perm("crm.view_membership"):
        return {"show": False}
    return {
        "show": True,
        "at_risk": selectors.members_at_risk(today=timezone.localdate()),
        "days": settings.ENGAGEMENT_RISK_DAYS,
        "threshold": settings.ENGAGEMENT_RISK_THRESHOLD,
    }

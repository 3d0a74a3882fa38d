from typing import Any

from django import template

from outreach.selectors import contact_subscriptions

register = template.Library()


@register.inclusion_tag("admin/outreach/contact_subscriptions.html", takes_context=True)
def contact_newsletters(context: dict[str, Any], contact: Any) -> dict[str, Any]:
    """The newsletters a contact is on, for staff who may see subscriptions."""
    request = context.get("request")
    allowed = bool(
        request is not None
        and contact is not None
        and request.user.has_perm("outreach.view_subscription")
    )
    return {
        "allowed": allowed,
        "subscriptions": contact_subscriptions(contact) if allowed else [],
    }

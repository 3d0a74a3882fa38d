"""The event types an endpoint may subscribe to, with what each means (docs/webhooks.md)."""

EVENT_TYPES: dict[str, str] = {
    "membership.activated": "A membership became active (approved with its dues paid, its first "
    "dues paid, or reinstated).",
    "membership.renewed": "An active (or in-grace) membership's dues were paid for a further "
    "period.",
    "membership.lapsed": "A membership's grace period ended with its dues unpaid.",
    "membership.cancelled": "A membership was dropped or its application withdrawn.",
    "organization.updated": "A member organization's directory fields changed.",
    "registration.confirmed": "An event registration was confirmed (free, or paid).",
    "registration.cancelled": "An event registration was cancelled.",
    "invoice.paid": "An invoice was paid in full.",
    "pledge.confirmed": "An investment pledge was confirmed.",
    "subscription.confirmed": "A newsletter subscriber confirmed their address.",
    "subscription.cancelled": "A newsletter subscriber unsubscribed.",
}

EVENT_TYPE_CHOICES = [(name, name) for name in EVENT_TYPES]

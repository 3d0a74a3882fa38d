from django.apps import AppConfig


class EventsConfig(AppConfig):
    """Chamber events: ticket types, registrations, the waitlist, check-in. Paid registrations
    are billed through billing's services; billing learns what a paid registration line does
    from the handlers registered here (billing.effects), never by importing events."""

    name = "events"
    verbose_name = "Events"

    def ready(self) -> None:
        from crm.selectors.timeline import register_timeline_source
        from events.selectors import registration_timeline
        from events.services.effects import register_billing_handlers

        register_billing_handlers()
        register_timeline_source("events", registration_timeline)

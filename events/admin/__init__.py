"""The events admin; importing the modules registers their pages."""

from events.admin import events, registrations

__all__ = ["events", "registrations"]

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo chamber and its command, `manage.py seed_demo` (refused unless DEBUG is on).
    It writes through every app's services; no app imports it."""

    name = "demo"
    verbose_name = "Demo data"

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What every app shares: base models, exceptions, the audit trail, mail, service helpers,
    admin mixins and audited commands. It imports no other app of the project."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import audit, db  # noqa: F401 (db registers the `in_array` lookup)

        audit.connect()

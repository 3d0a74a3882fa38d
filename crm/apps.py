from django.apps import AppConfig


class CrmConfig(AppConfig):
    """Organizations, contacts, memberships and their money (renewals, plan changes,
    reinstatement), investors and pledges. Billing learns what a paid membership or pledge line
    does from the handlers registered here (billing.effects), never by importing crm's
    services."""

    name = "crm"
    verbose_name = "Members and investors"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from crm.reports import register_reports
        from crm.roles import sync_roles_after_migrate
        from crm.selectors.timeline import register_crm_sources
        from crm.services.effects import register_billing_handlers

        register_billing_handlers()
        register_reports()
        register_crm_sources()

        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="crm.sync_roles")

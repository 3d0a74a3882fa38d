from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "outreach"
    verbose_name = "Newsletters"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from crm.models import Contact
        from outreach.services.subscribers import link_saved_contact

        # Every path that creates or re-addresses a contact (a join, a registration, an import,
        # a merge, the admin) saves it: linking here covers them all, and crm needs no
        # knowledge of newsletters.
        post_save.connect(link_saved_contact, sender=Contact, dispatch_uid="outreach.link_contact")

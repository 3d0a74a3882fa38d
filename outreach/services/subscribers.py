from typing import Any

from crm.models import Contact
from crm.normalize import normalize_email
from outreach.models import Subscriber


def subscriber_link_contact(*, contact: Contact) -> int:
    """Link the subscriber with the contact's address to the contact (one UPDATE); returns how
    many rows changed (0 or 1). A contact whose address changed keeps no stale link."""
    email = normalize_email(contact.email or "")
    stale = Subscriber.objects.filter(contact=contact)
    if email:
        stale = stale.exclude(email=email)
    stale.update(contact=None)
    if not email:
        return 0
    return Subscriber.objects.filter(email=email).exclude(contact=contact).update(contact=contact)


def link_saved_contact(sender: Any, instance: Contact, raw: bool = False, **kwargs: Any) -> None:
    if raw:  # loading fixtures
        return
    subscriber_link_contact(contact=instance)


def contact_for_email(email: str) -> Contact | None:
    return Contact.objects.filter(email=normalize_email(email)).first() if email else None

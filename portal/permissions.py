"""Who may do what in the portal: one function, `access()`, that every organization page and
action calls.

What a contact may do at an organization follows their roles there (crm's Affiliation):

| may                          | primary | billing | event | any other |
|------------------------------|---------|---------|-------|-----------|
| see the membership at a glance, own details and seats | yes | yes | yes | yes |
| invoices, payments, receipts, the statement, what is due | yes | yes | no | no |
| colleagues (invite, remove, move the primary role) | yes | no | no | no |
| the directory listing (description, listed or not) | yes | no | no | no |
| a plan change (upgrade now, downgrade at renewal) | yes | no | no | no |
| accepting a pledge's renewal proposal | yes | no | no | no |
| registering colleagues for events (and cancelling their seats) | yes | no | yes | no |

Anyone at the organization registers themselves for events at the member price (a page every
role reaches, `Can.VIEW`); choosing colleagues there takes `Can.REGISTER_COLLEAGUES`.

A link proposed on a public form and not yet confirmed (a pending affiliation) grants nothing:
its contact is not at the organization here. A contact who is not at the organization, an
organization that does not exist and a record
(an invoice, a payment, a colleague) of another organization all get the same 404; a contact
at the organization without the role gets 403 with a sentence saying who has it.
"""

from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.http import Http404

from crm.models import Affiliation, Contact


class Can(StrEnum):
    VIEW = "view"
    BILLING = "billing"
    COLLEAGUES = "colleagues"
    DIRECTORY = "directory"
    PLAN = "plan"
    RENEW_PLEDGE = "renew_pledge"
    REGISTER_COLLEAGUES = "register_colleagues"


NEEDS = {
    Can.VIEW: "",
    Can.BILLING: "the billing contact or the primary representative",
    Can.COLLEAGUES: "the primary representative",
    Can.DIRECTORY: "the primary representative",
    Can.PLAN: "the primary representative",
    Can.RENEW_PLEDGE: "the primary representative",
    Can.REGISTER_COLLEAGUES: "the event contact or the primary representative",
}


def may(affiliation: Affiliation, what: Can) -> bool:
    if affiliation.is_primary or what == Can.VIEW:
        return True
    if what == Can.BILLING:
        return affiliation.is_billing
    if what == Can.REGISTER_COLLEAGUES:
        return affiliation.is_event_contact
    return False


def access(contact: Contact | None, organization_id: int, what: Can) -> Affiliation:
    """The contact's affiliation with the organization, when they may do `what` there.
    Http404 when they are not at it (or it does not exist), PermissionDenied without the role."""
    if contact is None:
        raise Http404
    affiliation = (
        Affiliation.objects.select_related("organization", "contact")
        .filter(
            contact=contact,
            organization_id=organization_id,
            status=Affiliation.Status.CONFIRMED,
        )
        .first()
    )
    if affiliation is None:
        raise Http404
    if not may(affiliation, what):
        raise PermissionDenied(
            f"Only {NEEDS[what]} of {affiliation.organization.name} may do this here."
        )
    return affiliation

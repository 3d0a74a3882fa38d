"""Every write to the CRM goes through these functions: the admin, the staff API, the public API
and the scheduled jobs all call them, so the rules live in one place."""

from crm.services.directory import (
    LISTING_FIELDS,
    DirectoryListing,
    directory_category_save,
    organization_directory_update,
)
from crm.services.memberships import (
    membership_cancel,
    membership_create,
    membership_enter_grace,
    membership_lapse,
    membership_record_payment,
    membership_reverse_payment,
    membership_update,
)
from crm.services.organizations import (
    affiliation_confirm,
    affiliation_delete,
    affiliation_reject,
    affiliation_save,
    contact_save,
    note_create,
    note_delete,
    note_update,
    organization_save,
)
from crm.services.plans import investor_level_save, membership_plan_save
from crm.services.pledges import (
    pledge_cancel,
    pledge_complete,
    pledge_create,
    pledge_reopen,
    pledge_update,
)

__all__ = [
    "LISTING_FIELDS",
    "DirectoryListing",
    "affiliation_confirm",
    "affiliation_delete",
    "affiliation_reject",
    "affiliation_save",
    "contact_save",
    "directory_category_save",
    "investor_level_save",
    "membership_cancel",
    "membership_create",
    "membership_enter_grace",
    "membership_lapse",
    "membership_plan_save",
    "membership_record_payment",
    "membership_reverse_payment",
    "membership_update",
    "note_create",
    "note_delete",
    "note_update",
    "organization_directory_update",
    "organization_save",
    "pledge_cancel",
    "pledge_complete",
    "pledge_create",
    "pledge_reopen",
    "pledge_update",
]

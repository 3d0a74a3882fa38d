"""Joining and investing online: what the public API's POST join/ and POST invest/ do.

Each submission runs in one transaction: it finds the records the chamber already has for the
business and the person (same email; same organization by normalized name or website domain),
links to them instead of making duplicates and flags the match for staff, then creates the
membership or the pledge through the lifecycle services. Mail goes out only after the commit, so
nobody is told about a record that was rolled back.

A module each: `matching` (the form's records found or created, and flagged), `joining` (an
application, approved or rejected), `investing` (a pledge, confirmed or declined), and `mail`
(what both send).
"""

from crm.services.applications.investing import (
    investment_confirm,
    investment_decline,
    investment_issue_due_invoices,
    investment_submit,
    pledge_invoices,
)
from crm.services.applications.joining import (
    START_AHEAD_DAYS,
    START_BACK_DAYS,
    SubmittedApplication,
    application_approve,
    application_invoice,
    application_reject,
    application_submit,
)
from crm.services.applications.matching import (
    AddressInput,
    ContactInput,
    Match,
    OrganizationInput,
)

__all__ = [
    "START_AHEAD_DAYS",
    "START_BACK_DAYS",
    "AddressInput",
    "ContactInput",
    "Match",
    "OrganizationInput",
    "SubmittedApplication",
    "application_approve",
    "application_invoice",
    "application_reject",
    "application_submit",
    "investment_confirm",
    "investment_decline",
    "investment_issue_due_invoices",
    "investment_submit",
    "pledge_invoices",
]

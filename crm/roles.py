"""Staff roles are Django groups with the permissions their work needs and no more.

The groups are created by a migration; their permissions are brought in line with ROLES after
every migrate, so a model added later (billing, say) joins the roles that should see it.
"""

from typing import Any

MEMBERSHIP = "Membership"
FINANCE = "Finance"
EVENTS = "Events"
READ_ONLY = "Read-only"
ROLE_NAMES = (MEMBERSHIP, FINANCE, EVENTS, READ_ONLY)

# Webhook endpoints (the "webhooks" app) are in no role: an endpoint decides where the chamber's
# data goes and holds its signing secret, so only superusers manage them and their deliveries.
#
# app label -> models whose rows the role may view ("view"), or edit ("add", "change", "delete").
_CRM_PEOPLE = ["organization", "contact", "affiliation", "note"]
_EVENTS = ["event", "tickettype", "registration", "attendee"]
# Drafting a new dues schedule and comparing it with today's dues: membership and finance.
_CRM_DUES_PLANNING = ["duesschedule", "duesschedulerule", "duesschedulebracket"]
# Benefits: membership staff define them, grant them with plans and levels, and record uses
# (a registration records its own); nobody edits a use afterwards.
_CRM_BENEFITS = ["benefit", "benefitgrant"]
# Account work (prospects and their stages, tasks, interactions): the membership staff own the
# accounts; finance and read-only read them (crm "view": "*"); inquiries are only read.
_CRM_ACCOUNTS = ["prospect", "task", "interaction"]
# The member directory's headings: the membership staff keep the list.
_CRM_DIRECTORY = ["directorycategory"]
_CRM_MEMBERSHIP = [
    "membership",
    "membershipplan",
    "planbracket",
    "investorlevel",
    "pledge",
    "pledgeinstallment",
    "pledgerenewalproposal",
    "membershiptransition",
]

ROLES: dict[str, dict[str, Any]] = {
    MEMBERSHIP: {
        "crm": {
            "view": "*",
            "add": _CRM_PEOPLE
            + ["membership", "membershipplan", "planbracket", "investorlevel", "pledge"]
            + _CRM_DUES_PLANNING
            + _CRM_ACCOUNTS
            + _CRM_BENEFITS
            + ["benefitusage"]
            + _CRM_DIRECTORY,
            # Renewal proposals are made by the daily run; staff accept or decline them.
            "change": _CRM_PEOPLE
            + ["membership", "membershipplan", "planbracket", "investorlevel", "pledge"]
            + ["pledgerenewalproposal"]
            + _CRM_DUES_PLANNING
            + _CRM_ACCOUNTS
            + _CRM_BENEFITS
            + _CRM_DIRECTORY,
            "delete": [
                "directorycategory",
                "affiliation",
                "note",
                "planbracket",
                "duesschedulerule",
                "duesschedulebracket",
                "benefitgrant",
            ],
        },
        "events": {"view": "*"},
        "billing": {"view": "*"},
        # Directory listings members saved in the portal, waiting for review (approve, reject).
        "portal": {"view": ["directorychange"], "change": ["directorychange"]},
        # Newsletter lists are the membership team's outreach: they define lists, add people
        # who asked in person and unsubscribe on request; consent records are never edited.
        "outreach": {
            "view": "*",
            "add": ["newsletterlist", "subscription"],
            "change": ["newsletterlist", "subscription"],
        },
    },
    FINANCE: {
        "crm": {
            "view": "*",
            "add": ["note", "duesdeductibility", *_CRM_DUES_PLANNING],
            "change": ["note", "duesdeductibility", *_CRM_DUES_PLANNING],
            "delete": ["duesschedulerule", "duesschedulebracket"],
        },
        "events": {"view": "*"},
        "billing": {"view": "*", "add": "*", "change": "*"},
    },
    EVENTS: {
        "crm": {
            "view": _CRM_PEOPLE + ["membership", "membershipplan"],
            "add": _CRM_PEOPLE[:2] + ["affiliation", "note"],
            "change": ["contact", "affiliation", "note"],
        },
        "events": {"view": _EVENTS, "add": _EVENTS, "change": _EVENTS, "delete": ["tickettype"]},
        "billing": {"view": ["invoice", "payment", "refund"]},
    },
    READ_ONLY: {
        "crm": {"view": "*"},
        "portal": {"view": ["directorychange"]},
        "events": {"view": "*"},
        "billing": {"view": "*"},
        "outreach": {"view": "*"},
    },
}

# Extra (non-model) permissions a role holds, as "app_label.codename".
EXTRA_PERMISSIONS: dict[str, list[str]] = {
    MEMBERSHIP: ["crm.apply_duesschedule"],
    FINANCE: [
        "crm.apply_duesschedule",
        "billing.void_invoice",
        "billing.write_off_invoice",
        "billing.record_payment",
        "billing.refund_payment",
        "billing.apply_credit",
        "billing.refund_credit",
        "billing.replay_stripeevent",
        "events.take_payment_at_door",
    ],
    EVENTS: ["events.take_payment_at_door"],
    READ_ONLY: [],
}


def role_permission_ids(role: str) -> set[int]:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    wanted: set[int] = set()
    for app_label, actions in ROLES[role].items():
        content_types = {ct.model: ct for ct in ContentType.objects.filter(app_label=app_label)}
        # Historical (simple-history) tables are read through their record's admin.
        models_of_app = {name for name in content_types if not name.startswith("historical")}
        perms = Permission.objects.filter(content_type__app_label=app_label).select_related(
            "content_type"
        )
        for perm in perms:
            action, _, model = perm.codename.partition("_")
            if perm.content_type.model != model or model not in models_of_app:
                continue
            allowed = actions.get(action)
            if allowed == "*" or (allowed and model in allowed):
                wanted.add(perm.pk)
    for dotted in EXTRA_PERMISSIONS.get(role, []):
        app_label, codename = dotted.split(".", 1)
        extra = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if extra is not None:
            wanted.add(extra.pk)
    return wanted


def sync_roles() -> None:
    from django.contrib.auth.models import Group

    for role in ROLE_NAMES:
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(role_permission_ids(role))


def sync_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    # Runs once per migrated app; only act after the last one so every permission exists.
    from django.apps import apps

    with_models = [a for a in apps.get_app_configs() if a.models_module is not None]
    last = with_models[-1]
    if sender.label != last.label:
        return
    using = kwargs.get("using", "default")
    if using != "default":
        return
    sync_roles()

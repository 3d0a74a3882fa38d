"""Each staff role holds the permissions its work needs on the CRM, and no more."""

import pytest
from django.contrib.auth.models import Group, Permission

from crm.roles import ROLE_NAMES, sync_roles

pytestmark = pytest.mark.django_db

VIEW_ALL = {
    f"view_{model}"
    for model in [
        "organization",
        "contact",
        "affiliation",
        "note",
        "membership",
        "membershipplan",
        "planbracket",
        "investorlevel",
        "pledge",
        "pledgeinstallment",
        "pledgerenewalproposal",
        "membershiptransition",
        # The admin's queues (proxies of membership and pledge, acting on those models' rights).
        "application",
        "pledgetoconfirm",
        "membershipplanchange",
        "emaillog",
        "event",
        "tickettype",
        "registration",
        "attendee",
        "duesschedule",
        "duesschedulerule",
        "duesschedulebracket",
        "duesdeductibility",
        # Account work: prospects, inquiries, tasks, interactions, the weekly summaries sent.
        "prospect",
        "inquiry",
        "task",
        "interaction",
        "accountsummary",
        # Benefits: their definitions, the grants of plans and levels, the uses, sign-ins.
        "benefit",
        "benefitgrant",
        "benefitusage",
        "portalsignin",
        # The directory's categories, which members choose for their listing.
        "directorycategory",
    ]
}
# Drafting, comparing and applying a new dues schedule: membership and finance.
DUES_PLANNING = {
    f"{action}_{model}"
    for action in ("add", "change")
    for model in ["duesschedule", "duesschedulerule", "duesschedulebracket"]
} | {"delete_duesschedulerule", "delete_duesschedulebracket", "apply_duesschedule"}
EVENTS_MODELS = ["event", "tickettype", "registration", "attendee"]
EDITS_PEOPLE_AND_MEMBERSHIPS = {
    f"{action}_{model}"
    for action in ("add", "change")
    for model in [
        "organization",
        "contact",
        "affiliation",
        "note",
        "membership",
        "membershipplan",
        "planbracket",
        "investorlevel",
        "pledge",
    ]
}

ACCOUNT_WORK = ["prospect", "task", "interaction"]

EXPECTED_CRM_PERMISSIONS = {
    "Membership": VIEW_ALL
    | EDITS_PEOPLE_AND_MEMBERSHIPS
    | {"delete_affiliation", "delete_note", "delete_planbracket"}
    | DUES_PLANNING
    # The daily run proposes renewals; membership staff accept or decline them.
    | {"change_pledgerenewalproposal"}
    # The membership staff own the accounts: the pipeline, tasks and interactions.
    | {f"{action}_{model}" for action in ("add", "change") for model in ACCOUNT_WORK}
    # They define benefits, grant them with plans and levels, and record uses.
    | {f"{action}_{model}" for action in ("add", "change") for model in ["benefit", "benefitgrant"]}
    | {"delete_benefitgrant", "add_benefitusage"}
    # They keep the directory's categories.
    | {f"{action}_directorycategory" for action in ("add", "change", "delete")},
    "Finance": VIEW_ALL
    | {"add_note", "change_note", "add_duesdeductibility", "change_duesdeductibility"}
    | DUES_PLANNING
    # Finance may take a registration's payment at the door.
    | {"take_payment_at_door"},
    "Events": {
        "view_organization",
        "view_contact",
        "view_affiliation",
        "view_note",
        "view_membership",
        "view_membershipplan",
        "add_organization",
        "add_contact",
        "add_affiliation",
        "add_note",
        "change_contact",
        "change_affiliation",
        "change_note",
        "delete_tickettype",
        # Cash or a check from a party awaiting payment, at the door.
        "take_payment_at_door",
    }
    | {f"{action}_{model}" for action in ("view", "add", "change") for model in EVENTS_MODELS},
    "Read-only": VIEW_ALL,
}


def _crm_permissions(role: str) -> set[str]:
    return set(
        Group.objects.get(name=role)
        # The events app's models began in crm: their permissions are judged with crm's.
        .permissions.filter(content_type__app_label__in=["crm", "events"])
        .values_list("codename", flat=True)
    )


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_it_gives_each_role_exactly_the_crm_permissions_its_work_needs(role):
    assert _crm_permissions(role) == EXPECTED_CRM_PERMISSIONS[role]


@pytest.mark.parametrize("role", ROLE_NAMES)
def test_it_lets_no_role_delete_what_carries_history_or_money(role):
    for model in [
        "organization",
        "contact",
        "membership",
        "membershiptransition",
        "pledge",
        "event",
        "registration",
    ]:
        assert f"delete_{model}" not in _crm_permissions(role)


def test_it_gives_the_read_only_role_nothing_but_view_permissions():
    codenames = Group.objects.get(name="Read-only").permissions.values_list("codename", flat=True)

    assert codenames
    assert all(codename.startswith("view_") for codename in codenames)


def test_it_gives_no_role_the_historical_tables_or_the_user_accounts():
    for role in ROLE_NAMES:
        codenames = set(Group.objects.get(name=role).permissions.values_list("codename", flat=True))
        assert not {c for c in codenames if "historical" in c}
        assert not {c for c in codenames if c.endswith(("_user", "_group", "_permission"))}


def test_it_restores_a_role_an_administrator_widened_by_hand():
    membership = Group.objects.get(name="Membership")
    membership.permissions.add(Permission.objects.get(codename="delete_organization"))

    sync_roles()

    assert _crm_permissions("Membership") == EXPECTED_CRM_PERMISSIONS["Membership"]

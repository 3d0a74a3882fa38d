"""Every admin page, action and custom admin URL, for every kind of caller, against a table of
who may.

The table is written from what each role is for (crm/roles.py and the README's role table), not
computed from the permission code it checks. A registered model is a row: who may view (the
list, the change page read-only, the history pages), add, change (and revert from the history),
delete, run each list action and open each of its own URLs. The superuser is named (SU) where
allowed, because some pages refuse even the superuser (a payment is never edited by hand).
Callers who are not active staff are sent to the login page. A model, action or admin URL
without a row fails test_it_has_a_row_for_every_admin_page, naming it.

"Allowed" means the request got past the permission checks: forms are posted empty, so a form
with errors or a confirmation page counts. A refused request must change nothing in the
database and schedule nothing to run after the commit.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import transaction
from django.template.base import Template
from django.test import Client
from import_export.admin import ExportActionMixin
from simple_history.admin import SimpleHistoryAdmin

from billing import finance_urls, finance_views
from crm.roles import EVENTS, FINANCE, MEMBERSHIP, READ_ONLY
from tests.permission_world import (
    ANONYMOUS,
    DEACTIVATED,
    NO_ROLE,
    NOT_STAFF,
    SUPERUSER,
    changed_tables,
    database_state,
)

M, F, E, RO, SU = MEMBERSHIP, FINANCE, EVENTS, READ_ONLY, SUPERUSER


def staff(*roles: str) -> frozenset[str]:
    """These roles and the superuser."""
    return frozenset({*roles, SU})


ALL = staff(M, F, E, RO)
NOT_EVENTS = staff(M, F, RO)  # the Events role sees people, memberships, plans and events only
SU_ONLY = staff()
NOBODY: frozenset[str] = frozenset()  # not even the superuser
Who = frozenset[str]


@dataclass(frozen=True)
class Page:
    view: Who
    add: Who = NOBODY
    change: Who = NOBODY
    delete: Who = NOBODY
    # List actions, by name; Django's "Delete selected" follows `delete` and needs no entry.
    actions: dict[str, Who] = field(default_factory=dict)
    urls: dict[str, dict[str, Who]] = field(default_factory=dict)  # pattern -> method -> who
    # The change page only forwards to this page of the model's own (it has its own row).
    change_page_redirects_to: str | None = None


EXPORT = "export_admin_action"  # "Export selected" (django-import-export)
DELETE = "delete_selected"

# fmt: off
ADMIN: dict[str, Page] = {
    "crm.organization": Page(view=ALL, add=staff(M, E), change=staff(M), delete=SU_ONLY,
        actions={"merge_selected": staff(M), "set_account_owner": staff(M), EXPORT: ALL},
        urls={"import-roster/": {"GET": staff(M), "POST": staff(M)},
              "duplicates/": {"GET": ALL},
              "merge/": {"GET": staff(M), "POST": staff(M)},
              "export/": {"GET": ALL},
              "<int:pk>/dues-statement/": {"GET": ALL},
              "<int:pk>/statement/": {"GET": ALL},
              "<int:pk>/statement/pdf/": {"GET": ALL},
              "<int:pk>/benefits/use/": {"POST": staff(M)},
              "<int:pk>/pending-affiliations/": {"GET": staff(M, E), "POST": staff(M, E)}}),
    "crm.directorycategory": Page(view=NOT_EVENTS, add=staff(M), change=staff(M),
        delete=staff(M)),
    "crm.contact": Page(view=ALL, add=staff(M, E), change=staff(M, E), delete=SU_ONLY,
        actions={"merge_selected": staff(M, E), EXPORT: ALL},
        urls={"import-roster/": {"GET": staff(M), "POST": staff(M)},
              "duplicates/": {"GET": ALL},
              "merge/": {"GET": staff(M, E), "POST": staff(M, E)},
              "<int:pk>/portal-link/": {"GET": staff(M, E), "POST": staff(M, E)},
              "export/": {"GET": ALL}}),
    "crm.affiliation": Page(view=ALL, add=staff(M, E), change=staff(M, E), delete=staff(M),
        actions={"confirm_pending": staff(M, E), "reject_pending": staff(M, E), EXPORT: ALL},
        urls={"export/": {"GET": ALL}}),
    "crm.note": Page(view=ALL, add=staff(M, F, E), change=staff(M, F, E), delete=staff(M),
        actions={EXPORT: ALL}, urls={"export/": {"GET": ALL}}),
    "crm.membershipplan": Page(view=ALL, add=staff(M), change=staff(M), delete=SU_ONLY,
        actions={EXPORT: ALL}, urls={"export/": {"GET": ALL}}),
    "crm.emaillog": Page(view=NOT_EVENTS),
    # Dues planning: membership and finance draft, compare and apply; finance sets the notice.
    "crm.duesschedule": Page(view=NOT_EVENTS, add=staff(M, F), change=staff(M, F),
        delete=SU_ONLY, actions={"withdraw": staff(M, F)},
        urls={"new-from-plans/": {"POST": staff(M, F)},
              "<int:pk>/what-if/": {"GET": NOT_EVENTS, "POST": staff(M, F)},
              "<int:pk>/what-if.csv": {"GET": NOT_EVENTS}}),
    "crm.duesdeductibility": Page(view=NOT_EVENTS, add=staff(F), change=staff(F),
        delete=SU_ONLY),
    "crm.membership": Page(view=ALL, add=staff(M), change=staff(M), delete=SU_ONLY,
        actions={"approve": staff(M), "reject": staff(M), "drop": staff(M),
                 "reinstate": staff(M), "reinstate_with_fee": staff(M),
                 "change_plan": staff(M), "auto_renew_off": staff(M), EXPORT: ALL},
        urls={"renewals/": {"GET": ALL, "POST": staff(M)}, "export/": {"GET": ALL}}),
    "crm.investorlevel": Page(view=NOT_EVENTS, add=staff(M), change=staff(M), delete=SU_ONLY,
        actions={EXPORT: NOT_EVENTS}, urls={"export/": {"GET": NOT_EVENTS}}),
    "crm.pledge": Page(view=NOT_EVENTS, add=staff(M), change=staff(M), delete=SU_ONLY,
        actions={"confirm": staff(M), "decline": staff(M), "cancel": staff(M),
                 EXPORT: NOT_EVENTS},
        urls={"export/": {"GET": NOT_EVENTS}}),
    # The queues of applications and of pledges to confirm follow memberships and pledges.
    "crm.application": Page(view=ALL, change=staff(M),
        actions={"approve": staff(M), "reject": staff(M), EXPORT: ALL},
        urls={"renewals/": {"GET": ALL, "POST": staff(M)}, "export/": {"GET": ALL},
              "<int:pk>/approve/": {"POST": staff(M)}, "<int:pk>/reject/": {"POST": staff(M)}}),
    "crm.pledgerenewalproposal": Page(view=NOT_EVENTS, change=staff(M), delete=SU_ONLY,
        actions={"accept": staff(M), "decline": staff(M)}),
    "crm.pledgetoconfirm": Page(view=NOT_EVENTS, change=staff(M),
        actions={"confirm": staff(M), "decline": staff(M), EXPORT: NOT_EVENTS},
        urls={"export/": {"GET": NOT_EVENTS}}),
    # Account work: membership staff own the accounts. Tasks are created, edited and completed;
    # interactions are recorded, never edited; inquiries come from the website only.
    "crm.prospect": Page(view=NOT_EVENTS, add=staff(M), change=staff(M), delete=SU_ONLY),
    "crm.task": Page(view=NOT_EVENTS, add=staff(M), change=staff(M), delete=SU_ONLY,
        actions={"mark_done": staff(M)}, urls={"my-accounts/": {"GET": NOT_EVENTS}}),
    "crm.interaction": Page(view=NOT_EVENTS, add=staff(M), delete=SU_ONLY),
    "crm.inquiry": Page(view=NOT_EVENTS, delete=SU_ONLY),
    # Benefits: membership staff define them; uses are recorded on the organization's page
    # (or by registrations) and never edited.
    "crm.benefit": Page(view=NOT_EVENTS, add=staff(M), change=staff(M), delete=SU_ONLY),
    "crm.benefitusage": Page(view=NOT_EVENTS),
    "events.event": Page(view=ALL, add=staff(E), change=staff(E), delete=SU_ONLY,
        actions={"cancel_events": staff(E), "export_attendees": ALL, EXPORT: ALL},
        urls={"<int:event_id>/check-in/": {"GET": staff(E), "POST": staff(E)},
              "<int:event_id>/attendees.csv": {"GET": ALL},
              "export/": {"GET": ALL}}),
    "events.registration": Page(view=ALL, change=staff(E),
        actions={"check_in": staff(E), "undo_check_in": staff(E),
                 "cancel_registrations": staff(E), "export_attendees": ALL, EXPORT: ALL},
        urls={"export/": {"GET": ALL}}),
    "billing.invoice": Page(view=ALL, change=staff(F),
        actions={"issue": staff(F), "resend": staff(F), "void": staff(F),
                 "write_off": staff(F), "record_payment": staff(F), "refund": staff(F),
                 "bill_again": staff(F)},
        urls={"<int:pk>/pdf/": {"GET": ALL}, "<int:pk>/record-payment/": {"POST": staff(F)}}),
    "billing.payment": Page(view=ALL, actions={"group_into_deposit": staff(F)},
        urls={"<int:pk>/receipt/": {"GET": ALL}, "<int:pk>/acknowledgement/": {"GET": ALL}}),
    "billing.refund": Page(view=ALL),
    "billing.creditentry": Page(view=NOT_EVENTS,
        actions={"refund_balance": staff(F), "apply_balance": staff(F)}),
    "billing.dispute": Page(view=NOT_EVENTS),
    "billing.stripeevent": Page(view=NOT_EVENTS, actions={"replay": staff(F)}),
    "billing.payout": Page(view=NOT_EVENTS,
        actions={"reconcile_again": staff(F), "mark_reviewed": staff(F), "export": staff(F)},
        urls={"<int:pk>/reconciliation/": {"GET": NOT_EVENTS, "POST": staff(F)}},
        change_page_redirects_to="<int:pk>/reconciliation/"),
    "billing.bankdeposit": Page(view=NOT_EVENTS,
        actions={"mark_reviewed": staff(F), "export": staff(F)},
        urls={"<int:pk>/reconciliation/": {"GET": NOT_EVENTS, "POST": staff(F)}},
        change_page_redirects_to="<int:pk>/reconciliation/"),
    "billing.journalbatch": Page(view=NOT_EVENTS, add=staff(F),
        urls={"<int:pk>/<str:fmt>.csv": {"GET": NOT_EVENTS}}),
    # A period lock is final: Finance adds one, nobody changes or deletes it.
    "billing.journalperiodlock": Page(view=NOT_EVENTS, add=staff(F)),
    # Newsletters are the membership team's; nobody edits a subscription or deletes a list.
    "outreach.newsletterlist": Page(view=staff(M, RO), add=staff(M), change=staff(M)),
    "outreach.subscriber": Page(view=staff(M, RO), change=SU_ONLY),
    "outreach.subscription": Page(view=staff(M, RO), add=staff(M),
        actions={"unsubscribe_selected": staff(M)}, urls={"export/": {"GET": staff(M, RO)}}),
    # Directory listings saved in the portal, held for review: the membership staff decide.
    # Deleted only with its contact or organization (the superuser's to delete).
    "portal.directorychange": Page(view=staff(M, RO), change=staff(M), delete=SU_ONLY,
        actions={"approve": staff(M), "reject": staff(M)},
        urls={"<int:pk>/logo/": {"GET": staff(M, RO)}}),
    # Webhook endpoints say where data goes and hold secrets: the superuser's.
    "webhooks.webhookendpoint": Page(view=SU_ONLY, add=SU_ONLY, change=SU_ONLY,
        delete=SU_ONLY, actions={"rotate_secret": SU_ONLY}),
    "webhooks.webhookdelivery": Page(view=SU_ONLY, actions={"replay": SU_ONLY}),
    # Staff logins, roles, tokens and the task queue belong to the superuser.
    "auth.group": Page(view=SU_ONLY, add=SU_ONLY, change=SU_ONLY, delete=SU_ONLY),
    "auth.user": Page(view=SU_ONLY, add=SU_ONLY, change=SU_ONLY, delete=SU_ONLY,
        urls={"<id>/password/": {"GET": SU_ONLY, "POST": SU_ONLY}}),
    "authtoken.tokenproxy": Page(view=SU_ONLY, add=SU_ONLY, change=SU_ONLY, delete=SU_ONLY),
    "django_tasks_database.dbtaskresult": Page(view=SU_ONLY),
    # Failed logins and lockouts (django-axes): deleting an attempt lifts its lockout.
    "axes.accessattempt": Page(view=SU_ONLY, change=SU_ONLY, delete=SU_ONLY,
        actions={"cleanup_expired_attempts": SU_ONLY}),
    "axes.accesslog": Page(view=SU_ONLY, change=SU_ONLY, delete=SU_ONLY),
    "axes.accessfailurelog": Page(view=SU_ONLY, change=SU_ONLY, delete=SU_ONLY),
}

# Pages of the admin site that belong to no model.
SITE: dict[str, Who] = {
    "/admin/": staff(M, F, E, RO, NO_ROLE),
    "/admin/reports/": NOT_EVENTS,
    **{f"/admin/reports/{slug}/": NOT_EVENTS for slug in (
        "aging", "retention", "members", "dues", "pledges", "events", "deferred",
        "benefits")},
}
# fmt: on

# How to call a custom URL so that an allowed caller reaches its work (not what to expect):
# the query string of a GET, the form of a POST.
URL_CALLS: dict[str, dict[str, dict[str, str]]] = {
    "merge/": {
        "GET": {"keep": "{pk}", "remove": "{pk}"},
        "POST": {"keep": "{pk}", "remove": "{pk}"},
    },
    "renewals/": {"POST": {"action": "send_reminder"}},
    "<int:pk>/reject/": {"POST": {"reason": "checked by the permission matrix"}},
    "<int:event_id>/check-in/": {"POST": {"registration": "{registration}"}},
    "<int:pk>/reconciliation/": {"POST": {"action": "review"}},
    "<int:pk>/pending-affiliations/": {
        "GET": {"affiliation": "{affiliation}", "decide": "confirm"},
        "POST": {"affiliation": "{affiliation}", "decide": "confirm"},
    },
}

CALLERS = [M, F, E, RO, NO_ROLE, SU, NOT_STAFF, DEACTIVATED, ANONYMOUS]
SIGNED_OUT = (NOT_STAFF, DEACTIVATED, ANONYMOUS)  # the admin sends them to its login page
ALLOWED, REFUSED, LOGIN = "allowed", "refused", "login page"

# operation -> (method, page, the table's column)
PAGES = {
    "changelist": ("GET", "", "view"),
    "add": ("GET", "add/", "add"),
    "add (post)": ("POST", "add/", "add"),
    "change": ("GET", "{pk}/change/", "view"),
    "change (post)": ("POST", "{pk}/change/", "change"),
    "delete": ("GET", "{pk}/delete/", "delete"),
    "delete (post)": ("POST", "{pk}/delete/", "delete"),
    "history": ("GET", "{pk}/history/", "view"),
}
HISTORY_RECORD = {
    "history record": ("GET", "{pk}/history/{history_id}/", "view"),
    "history record (post)": ("POST", "{pk}/history/{history_id}/", "change"),
}


def _model_admin(key: str) -> admin.ModelAdmin:
    return next(a for m, a in admin.site._registry.items() if m._meta.label_lower == key)


def _actions(model_admin: admin.ModelAdmin) -> set[str]:
    """The list actions the admin may offer someone (before it asks about permissions)."""
    if model_admin.actions is None:
        return set()
    names = {action.name for action in model_admin._get_base_actions()}
    if isinstance(model_admin, ExportActionMixin):
        names.add(EXPORT)  # added by get_actions() to whoever may export
    return names


def _operations(key: str) -> list[str]:
    page = ADMIN[key]
    operations = list(PAGES)
    if isinstance(_model_admin(key), SimpleHistoryAdmin):
        operations += list(HISTORY_RECORD)
    operations += [f"action {name}" for name in sorted(_actions(_model_admin(key)))]
    operations += [f"{method} {url}" for url, methods in page.urls.items() for method in methods]
    return operations


OPERATIONS = [(key, operation) for key in ADMIN for operation in _operations(key)]


def who_may(key: str, operation: str) -> Who:
    page = ADMIN[key]
    if operation in PAGES or operation in HISTORY_RECORD:
        column = {**PAGES, **HISTORY_RECORD}[operation][2]
        return getattr(page, column)
    if operation == f"action {DELETE}":
        return page.delete
    if operation.startswith("action "):
        return page.actions[operation.removeprefix("action ")]
    method, url = operation.split(" ", 1)
    return page.urls[url][method]


def expected(caller: str, who: Who) -> str:
    if caller in SIGNED_OUT:
        return LOGIN
    return ALLOWED if caller in who else REFUSED


def outcome(response) -> str:
    if response.status_code == 302 and response["Location"].startswith("/admin/login/"):
        return LOGIN
    if response.status_code == 302 and response["Location"] == "/admin/":
        return REFUSED  # "no such record", as far as this caller may know
    if response.status_code == 403:
        return REFUSED
    if response.status_code in (404, 405) or response.status_code >= 500:
        return f"an error {response.status_code}"
    return ALLOWED


@pytest.fixture(scope="module", autouse=True)
def _uninstrumented_templates():
    """The test client keeps a copy of every template's context, which makes an admin page many
    times slower to render; these tests read only status codes and messages."""
    instrumented = Template._render
    Template._render = _plain_render
    yield
    Template._render = instrumented


def _plain_render(self, context):  # Django's own Template._render
    return self.nodelist.render(context)


@pytest.fixture(scope="module")
def sessions(world, django_db_blocker):
    """A signed-in session for each caller, made once (inside the world's transaction)."""
    keys = {}
    with django_db_blocker.unblock():
        for caller in CALLERS:
            if caller != ANONYMOUS:
                client = Client()
                client.force_login(world.users[caller])
                keys[caller] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


def _client(sessions, caller: str) -> Client:
    client = Client()
    if caller != ANONYMOUS:
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[caller]
    return client


def _fill(text: str, world, key: str) -> str:
    model_admin = _model_admin(key)
    record = world.record(model_admin.model)
    values = {"pk": record.pk, "registration": "", "affiliation": ""}
    if "{affiliation}" in text:
        from crm.models import Affiliation

        values["affiliation"] = world.record(Affiliation).pk
    if key == "authtoken.tokenproxy":
        values["pk"] = record.user_id  # the token admin names a token by its user
    if "{history_id}" in text:
        # The record's own rows (a history row's pk is its history_id, not the record's).
        values["history_id"] = record.history.all()[0].history_id
    if "{registration}" in text:
        from events.models import Registration

        values["registration"] = world.record(Registration).pk
    text = re.sub(r"<int:\w+>|<id>", "{pk}", text).replace("<str:fmt>", "qbo")
    return text.format(**values)


def _call(client: Client, world, key: str, operation: str):
    base = f"/admin/{key.replace('.', '/')}/"
    if operation in PAGES or operation in HISTORY_RECORD:
        method, page, _ = {**PAGES, **HISTORY_RECORD}[operation]
        body = {"post": "yes"} if operation == "delete (post)" else {}
        url = base + _fill(page, world, key)
    elif operation.startswith("action "):
        method, url = "POST", base
        body = {
            "action": operation.removeprefix("action "),
            "_selected_action": [world.record(_model_admin(key).model).pk],
        }
    else:
        method, pattern = operation.split(" ", 1)
        url = base + _fill(pattern, world, key)
        spec = URL_CALLS.get(pattern, {}).get(method, {})
        body = {name: _fill(value, world, key) for name, value in spec.items()}
    if method == "GET":
        return client.get(url, body)
    return client.post(url, body)


def _not_run(response) -> bool:
    """Django runs only the actions it offers the caller. It answers any other with "No action
    selected." when it offers some, and with the list itself when it offers none."""
    if response.status_code == 302:
        return "No action selected." in [str(m) for m in get_messages(response.wsgi_request)]
    return response.status_code == 200 and b'id="changelist"' in response.content


def _check(world, sessions, capture, caller: str, key: str, operation: str) -> str | None:
    """What is wrong with the answer to one caller, or None."""
    client = _client(sessions, caller)
    page = ADMIN[key]
    redirects = page.change_page_redirects_to and operation in ("change", "change (post)")
    want = expected(caller, who_may(key, operation))
    before = database_state() if want != ALLOWED or redirects else None

    with capture() as callbacks:
        response = _call(client, world, key, operation)

    if redirects and caller not in SIGNED_OUT:
        # Anyone signed in is forwarded; the page it forwards to has its own row.
        target = f"/admin/{key.replace('.', '/')}/" + _fill(
            page.change_page_redirects_to or "", world, key
        )
        if (response.status_code, response.get("Location")) != (302, target):
            return f"{caller}: {response.status_code}, not forwarded to {target}"
        want = REFUSED  # the forward itself changes nothing
    else:
        got = outcome(response)
        if operation.startswith("action ") and got == ALLOWED and _not_run(response):
            got = REFUSED
        if got != want:
            return f"{caller}: {got} ({response.status_code}), the table says {want}"
    if want != ALLOWED:
        changed = changed_tables(before, database_state())
        if changed:
            return f"{caller}: refused, yet changed {changed}"
        if callbacks:
            return f"{caller}: refused, yet scheduled work after the commit"
    return None


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "operation"), OPERATIONS)
def test_it_answers_each_caller_as_the_table_says(
    world,
    sessions,
    django_capture_on_commit_callbacks,
    key,
    operation,
):
    problems = []
    for caller in CALLERS:
        with transaction.atomic():  # what an allowed caller changed is undone for the next
            problem = _check(
                world, sessions, django_capture_on_commit_callbacks, caller, key, operation
            )
            transaction.set_rollback(True)
        if problem:
            problems.append(problem)
    assert not problems, f"{operation} on {key}:\n" + "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("url", SITE)
def test_it_shows_the_site_pages_as_the_table_says(world, sessions, caller, url):
    response = _client(sessions, caller).get(url)
    assert outcome(response) == expected(caller, SITE[url])


def _standard_patterns(model_admin: admin.ModelAdmin) -> set[str]:
    patterns = {"", "add/", "<path:object_id>/history/", "<path:object_id>/delete/"}
    patterns |= {"<path:object_id>/change/", "<path:object_id>/"}
    if isinstance(model_admin, SimpleHistoryAdmin):
        patterns.add("^([^/]+)/history/([^/]+)/$")
    return patterns


def test_it_has_a_row_for_every_admin_page():
    registered = {m._meta.label_lower: a for m, a in admin.site._registry.items()}
    missing = sorted(set(registered) - set(ADMIN))
    assert not missing, f"admin models without a row in ADMIN: {missing}"
    stale = sorted(set(ADMIN) - set(registered))
    assert not stale, f"rows in ADMIN for models not in the admin: {stale}"
    for key, model_admin in registered.items():
        page = ADMIN[key]
        actions = _actions(model_admin) - {DELETE}
        assert actions == set(page.actions), (
            f"{key}: actions without a row: {sorted(actions - set(page.actions))}; "
            f"rows without an action: {sorted(set(page.actions) - actions)}"
        )
        own = {str(p.pattern) for p in model_admin.get_urls()} - _standard_patterns(model_admin)
        assert own == set(page.urls), (
            f"{key}: admin URLs without a row: {sorted(own - set(page.urls))}; "
            f"rows without a URL: {sorted(set(page.urls) - own)}"
        )
    reports = {f"/admin/reports/{slug}/" for slug in finance_views.REPORTS}
    missing_reports = sorted((reports | {"/admin/reports/"}) - set(SITE))
    assert not missing_reports, f"report pages without a row in SITE: {missing_reports}"
    assert {str(p.pattern) for p in finance_urls.urlpatterns} == {"", "<slug:slug>/"}, (
        "billing/finance_urls.py has a page without a row in SITE"
    )

"""One public service per action: every admin action, every custom admin URL that writes and
every staff API write reaches the service registered for it below.

Each entry point is called for real, as the superuser, through the test client, while a
profiler notes every function that runs; the entry point passes when its service was among
them (whether the service then accepted the record's state does not matter here). An entry
point that does the work itself, or calls a bare state change instead of the service, fails.
A new admin action, admin URL or API route without a row here fails
test_it_has_a_row_for_every_entry_point.
"""

import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from types import CodeType
from typing import Any

import pytest
from axes.handlers.database import AxesDatabaseHandler
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from api.staff_urls import router
from billing import documents
from billing import services as billing
from billing.services import refunded
from crm import selectors as crm_selectors
from crm import services as crm
from crm.models import Affiliation
from crm.services import applications, benefits, dues, imports, merges, pipeline, renewals
from events import services as events
from events.models import Registration
from outreach.services import subscriptions
from portal.directory import directory_change_approve, directory_change_reject
from portal.services import portal_send_sign_in_link
from tests.permission_world import SUPERUSER
from tests.test_admin_permission_matrix import ADMIN, EXPORT, _actions, _model_admin
from webhooks import services as webhooks

READS_ONLY = None  # an entry point that writes nothing (a download, a page that redirects)
REASON = {"apply": "yes", "reason": "checked by the one-service test"}

# fmt: off
# (model, action) -> the service; the form an action asks for is posted with it.
ADMIN_ACTIONS: dict[tuple[str, str], Callable[..., Any] | None] = {
    ("crm.organization", "merge_selected"): READS_ONLY,  # forwards to the merge page below
    ("crm.organization", "set_account_owner"): pipeline.organization_set_account_owner,
    ("crm.task", "mark_done"): pipeline.task_complete,
    ("crm.contact", "merge_selected"): READS_ONLY,
    ("portal.directorychange", "approve"): directory_change_approve,
    ("portal.directorychange", "reject"): directory_change_reject,
    ("crm.affiliation", "confirm_pending"): crm.affiliation_confirm,
    ("crm.affiliation", "reject_pending"): crm.affiliation_reject,
    ("crm.membership", "approve"): applications.application_approve,
    ("crm.membership", "reject"): applications.application_reject,
    ("crm.membership", "drop"): crm.membership_cancel,
    ("crm.membership", "reinstate"): renewals.membership_reinstate_and_bill,
    ("crm.membership", "reinstate_with_fee"): renewals.membership_reinstate_and_bill,
    ("crm.membership", "change_plan"): renewals.membership_change_plan,
    ("crm.membership", "auto_renew_off"): renewals.membership_auto_renew_set,
    ("crm.application", "approve"): applications.application_approve,
    ("crm.application", "reject"): applications.application_reject,
    ("crm.pledge", "confirm"): applications.investment_confirm,
    ("crm.pledge", "decline"): applications.investment_decline,
    ("crm.pledge", "cancel"): crm.pledge_cancel,
    ("crm.pledgerenewalproposal", "accept"): renewals.pledge_renewal_accept,
    ("crm.pledgerenewalproposal", "decline"): renewals.pledge_renewal_decline,
    ("crm.pledgetoconfirm", "confirm"): applications.investment_confirm,
    ("crm.pledgetoconfirm", "decline"): applications.investment_decline,
    ("events.event", "cancel_events"): events.event_cancel,
    ("events.event", "export_attendees"): READS_ONLY,
    ("events.registration", "check_in"): events.registration_check_in,
    ("events.registration", "undo_check_in"): events.registration_undo_check_in,
    ("events.registration", "cancel_registrations"): events.registration_cancel,
    ("events.registration", "export_attendees"): READS_ONLY,
    ("billing.invoice", "issue"): billing.invoice_issue,
    ("billing.invoice", "resend"): billing.invoice_resend,
    ("billing.invoice", "void"): billing.invoice_void,
    ("billing.invoice", "write_off"): billing.invoice_write_off,
    ("billing.invoice", "record_payment"): billing.payment_record_offline,
    ("billing.invoice", "refund"): billing.refund_create,
    ("billing.invoice", "bill_again"): refunded.invoice_bill_again,
    ("billing.payment", "group_into_deposit"): billing.deposit_create,
    ("billing.stripeevent", "replay"): billing.stripe_event_process,
    ("billing.payout", "reconcile_again"): billing.payout_refresh,
    ("billing.payout", "mark_reviewed"): billing.payout_review,
    ("billing.payout", "export"): billing.journal_export,
    ("billing.bankdeposit", "mark_reviewed"): billing.deposit_review,
    ("billing.bankdeposit", "export"): billing.journal_export,
    ("billing.creditentry", "refund_balance"): billing.credit_refund,
    ("billing.creditentry", "apply_balance"): billing.credit_apply_to_open_invoices,
    ("crm.duesschedule", "withdraw"): dues.dues_schedule_withdraw,
    ("outreach.subscription", "unsubscribe_selected"): subscriptions.subscription_unsubscribe,
    ("webhooks.webhookendpoint", "rotate_secret"): webhooks.webhook_endpoint_rotate_secret,
    ("webhooks.webhookdelivery", "replay"): webhooks.webhook_delivery_replay,
    # django-axes' own action and its own handler: expired attempts are only ever deleted there.
    ("axes.accessattempt", "cleanup_expired_attempts"):
        AxesDatabaseHandler.clean_expired_user_attempts,
}
ACTION_FORMS: dict[str, dict[str, Any]] = {
    "reinstate_with_fee": {"apply": "yes", "fee": "25.00", "reason": "back"},
    "change_plan": {"apply": "yes", "plan": "{plan}"},
    "cancel_registrations": {**REASON, "refund": "none"},
    "record_payment": {"apply": "yes", "method": "check", "amount": "10.00",
                       "received_on": "2026-01-05"},
    "refund": {**REASON, "amount": "1.00"},
    "group_into_deposit": {"apply": "yes", "deposited_on": "2026-01-05"},
    "export": {"apply": "yes", "system": "qbo"},
    "set_account_owner": {"apply": "yes", "owner": ""},
}

# (model, "METHOD url", the form) -> the service. The admin's GET pages only read.
ADMIN_URLS: dict[tuple[str, str], tuple[dict[str, Any], Callable[..., Any] | None]] = {
    ("crm.organization", "POST import-roster/"): ({"file": "roster"}, imports.roster_import),
    ("crm.contact", "POST import-roster/"): ({"file": "roster"}, imports.roster_import),
    ("crm.organization", "POST merge/"): ({"keep": "{pk}", "remove": "{other}"},
                                          merges.organization_merge),
    ("crm.contact", "POST merge/"): ({"keep": "{pk}", "remove": "{other}"},
                                     merges.contact_merge),
    ("crm.contact", "POST <int:pk>/portal-link/"): ({}, portal_send_sign_in_link),
    ("crm.organization", "POST <int:pk>/pending-affiliations/"): (
        {"affiliation": "{affiliation}", "decide": "confirm"}, crm.affiliation_confirm),
    ("crm.membership", "POST renewals/"): ({"action": "send_reminder", "membership": "{pk}"},
                                           renewals.membership_send_reminder),
    ("crm.application", "POST renewals/"): ({"action": "drop", "membership": "{pk}",
                                             "reason": "gone"}, crm.membership_cancel),
    ("crm.application", "POST <int:pk>/approve/"): ({}, applications.application_approve),
    ("crm.application", "POST <int:pk>/reject/"): ({"reason": "gone"},
                                                  applications.application_reject),
    ("events.event", "POST <int:event_id>/check-in/"): ({"registration": "{registration}"},
                                                     events.registration_check_in),
    ("billing.payout", "POST <int:pk>/reconciliation/"): ({"action": "review"},
                                                          billing.payout_review),
    ("billing.bankdeposit", "POST <int:pk>/reconciliation/"): ({"action": "review"},
                                                               billing.deposit_review),
    ("billing.invoice", "POST <int:pk>/record-payment/"): (
        {"method": "cash", "amount": "10.00", "received_on": "2026-01-05"},
        billing.payment_record_offline),
    ("crm.duesschedule", "POST new-from-plans/"): ({}, dues.dues_schedule_draft_from_plans),
    ("crm.duesschedule", "POST <int:pk>/what-if/"): ({"effective_from": "2027-01-01"},
                                                     dues.dues_schedule_apply),
    ("auth.user", "POST <id>/password/"): ({}, READS_ONLY),  # Django's own password form
    ("crm.organization", "POST <int:pk>/benefits/use/"): ({"benefit": "{benefit}"},
                                                         benefits.benefit_use),
}

# (resource, operation) -> the service. `update` is called as a PATCH (PUT reaches the same).
STAFF_API: dict[tuple[str, str], Callable[..., Any]] = {
    ("organizations", "create"): crm.organization_save,
    ("organizations", "update"): crm.organization_save,
    ("organizations", "account-owner"): pipeline.organization_set_account_owner,
    ("prospects", "create"): pipeline.prospect_move_stage,
    ("prospects", "move"): pipeline.prospect_move_stage,
    ("tasks", "create"): pipeline.task_create,
    ("tasks", "update"): pipeline.task_update,
    ("tasks", "complete"): pipeline.task_complete,
    ("interactions", "create"): pipeline.interaction_record,
    ("benefits", "create"): benefits.benefit_save,
    ("benefits", "update"): benefits.benefit_save,
    ("benefit-usages", "create"): benefits.benefit_use,
    ("engagement-scores", "at-risk"): crm_selectors.members_at_risk,  # a read: the one selector
    ("contacts", "create"): crm.contact_save,
    ("contacts", "update"): crm.contact_save,
    ("affiliations", "create"): crm.affiliation_save,
    ("affiliations", "update"): crm.affiliation_save,
    ("affiliations", "destroy"): crm.affiliation_delete,
    ("affiliations", "confirm"): crm.affiliation_confirm,
    ("affiliations", "reject"): crm.affiliation_reject,
    ("notes", "create"): crm.note_create,
    ("notes", "update"): crm.note_update,
    ("notes", "destroy"): crm.note_delete,
    ("membership-plans", "create"): crm.membership_plan_save,
    ("membership-plans", "update"): crm.membership_plan_save,
    ("investor-levels", "create"): crm.investor_level_save,
    ("investor-levels", "update"): crm.investor_level_save,
    ("memberships", "create"): crm.membership_create,
    ("memberships", "update"): crm.membership_update,
    ("memberships", "approve"): applications.application_approve,
    ("memberships", "reject"): applications.application_reject,
    ("memberships", "drop"): crm.membership_cancel,
    ("memberships", "reinstate"): renewals.membership_reinstate_and_bill,
    ("memberships", "change-plan"): renewals.membership_change_plan,
    ("pledges", "create"): crm.pledge_create,
    ("pledges", "update"): crm.pledge_update,
    ("pledges", "confirm"): applications.investment_confirm,
    ("pledges", "decline"): applications.investment_decline,
    ("pledges", "cancel"): crm.pledge_cancel,
    ("pledge-renewals", "accept"): renewals.pledge_renewal_accept,
    ("pledge-renewals", "decline"): renewals.pledge_renewal_decline,
    ("events", "create"): events.event_save,
    ("events", "update"): events.event_save,
    ("events", "publish"): events.event_publish,
    ("events", "unpublish"): events.event_unpublish,
    ("events", "cancel"): events.event_cancel,
    ("ticket-types", "create"): events.ticket_type_save,
    ("ticket-types", "update"): events.ticket_type_save,
    ("ticket-types", "destroy"): events.ticket_type_delete,
    ("registrations", "create"): events.registration_create,
    ("registrations", "check-in"): events.registration_check_in,
    ("registrations", "undo-check-in"): events.registration_undo_check_in,
    ("registrations", "cancel"): events.registration_cancel,
    ("invoices", "issue"): billing.invoice_issue,
    ("invoices", "resend"): billing.invoice_resend,
    ("invoices", "void"): billing.invoice_void,
    ("invoices", "write-off"): billing.invoice_write_off,
    ("invoices", "record-payment"): billing.payment_record_offline,
    ("invoices", "refund"): billing.refund_create,
    ("invoices", "bill-again"): refunded.invoice_bill_again,
    ("invoices", "pdf"): documents.invoice_pdf,  # a download: reaches the one renderer
    ("payments", "receipt"): documents.receipt_pdf,
}
# fmt: on

WRITES = {"create": "post", "update": "patch", "destroy": "delete"}


@contextmanager
def functions_run() -> Iterator[set[CodeType]]:
    """The code of every Python function called inside the block."""
    seen: set[CodeType] = set()

    def note(frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            seen.add(frame.f_code)

    previous = sys.getprofile()
    sys.setprofile(note)
    try:
        yield seen
    finally:
        sys.setprofile(previous)


def _code(service: Callable[..., Any]) -> CodeType:
    return inspect.unwrap(service).__code__


@pytest.fixture
def values(world) -> dict[str, Any]:
    """What the forms and bodies name besides the world's records."""
    from crm.models import Benefit, Contact, Organization
    from tests.factories import ContactFactory, OrganizationFactory, PlanFactory

    return {
        "plan": PlanFactory(code="one-service").pk,
        "benefit": world.record(Benefit).pk,
        "registration": world.record(Registration).pk,
        "other": {
            Organization: OrganizationFactory(name="Second Widgets").pk,
            Contact: ContactFactory().pk,
        },
    }


def _fill(spec: dict[str, Any], world, values: dict[str, Any], key: str) -> dict[str, Any]:
    model = _model_admin(key).model
    filled = {}
    for name, value in spec.items():
        if value == "roster":
            value = SimpleUploadedFile(
                "roster.csv", b"organization_name,email\nRoster Widgets,ann@roster.example\n"
            )
        elif isinstance(value, str):
            value = value.format(
                pk=world.record(model).pk,
                plan=values["plan"],
                registration=values["registration"],
                benefit=values["benefit"],
                affiliation=world.record(Affiliation).pk,
                other=values["other"].get(model._meta.concrete_model, ""),
            )
        filled[name] = value
    return filled


@pytest.fixture
def superuser_client(world) -> Client:
    client = Client()
    client.force_login(world.users[SUPERUSER])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "action"), [k for k, service in ADMIN_ACTIONS.items() if service is not READS_ONLY]
)
def test_it_reaches_the_service_from_each_admin_action(
    world, values, superuser_client, key, action
):
    model = _model_admin(key).model
    body = {
        "action": action,
        "_selected_action": [world.record(model).pk],
        **_fill(ACTION_FORMS.get(action, REASON), world, values, key),
    }
    with functions_run() as run:
        response = superuser_client.post(f"/admin/{key.replace('.', '/')}/", body)
    assert response.status_code < 500
    reached = _code(ADMIN_ACTIONS[key, action]) in run
    assert reached, (
        f"the admin action {action} on {key} does not call "
        f"{ADMIN_ACTIONS[key, action].__qualname__}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "operation"), [k for k, (_, service) in ADMIN_URLS.items() if service is not None]
)
def test_it_reaches_the_service_from_each_admin_url(
    world, values, superuser_client, key, operation
):
    spec, service = ADMIN_URLS[key, operation]
    pattern = operation.removeprefix("POST ")
    pk = world.record(_model_admin(key).model).pk
    path = pattern.replace("<int:event_id>", str(pk)).replace("<int:pk>", str(pk))
    with functions_run() as run:
        response = superuser_client.post(
            f"/admin/{key.replace('.', '/')}/{path}", _fill(spec, world, values, key)
        )
    assert response.status_code < 500
    assert service is not None
    reached = _code(service) in run
    assert reached, f"POST {path} on {key} does not call {service.__qualname__}"


def _api_body(world, values: dict[str, Any], resource: str, operation: str) -> dict[str, Any]:
    from billing.models import Payment
    from crm.models import Contact, InvestorLevel, Organization
    from events.models import Event as ChamberEvent
    from events.models import TicketType

    organization = world.record(Organization).pk
    contact = world.record(Contact).pk
    creates: dict[str, dict[str, Any]] = {
        "organizations": {"name": "Created Widgets"},
        "contacts": {"first_name": "Ann", "last_name": "Lee", "email": "ann@created.example"},
        "affiliations": {"organization": organization, "contact": contact, "title": "CFO"},
        "notes": {"body": "A note.", "organization": organization},
        "membership-plans": {"code": "created", "name": "Created", "flat_amount": "100.00"},
        "investor-levels": {
            "code": "created",
            "name": "Created",
            "minimum_annual_amount": "1000.00",
        },
        "memberships": {
            "organization": organization,
            "plan": values["plan"],
            "start_date": date.today().isoformat(),
        },
        "pledges": {
            "organization": organization,
            "level": world.record(InvestorLevel).pk,
            "annual_amount": "5000.00",
            "start_date": date.today().isoformat(),
        },
        "events": {
            "title": "Created Mixer",
            "slug": "created-mixer",
            "starts_at": "2031-01-05T17:00:00-05:00",
            "ends_at": "2031-01-05T19:00:00-05:00",
            "venue_name": "The Hall",
        },
        "ticket-types": {
            "event": world.record(ChamberEvent).pk,
            "code": "created",
            "name": "Created",
            "member_price": "10.00",
            "non_member_price": "20.00",
            "capacity": 10,
        },
        "registrations": {"ticket_type": world.record(TicketType).pk, "contact": contact},
        "prospects": {"organization": organization, "stage": "lead"},
        "tasks": {
            "title": "Call back",
            "assignee": world.users[SUPERUSER].pk,
            "due_date": date.today().isoformat(),
        },
        "benefits": {"code": "created", "name": "Created", "kind": "other"},
        "benefit-usages": {"organization": organization, "benefit": values["benefit"]},
        "interactions": {
            "organization": organization,
            "kind": "call",
            "occurred_on": date.today().isoformat(),
            "summary": "Talked.",
        },
    }
    if operation == "create":
        return creates[resource]
    if operation in ("update", "destroy"):
        return {}
    bodies = {
        "reinstate": {"reason": "back"},
        "change-plan": {"plan": values["plan"]},
        "record-payment": {"method": "check", "amount": "10.00", "received_on": "2026-01-05"},
        "refund": {"payment": world.record(Payment).pk, "amount": "1.00", "reason": "asked"},
        "cancel": {"reason": "asked", "refund": "none"},
        "move": {"stage": "proposal", "amount_proposed": "5000.00"},
        "account-owner": {"account_owner": None},
    }
    return bodies.get(operation, {"reason": "checked by the one-service test"})


def _viewset(resource: str) -> Any:
    return next(viewset for prefix, viewset, _ in router.registry if prefix == resource)


@pytest.mark.django_db
@pytest.mark.parametrize(("resource", "operation"), list(STAFF_API))
def test_it_reaches_the_service_from_each_staff_api_write(world, values, resource, operation):
    client = APIClient()
    client.force_authenticate(world.users[SUPERUSER])
    viewset = _viewset(resource)
    record = world.record(viewset.queryset.model).pk
    if operation in WRITES:
        method = WRITES[operation]
        url = f"/api/v1/{resource}/" + ("" if operation == "create" else f"{record}/")
    else:
        action = next(a for a in viewset.get_extra_actions() if a.url_path == operation)
        method = "post" if "post" in action.mapping else "get"  # a download is a GET
        on_record = f"{record}/" if action.detail else ""  # a list's action names no record
        url = f"/api/v1/{resource}/{on_record}{operation}/"
    service = STAFF_API[resource, operation]
    with functions_run() as run:
        response = getattr(client, method)(
            url, _api_body(world, values, resource, operation), format="json"
        )
    assert response.status_code < 500
    reached = _code(service) in run
    assert reached, (
        f"{method.upper()} {url} does not call {service.__qualname__}: "
        f"{response.status_code} {response.content[:300]!r}"
    )


def test_it_has_a_row_for_every_entry_point():
    for model, model_admin in admin.site._registry.items():
        key = model._meta.label_lower
        for action in _actions(model_admin) - {EXPORT, "delete_selected"}:
            assert (key, action) in ADMIN_ACTIONS, f"admin action {action} on {key} has no row"
        for url, methods in ADMIN[key].urls.items():
            if "POST" in methods:
                assert (key, f"POST {url}") in ADMIN_URLS, f"POST {url} on {key} has no row"
    for prefix, viewset, _ in router.registry:
        offered = [op for op in WRITES if hasattr(viewset, op)]
        offered += [action.url_path for action in viewset.get_extra_actions()]
        for operation in offered:
            assert (prefix, operation) in STAFF_API, f"{operation} on {prefix} has no row"

"""Faults in background work: a webhook handler that crashes, and a worker that dies in the
middle of a task (the database task backend, as in production). Whatever happened, the work is
kept and runs again safely: no second payment, charge, invoice or mail."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from billing import services
from billing.models import Invoice, Payment, StripeEvent
from billing.services import stripe_events as event_handlers
from billing.services import stripe_sync
from billing.tasks import charge_invoice, process_stripe_event
from core.mail import send_templated
from crm.models import EmailLog
from tests.billing.stripe_payloads import committed, deliver, event, stripe_object

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Stands for SIGKILL: not an Exception, so no `except Exception` in our code catches it
    and the transaction it interrupts is rolled back, as when the process dies."""


@pytest.fixture
def database_tasks(settings):
    """Background work queued in the database (django-tasks-db), as in production."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def work(worker_id: str = "worker-2") -> int:
    """What a db_worker does with every task ready in the queue (its loop without the polling
    and connection handling); mail the tasks queue is queued in turn. Returns how many ran."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    ran = 0
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim(worker_id)
        with committed():
            worker.run_task(result)
        ran += 1
    return ran


def die_while_running(result: DBTaskResult, crash) -> None:
    """A worker claims the task and is killed during it: the row stays "running"."""
    result.claim("worker-1")
    with pytest.raises(WorkerKilled):
        crash()
    DBTaskResult.objects.filter(pk=result.pk).update(started_at=timezone.now() - timedelta(hours=1))


def issued(membership, **kwargs) -> Invoice:
    with committed():
        return services.invoice_issue(
            invoice=services.invoice_create_for_membership(membership=membership), **kwargs
        )


def paid_event(invoice: Invoice) -> dict:
    return event(
        "invoice.paid",
        stripe_object(
            "invoice",
            id=invoice.stripe_invoice_id,
            status="paid",
            metadata={"invoice_id": str(invoice.pk)},
        ),
    )


def receipts(invoice: Invoice) -> list:
    return [m for m in mail.outbox if m.subject.startswith(f"Receipt: invoice {invoice.number}")]


# --- A webhook handler that crashes ------------------------------------------------------------


def test_it_keeps_the_event_of_a_crashing_handler_and_replays_it_once_fixed(
    webhook_client, fake_stripe, approved_membership, monkeypatch
):
    invoice = issued(approved_membership)
    fake_stripe.pay(invoice.stripe_invoice_id)
    real = event_handlers.HANDLERS["invoice.paid"]

    def buggy(obj: dict) -> list[str]:
        real(obj)  # records the payment, then trips over a bug
        raise KeyError("amount_paid")

    monkeypatch.setitem(event_handlers.HANDLERS, "invoice.paid", buggy)
    response = deliver(webhook_client, paid_event(invoice))

    assert response.status_code == 200  # Stripe is not asked to send it again: we have it
    stored = StripeEvent.objects.get()
    assert stored.status == StripeEvent.Status.FAILED
    assert stored.error == "KeyError: 'amount_paid'"
    assert not Payment.objects.exists()  # the half-done work was rolled back
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.OPEN

    monkeypatch.setitem(event_handlers.HANDLERS, "invoice.paid", real)  # the fix is deployed
    with committed():
        call_command("stripe_replay")
    with committed():
        call_command("stripe_replay", stored.stripe_id)

    stored.refresh_from_db()
    assert stored.status == StripeEvent.Status.PROCESSED
    assert stored.error == ""
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert len(receipts(invoice)) == 1


# --- A worker that dies mid-task ---------------------------------------------------------------


def test_it_processes_a_webhook_event_once_after_its_worker_died_mid_transaction(
    webhook_client, fake_stripe, approved_membership, database_tasks, monkeypatch
):
    invoice = issued(approved_membership)
    fake_stripe.pay(invoice.stripe_invoice_id)
    deliver(webhook_client, paid_event(invoice))
    stored = StripeEvent.objects.get()
    queued = DBTaskResult.objects.ready().get(task_path="billing.tasks.process_stripe_event")
    assert stored.status == StripeEvent.Status.RECEIVED
    real = event_handlers.HANDLERS["invoice.paid"]

    def killed(obj: dict) -> list[str]:
        real(obj)  # the payment is written, then the process dies before the commit
        raise WorkerKilled

    monkeypatch.setitem(event_handlers.HANDLERS, "invoice.paid", killed)
    die_while_running(queued, lambda: process_stripe_event.call(stored.pk))
    monkeypatch.setitem(event_handlers.HANDLERS, "invoice.paid", real)

    stored.refresh_from_db()
    assert stored.status == StripeEvent.Status.RECEIVED
    assert not Payment.objects.exists()
    work()  # the other workers carry on, but none picks up a dead worker's task...
    assert DBTaskResult.objects.get(pk=queued.pk).status == "RUNNING"

    call_command("requeue_stalled_tasks", "--minutes", "30")  # ...until cron requeues it
    assert work() >= 1

    stored.refresh_from_db()
    assert stored.status == StripeEvent.Status.PROCESSED
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert len(receipts(invoice)) == 1
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == DBTaskResult.objects.count()

    call_command("requeue_stalled_tasks")  # nothing stalled any more
    assert work() == 0
    assert Payment.objects.count() == 1


def test_it_replays_an_event_left_unprocessed_by_a_dead_worker(
    webhook_client, fake_stripe, approved_membership, database_tasks
):
    invoice = issued(approved_membership)
    fake_stripe.pay(invoice.stripe_invoice_id)
    deliver(webhook_client, paid_event(invoice))  # queued; the worker never gets to it
    stored = StripeEvent.objects.get()

    with committed():
        call_command("stripe_replay")  # too recent: maybe a worker is on it
    stored.refresh_from_db()
    assert stored.status == StripeEvent.Status.RECEIVED

    StripeEvent.objects.filter(pk=stored.pk).update(
        received_at=timezone.now() - timedelta(minutes=11)
    )
    with committed():
        call_command("stripe_replay")

    stored.refresh_from_db()
    assert stored.status == StripeEvent.Status.PROCESSED
    assert Payment.objects.count() == 1
    work()  # the queued task finally runs too: it finds the event done
    stored.refresh_from_db()
    assert stored.attempts == 1
    assert Payment.objects.count() == 1


@pytest.mark.parametrize("stripe_remembers_the_key", [True, False])
def test_it_charges_an_auto_renewal_once_when_its_worker_died_after_stripe_charged(
    approved_membership, fake_stripe, database_tasks, monkeypatch, stripe_remembers_the_key
):
    invoice = issued(approved_membership, send_email=False, charge_automatically=True)
    approved_membership.organization.refresh_from_db()
    fake_stripe.save_payment_method(approved_membership.organization.stripe_customer_id)
    with committed():
        charge_invoice.enqueue(invoice.pk)
    queued = DBTaskResult.objects.ready().get(task_path="billing.tasks.charge_invoice")

    def killed(**kwargs):
        raise WorkerKilled  # Stripe has charged the card; we die before recording it

    monkeypatch.setattr(stripe_sync, "invoice_sync_from_stripe", killed)
    die_while_running(queued, lambda: charge_invoice.call(invoice.pk))
    monkeypatch.undo()
    assert len(fake_stripe.payments) == 1
    assert not Payment.objects.exists()
    if not stripe_remembers_the_key:  # Stripe keeps idempotency keys for 24 hours
        fake_stripe._replies.clear()
    mail.outbox.clear()

    call_command("requeue_stalled_tasks")
    work()

    assert len(fake_stripe.payments) == 1  # charged once
    assert Payment.objects.count() == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.stripe_error == ""
    assert not any("could not charge" in m.subject for m in mail.outbox)
    assert Invoice.objects.count() == 1


def test_it_sends_a_mail_once_when_its_task_runs_again(database_tasks, monkeypatch):
    with committed():
        send_templated(
            to=["dana@frontstreet.example"],
            template="payment_failed",
            subject="Your payment did not go through",
            context={"invoice": None, "payment": None},
            reason="test",
        )
    queued = DBTaskResult.objects.ready().get()
    log = EmailLog.objects.get()

    # The mail server refuses: the task fails, the log says so, and the task is run again.
    def refused(*args, **kwargs):
        raise ConnectionRefusedError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refused)
    work()
    log.refresh_from_db()
    assert log.status == EmailLog.Status.FAILED
    assert mail.outbox == []
    monkeypatch.undo()
    DBTaskResult.objects.filter(pk=queued.pk).update(status="READY")  # retried
    work()
    log.refresh_from_db()
    assert log.status == EmailLog.Status.SENT
    assert len(mail.outbox) == 1

    # Sent, then the worker died before it reported the task done: requeued, not resent.
    DBTaskResult.objects.filter(pk=queued.pk).update(
        status="RUNNING", started_at=timezone.now() - timedelta(hours=1)
    )
    call_command("requeue_stalled_tasks")
    assert work() == 1
    assert len(mail.outbox) == 1

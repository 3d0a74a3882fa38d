"""Events, ticket types and registrations for the staff API's tests, made through the services."""

from decimal import Decimal

from django.utils import timezone

from billing import services as billing
from billing.models import Invoice, Payment
from events.models import Registration, TicketType
from events.selectors import registration_invoice
from events.services import registration_create
from tests.factories import ContactFactory, TicketTypeFactory


def make_registration(
    ticket: TicketType | None = None, *, quantity: int = 1, **options
) -> Registration:
    """A registration for a $50 (non-member) ticket, awaiting payment with its invoice issued,
    unless the ticket is free."""
    ticket = ticket or TicketTypeFactory()
    options.setdefault("contact", ContactFactory())
    return registration_create(
        event=ticket.event, ticket_type=ticket, quantity=quantity, notify=False, **options
    )


def pay(registration: Registration) -> Payment:
    """Pay the registration's invoice by check: the registration is then confirmed."""
    invoice = registration_invoice(registration)
    assert invoice is not None and invoice.status == Invoice.Status.OPEN
    payment = billing.payment_record_offline(
        invoice=invoice,
        amount=invoice.total,
        method="check",
        received_on=timezone.localdate(),
        check_number=f"R{registration.pk}",
    )
    registration.refresh_from_db()
    return payment


def make_confirmed_registration(ticket: TicketType | None = None, **options) -> Registration:
    registration = make_registration(ticket, **options)
    pay(registration)
    return registration


def free_ticket(**overrides) -> TicketType:
    overrides.setdefault("member_price", Decimal("0.00"))
    overrides.setdefault("non_member_price", Decimal("0.00"))
    return TicketTypeFactory(**overrides)

"""Demo finance data for `manage.py seed_demo` (see demo/__init__.py): the checks of the history
years deposited month by month and reconciled; next year's dues invoices paid ahead by card
through a stand-in for Stripe and by check, two Stripe payouts reconciled (one clean, reviewed
and exported; one with a refund and a charge nobody recognises), a bank deposit of the checks,
and a few open invoices for the aging report."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from billing import services
from billing.gateways import FakeGateway, OfflineGateway, use_gateway
from billing.models import BankDeposit, Payment, Payout
from crm.models import Membership
from demo import history
from demo.context import DemoContext

DEPOSIT_REFERENCE = "Demo deposit 1"


def _calendar_members(status: str, **filters: object) -> list[Membership]:
    return list(
        Membership.objects.filter(status=status, plan__billing_cycle="calendar", **filters)
        .select_related("plan", "organization")
        .order_by("pk")
    )


def seed(ctx: DemoContext) -> str:
    if BankDeposit.objects.filter(reference=DEPOSIT_REFERENCE).exists():
        return "billing: demo payouts and deposit already there; nothing added"
    rng = ctx.random("billing")
    finance = ctx.staff["finance"]
    # The checks of the history years (demo/history.py), deposited month by month.
    monthly = history.deposit_checks(today=ctx.today, by=finance)
    # Money cannot be received in the future, whatever day the demo plays.
    today = min(ctx.today, timezone.localdate())
    # Next year's dues, paid ahead by members whose renewal is not paid yet (this year's and the
    # ones before were paid as they came: demo/history.py).
    year_start = date(today.year + 1, 1, 1)
    active = _calendar_members(
        Membership.Status.ACTIVE, paid_through=year_start - timedelta(days=1)
    )
    chosen = rng.sample(active, min(14, len(active)))
    by_card, by_check = chosen[:10], chosen[10:]

    def dues_invoice(membership: Membership, period_start: date | None = year_start):
        invoice = services.invoice_create_for_membership(
            membership=membership, period_start=period_start, by=finance
        )
        return services.invoice_issue(invoice=invoice, by=finance, send_email=False)

    stripe = FakeGateway()
    with use_gateway(stripe):
        intents = []
        for membership in by_card:
            invoice = dues_invoice(membership)
            intents.append(stripe.pay(invoice.stripe_invoice_id or ""))
            services.invoice_sync_from_stripe(invoice=invoice)
        payments = {
            p.stripe_payment_intent_id: p
            for p in Payment.objects.filter(stripe_payment_intent_id__in=intents)
        }
        first, second = intents[:6], intents[6:]
        clean = stripe.pay_out(
            [stripe.charge_transaction(i) for i in first], arrival_date=today - timedelta(days=9)
        )
        later = [stripe.charge_transaction(i) for i in second]
        if second:
            services.refund_create(
                payment=payments[second[0]],
                amount=Decimal("50.00"),
                reason="Billed for the wrong number of employees.",
                by=finance,
            )
            later.append(stripe.refund_transaction(stripe.refunds[second[0]][-1]))
        later.append(stripe.unknown_charge_transaction(Decimal("125.00"), Decimal("3.93")))
        mixed = stripe.pay_out(later, arrival_date=today - timedelta(days=2))
        services.payout_store(remote=clean)
        services.payout_store(remote=mixed)
    payout = services.payout_review(
        payout=Payout.objects.get(stripe_payout_id=clean.id), by=finance
    )
    # The books are exported through last month (before the two payouts above arrived): the
    # accrual journal, its deferred revenue and the reports that read them have history.
    exported = services.journal_export(
        date_to=min(today.replace(day=1) - timedelta(days=1), today - timedelta(days=10)),
        by=finance,
    )
    batch = services.journal_export(payouts=[payout], by=finance)

    with use_gateway(OfflineGateway()):
        checks = []
        for number, membership in enumerate(by_check, start=2101):
            invoice = dues_invoice(membership)
            checks.append(
                services.payment_record_offline(
                    invoice=invoice,
                    amount=invoice.total,
                    method=Payment.Method.CHECK,
                    check_number=str(number),
                    received_on=today - timedelta(days=6),
                    by=finance,
                )
            )
        deposit = services.deposit_create(
            payments=checks,
            deposited_on=today - timedelta(days=5),
            reference=DEPOSIT_REFERENCE,
            by=finance,
        )
        services.deposit_review(deposit=deposit, by=finance)
        awaiting = _calendar_members(Membership.Status.APPROVED)[:5]
        for membership in awaiting:
            dues_invoice(membership, period_start=None)  # their first dues
    return (
        f"billing: {monthly} monthly deposits of checks reconciled, the books exported through "
        f"{exported.date_to:%B %-d} (journal batch {exported.number}), {len(by_card)} dues "
        "invoices paid by card in 2 payouts (one reviewed and "
        f"exported as journal batch {batch.number}, one with an exception), {len(checks)} "
        f"paid by check in a bank deposit, {len(awaiting)} open"
    )

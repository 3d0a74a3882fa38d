"""One organization's timeline: everything that happened to it, newest first, from every app.

crm does not import events (nor outreach), so the timeline is a registry of sources, like
billing's effects: each app registers a function that returns the entries it knows of for one
organization (crm its membership steps, plan changes, notes, interactions and mail, and the
invoices, payments, refunds and disputes of the ledger, which it may read; events its
registrations and check-ins, from events.apps):

    register_timeline_source("events", registration_timeline)

Each source runs one or two queries, however long the organization's history is, and returns at
most `limit` entries (its newest), so the page stays bounded.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Protocol

from django.urls import reverse
from django.utils import timezone

from billing.models import Dispute, Invoice, Payment, Refund
from billing.money import format_usd
from crm.models import EmailLog, Interaction, MembershipPlanChange, MembershipTransition, Note


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # membership, plan, invoice, payment, refund, dispute, event, note, interaction, mail
    summary: str
    url: str = ""


class TimelineSource(Protocol):
    def __call__(self, *, organization_id: int, limit: int) -> Iterable[TimelineEntry]: ...


_sources: dict[str, TimelineSource] = {}


def register_timeline_source(name: str, source: TimelineSource) -> None:
    _sources[name] = source


def organization_timeline(*, organization_id: int, limit: int = 200) -> list[TimelineEntry]:
    """The organization's timeline from every registered source, newest first."""
    entries = [
        entry
        for source in _sources.values()
        for entry in source(organization_id=organization_id, limit=limit)
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def start_of(day: date) -> datetime:
    """A day's entry (an interaction, a payment received on a date) at the start of that day in
    the chamber's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def admin_url(name: str, pk: int) -> str:
    return reverse(f"admin:{name}_change", args=[pk])


# --- crm's own -------------------------------------------------------------------------------

_STEPS = {
    "applied": "Applied",
    "approved": "Approved",
    "grace": "Entered the grace period",
    "lapsed": "Lapsed",
    "cancelled": "Cancelled",
    "rejected": "Rejected",
}


def _step(transition: MembershipTransition) -> str:
    to, before = transition.to_status, transition.from_status
    if to == "active":
        if before == "active":
            return "Renewed"
        return "Reinstated" if before in ("lapsed", "cancelled", "grace") else "Activated"
    if to == before == "applied":
        return "Paid before approval"
    return _STEPS.get(to, to)


def membership_steps(*, organization_id: int, limit: int) -> list[TimelineEntry]:
    transitions = (
        MembershipTransition.objects.filter(membership__organization_id=organization_id)
        .select_related("membership__plan")
        .order_by("-at", "-pk")[:limit]
    )
    return [
        TimelineEntry(
            at=t.at,
            kind="membership",
            summary=f"{_step(t)}: {t.membership.plan.name} membership"
            + (f" ({t.reason})" if t.reason else ""),
            url=admin_url("crm_membership", t.membership_id),
        )
        for t in transitions
    ]


def plan_changes(*, organization_id: int, limit: int) -> list[TimelineEntry]:
    changes = (
        MembershipPlanChange.objects.filter(membership__organization_id=organization_id)
        .select_related("from_plan", "to_plan")
        .order_by("-requested_at", "-pk")[:limit]
    )
    return [
        TimelineEntry(
            at=c.requested_at,
            kind="plan",
            summary=f"Plan change from {c.from_plan.name} to {c.to_plan.name}: "
            f"{c.get_kind_display()}, {c.get_status_display().lower()}, "
            f"effective {c.effective_date:%b %-d, %Y}",
            url=admin_url("crm_membership", c.membership_id),
        )
        for c in changes
    ]


def notes(*, organization_id: int, limit: int) -> list[TimelineEntry]:
    rows = Note.objects.filter(organization_id=organization_id).select_related("author")
    return [
        TimelineEntry(
            at=n.created,
            kind="note",
            summary=f"Note{f' by {n.author}' if n.author else ''}: {n.body[:200]}",
            url=admin_url("crm_note", n.pk),
        )
        for n in rows.order_by("-created", "-pk")[:limit]
    ]


def interactions(*, organization_id: int, limit: int) -> list[TimelineEntry]:
    rows = Interaction.objects.filter(organization_id=organization_id).select_related("contact")
    return [
        TimelineEntry(
            at=start_of(i.occurred_on),
            kind="interaction",
            summary=f"{i.get_kind_display()}{f' with {i.contact}' if i.contact else ''}: "
            f"{i.summary[:200]}",
            url=admin_url("crm_interaction", i.pk),
        )
        for i in rows.order_by("-occurred_on", "-pk")[:limit]
    ]


def mails(*, organization_id: int, limit: int) -> list[TimelineEntry]:
    rows = EmailLog.objects.filter(organization_id=organization_id).order_by("-queued_at", "-pk")
    return [
        TimelineEntry(
            at=m.queued_at,
            kind="mail",
            summary=f"Mail “{m.subject}” to {m.recipients}"
            + ("" if m.status == EmailLog.Status.SENT else f" ({m.get_status_display().lower()})"),
        )
        for m in rows[:limit]
    ]


# --- the ledger (billing's models, read here: billing imports no crm selector) ---------------


def invoices(*, organization_id: int, limit: int) -> list[TimelineEntry]:
    rows = Invoice.objects.filter(organization_id=organization_id).exclude(
        status=Invoice.Status.DRAFT
    )
    entries = []
    for invoice in rows.order_by("-created", "-pk")[:limit]:
        url = admin_url("billing_invoice", invoice.pk)
        what = f"Invoice {invoice.number} ({invoice.get_kind_display().lower()}) "
        if invoice.issue_date:
            entries.append(
                TimelineEntry(
                    at=start_of(invoice.issue_date),
                    kind="invoice",
                    summary=f"{what}issued for {format_usd(invoice.total)}",
                    url=url,
                )
            )
        if invoice.paid_at:
            entries.append(
                TimelineEntry(at=invoice.paid_at, kind="invoice", summary=f"{what}paid", url=url)
            )
        if invoice.status in (Invoice.Status.VOID, Invoice.Status.UNCOLLECTIBLE):
            entries.append(
                TimelineEntry(
                    at=invoice.status_changed_at or invoice.modified,
                    kind="invoice",
                    summary=f"{what}{invoice.get_status_display().lower()}",
                    url=url,
                )
            )
    return entries


def payments(*, organization_id: int, limit: int) -> list[TimelineEntry]:
    rows = (
        Payment.objects.filter(invoice__organization_id=organization_id)
        .select_related("invoice")
        .order_by("-created", "-pk")[:limit]
    )
    return [
        TimelineEntry(
            at=p.created,
            kind="payment",
            summary=f"Payment {p} on invoice {p.invoice.number}"
            + (f", received {p.received_on:%b %-d, %Y}" if p.received_on else "")
            + (f": {p.failure_message}" if p.failure_message else ""),
            url=admin_url("billing_payment", p.pk),
        )
        for p in rows
    ]


def refunds_and_disputes(*, organization_id: int, limit: int) -> list[TimelineEntry]:
    refunds = (
        Refund.objects.filter(payment__invoice__organization_id=organization_id)
        .select_related("payment__invoice")
        .order_by("-created", "-pk")[:limit]
    )
    disputes = (
        Dispute.objects.filter(payment__invoice__organization_id=organization_id)
        .select_related("payment__invoice")
        .order_by("-created", "-pk")[:limit]
    )
    return [
        TimelineEntry(
            at=r.created,
            kind="refund",
            summary=f"Refund of {format_usd(r.amount)} on invoice {r.payment.invoice.number} "
            f"({r.get_status_display().lower()}): {r.reason[:200]}",
            url=admin_url("billing_refund", r.pk),
        )
        for r in refunds
    ] + [
        TimelineEntry(
            at=d.created,
            kind="dispute",
            summary=f"Dispute of {format_usd(d.amount)} on invoice "
            f"{d.payment.invoice.number if d.payment else '—'} ({d.status or 'open'})"
            + (f": {d.reason}" if d.reason else ""),
            url=admin_url("billing_dispute", d.pk),
        )
        for d in disputes
    ]


CRM_SOURCES: dict[str, Callable[..., list[TimelineEntry]]] = {
    "membership": membership_steps,
    "plan": plan_changes,
    "note": notes,
    "interaction": interactions,
    "mail": mails,
    "invoice": invoices,
    "payment": payments,
    "refund": refunds_and_disputes,
}


def register_crm_sources() -> None:
    for name, source in CRM_SOURCES.items():
        register_timeline_source(name, source)

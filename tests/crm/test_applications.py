import threading
from datetime import date

import pytest
from django.db import connection

from core.exceptions import ServiceError
from crm.models import Contact, Membership, Organization
from crm.services.applications import ContactInput, OrganizationInput, application_submit
from tests.factories import PlanFactory


def submit(plan, email="ana@riverfront.example"):
    return application_submit(
        plan=plan,
        organization=OrganizationInput(name="Riverfront Bakery", employees=12),
        contact=ContactInput(first_name="Ana", last_name="Lopez", email=email),
        start_date=date.today(),
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_two_applications_for_one_organization_racing_the_second_is_kept_apart():
    """Matching runs one at a time: the first makes the organization; the second finds it with
    an application in progress and, as it is not in the public directory, is kept apart on a
    record of its own for staff (the website's answer tells it nothing of the first)."""
    plan = PlanFactory()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def apply(email):
        try:
            barrier.wait()
            submit(plan, email=email)
            outcomes.append("created")
        except ServiceError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=apply, args=(email,))
        for email in ("ana@riverfront.example", "bo@riverfront.example")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes == ["created", "created"]
    assert Organization.objects.filter(name="Riverfront Bakery").count() == 2
    assert Membership.objects.count() == 2
    kept_apart = Membership.objects.filter(match_note__startswith="Kept apart")
    assert kept_apart.count() == 1 and kept_apart.get().needs_attention


@pytest.mark.django_db
def test_it_refuses_a_plan_that_is_not_offered_online():
    plan = PlanFactory(offered_publicly=False)

    with pytest.raises(ServiceError, match="not offered"):
        submit(plan)

    assert not Organization.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_join_whose_new_contact_is_taken_meanwhile_runs_again_with_that_contact(monkeypatch):
    """The join saves a new address's contact without a savepoint: when the unique address
    refuses it (another submission made that contact since it looked), the whole join is undone
    and runs once more, and nothing of the first attempt remains."""
    from django.db import IntegrityError

    from billing.models import Invoice
    from crm.services.applications import matching

    plan = PlanFactory()
    real_save = matching.contact_save
    calls = []

    def refused_once(*, contact, **kwargs):
        calls.append(contact.email)
        if len(calls) == 1:
            # As the unique index answers when another submission took the address meanwhile.
            real_save(contact=contact, **kwargs)
            raise IntegrityError("duplicate key value violates unique constraint")
        return real_save(contact=contact, **kwargs)

    monkeypatch.setattr(matching, "contact_save", refused_once)

    submitted = submit(plan)

    assert calls == ["ana@riverfront.example", "ana@riverfront.example"]
    assert Organization.objects.count() == 1
    assert Contact.objects.count() == 1
    assert Membership.objects.get() == submitted.membership
    invoice = Invoice.objects.get()
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.number.endswith("-00001")  # the undone attempt gave its number back

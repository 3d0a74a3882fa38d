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
def test_it_creates_one_organization_when_two_applications_for_it_race():
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

    assert sorted(outcomes) == ["created", "refused"]
    assert Organization.objects.count() == 1
    assert Membership.objects.count() == 1
    assert Contact.objects.count() == 1  # the refused one left nothing behind


@pytest.mark.django_db
def test_it_refuses_a_plan_that_is_not_offered_online():
    plan = PlanFactory(offered_publicly=False)

    with pytest.raises(ServiceError, match="not offered"):
        submit(plan)

    assert not Organization.objects.exists()

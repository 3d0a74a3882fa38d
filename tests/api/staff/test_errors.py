"""Errors the exception handler shapes beyond DRF's own: the service's and Django's."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from rest_framework.test import APIRequestFactory

from api.exceptions import exception_handler
from core.exceptions import InvalidData, ServiceError, TransitionNotAllowed
from crm.models import Membership, Organization
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _handle(exc: Exception):
    request = APIRequestFactory().get("/")
    return exception_handler(exc, {"request": request, "view": None})


def test_it_answers_409_for_a_refused_transition():
    response = _handle(TransitionNotAllowed("A membership that is active cannot be approved."))
    assert response.status_code == 409
    assert response.data == {
        "errors": {"detail": ["A membership that is active cannot be approved."]}
    }


def test_it_answers_400_for_invalid_data_under_its_field():
    response = _handle(InvalidData("Enter a valid URL.", field="website"))
    assert (response.status_code, response.data) == (
        400,
        {"errors": {"website": ["Enter a valid URL."]}},
    )


def test_it_keeps_a_service_errors_field():
    response = _handle(ServiceError("The level starts at $5,000.00.", field="annual_amount"))
    assert response.status_code == 409
    assert response.data == {"errors": {"annual_amount": ["The level starts at $5,000.00."]}}


def test_it_answers_400_for_a_django_validation_error():
    response = _handle(
        DjangoValidationError({"name": ["Too long."], "__all__": ["Does not add up."]})
    )
    assert response.status_code == 400
    assert response.data == {
        "errors": {"name": ["Too long."], "non_field_errors": ["Does not add up."]}
    }


def test_it_answers_409_for_a_delete_that_would_orphan_records():
    organization = MembershipFactory().organization
    with pytest.raises(ProtectedError) as refused:
        Organization.objects.filter(pk=organization.pk).delete()
    response = _handle(refused.value)
    assert response.status_code == 409
    assert response.data == {
        "errors": {"detail": ["It cannot be deleted while it has memberships."]}
    }
    assert Membership.objects.exists()


def test_it_names_nested_fields_by_their_path():
    from rest_framework.exceptions import ValidationError

    response = _handle(
        ValidationError(
            {
                "organization": {"address": {"city": ["Required."]}},
                "brackets": [{}, {"amount": ["Bad."]}],
            }
        )
    )
    assert response.data == {
        "errors": {"organization.address.city": ["Required."], "brackets.1.amount": ["Bad."]}
    }

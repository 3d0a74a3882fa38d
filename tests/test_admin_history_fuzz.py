"""Fuzzing the admin's history revert endpoints: for every admin with a history page and every
kind of signed-in staff, generated form data (the past version's own form with fields replaced by
hostile text, dates and numbers, plus every field of the model, lifecycle ones included) is posted
to the revert URL. No answer is a server error; a refused revert changes nothing; an allowed one
moves no field its change form does not edit, nor any status.

The run is bounded and the same every time (derandomized); FUZZ_MAX_EXAMPLES raises the number of
generated forms per admin (README.md, "Tests")."""

import os
from typing import Any

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from simple_history.admin import SimpleHistoryAdmin

from core.admin.history import HistoryAdmin
from tests.crm.admin_forms import form_data
from tests.permission_world import SIGNED_IN, SUPERUSER

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "4"))

HISTORY_ADMINS = sorted(
    (
        model_admin
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, SimpleHistoryAdmin)
    ),
    key=lambda model_admin: model_admin.model._meta.label,
)

HOSTILE = [
    "",
    '=HYPERLINK("http://evil.example")',
    "cancelled",
    "active",
    "confirmed",
    "pending_payment",
    "published",
    "-1",
    "0",
    "99999999999999999999",
    "1990-01-01",
    "0347-01-01",
    "7083-12-31",
    "2026-02-30",
    "on",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "x" * 5000,
]
TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)


def _row(record: models.Model) -> dict[str, Any]:
    fresh = type(record)._base_manager.get(pk=record.pk)
    return {f.attname: getattr(fresh, f.attname) for f in type(record)._meta.concrete_fields}


def test_it_fuzzes_every_admin_with_a_history_page():
    assert len(HISTORY_ADMINS) >= 10
    assert all(isinstance(model_admin, HistoryAdmin) for model_admin in HISTORY_ADMINS)


@pytest.mark.parametrize(
    "model_admin", HISTORY_ADMINS, ids=lambda model_admin: model_admin.model._meta.label
)
def test_it_never_moves_a_lifecycle_through_a_revert(world, model_admin):
    model = model_admin.model
    concrete = model._meta.concrete_model
    record = world.record(model)
    version = concrete.history.filter(id=record.pk).order_by("history_id").first()
    opts = concrete._meta
    page_url = reverse(
        f"admin:{opts.app_label}_{opts.model_name}_simple_history",
        args=[record.pk, version.history_id],
    )
    url = reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_simple_history",
        args=[record.pk, version.history_id],
    )
    clients = {}
    for caller in SIGNED_IN:
        clients[caller] = Client()
        clients[caller].force_login(world.users[caller])
    page = clients[SUPERUSER].get(page_url)
    if page.status_code == 200:
        editable = set(page.context["adminform"].form.fields)
        shown = form_data(page)
    else:  # nobody may revert it (a payment): post the model's fields anyway
        editable, shown = set(), {}
    lifecycle = getattr(model_admin, "history_lifecycle_fields", ("status",))
    frozen = [
        f.attname
        for f in concrete._meta.concrete_fields
        if (f.name not in editable or f.name in lifecycle) and f.name != "modified"
    ]
    names = sorted(set(shown) | {f.name for f in concrete._meta.concrete_fields})
    forms = st.fixed_dictionaries(
        {
            name: st.one_of(st.just(shown.get(name, "")), TEXT, st.sampled_from(HOSTILE))
            for name in names
        }
    )

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=forms)
    def post_as_everyone(data: dict[str, Any]) -> None:
        for caller, client in clients.items():
            before = _row(record)
            response = client.post(url, data)
            after = _row(record)
            assert response.status_code < 500, (caller, data)
            if response.status_code in (403, 404):
                assert after == before, caller
            else:
                assert {k: after[k] for k in frozen} == {k: before[k] for k in frozen}, caller

    post_as_everyone()

"""One money format on every admin page: each list and change page of a model that holds money
writes its amounts as $1,450.00 (negatives -$6,875.00), never a bare 1450.00 beside them.

Pages are read as staff read them: the text, not the values of form inputs (an input holds the
plain number the form posts back)."""

import re

import pytest
from django.contrib import admin
from django.db import models
from django.test import Client

from crm.roles import READ_ONLY
from tests.permission_world import SUPERUSER, world  # noqa: F401  (the fixture)

# An amount with cents not written as money: no "$" (or "$-") before it.
BARE = re.compile(r"(?<![\$\d,.-])-?\d[\d,]*\.\d\d(?![\d%])")
# Money from 1,000 up without its thousands grouped ("$4500.00") or with the sign inside.
UNGROUPED = re.compile(r"\$-|\$\d{4,}\.\d\d")


def _money_fields(model: type[models.Model]) -> list[str]:
    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, models.DecimalField) and field.max_digits == 12
    ]


def _admins_with_money() -> list[tuple[str, type[models.Model]]]:
    return sorted(
        (model._meta.label_lower, model) for model in admin.site._registry if _money_fields(model)
    )


def visible_text(html: str) -> str:
    html = re.sub(r"(?s)<(script|style|textarea|select)\b.*?</\1>", " ", html)
    return re.sub(r"<[^>]+>", " ", html)


def assert_money_formatted(text: str, where: str) -> None:
    bare = BARE.findall(text)
    assert not bare, f"{where} shows amounts without $: {bare[:5]}"
    ungrouped = UNGROUPED.findall(text)
    assert not ungrouped, f"{where} writes money unlike $1,450.00: {ungrouped[:5]}"


def test_the_checks_catch_what_the_issue_saw():
    for seen in ("14850 next to 0.00", "1450.00 next to $1,450.00", "$4500.00", "$-6,875.00"):
        with pytest.raises(AssertionError):
            assert_money_formatted(seen, "the issue")
    assert_money_formatted("$1,450.00 and -$6,875.00, 12.50%, 2026-12-05", "a page")


def test_it_finds_the_money_admins():
    labels = [label for label, _model in _admins_with_money()]
    assert {"billing.invoice", "billing.payment", "crm.pledge"} <= set(labels)


@pytest.mark.django_db
@pytest.mark.parametrize("caller", [SUPERUSER, READ_ONLY])  # an editable and a view-only page
@pytest.mark.parametrize(("label", "model"), _admins_with_money(), ids=lambda v: str(v))
def test_admin_pages_write_money_one_way(world, label, model, caller):  # noqa: F811
    client = Client()
    client.force_login(world.users[caller])
    record = world.record(model)
    base = f"/admin/{label.replace('.', '/')}/"
    listing = client.get(base)
    if listing.status_code == 403:
        pytest.skip(f"{caller} may not read {label}")
    assert listing.status_code == 200
    assert_money_formatted(visible_text(listing.content.decode()), f"{base} (the list)")
    page = client.get(
        f"{base}{record.pk}/change/", follow=True
    )  # a payout opens its reconciliation
    assert page.status_code == 200
    assert_money_formatted(visible_text(page.content.decode()), f"{base}{record.pk}/change/")

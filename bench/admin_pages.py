"""Admin lists (plain, searched, filtered) and change pages for organizations and invoices."""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import NoReverseMatch, reverse

from bench.measure import BadResponse, Settings, measure_requests
from bench.report import Row, at_most, missing
from bench.seed import STAFF_USERNAME

MAX_QUERIES = 12
MAX_LIST_MS = 300.0  # a list and its search at scale 1.0 and up (issue 19, item 2)

PAGES = [
    # model label, admin url name part, variants (query strings)
    (
        "crm.Organization",
        "crm_organization",
        {
            "plain": "",
            "search": "q=precision",
            "filter": "membership_status=active&county=hartford",
        },
    ),
    ("crm.Contact", "crm_contact", {"plain": "", "search": "q=garcia"}),
    (
        "billing.Invoice",
        "billing_invoice",
        {"plain": "", "search": "q=precision", "filter": "status=open"},
    ),
]


def run(cfg: Settings) -> list[Row]:
    client = Client()
    client.force_login(get_user_model().objects.get(username=STAFF_USERNAME))
    rows: list[Row] = []
    for label, url_name, variants in PAGES:
        short = label.split(".")[1].lower()
        try:
            model = apps.get_model(label)
            changelist = reverse(f"admin:{url_name}_changelist")
        except (LookupError, NoReverseMatch):
            rows.append(
                missing(
                    "admin",
                    f"{short} list and change page",
                    f"no {label} admin in this checkout",
                    ["queries"],
                )
            )
            continue
        for variant, query in variants.items():
            path = f"{changelist}?{query}" if query else changelist
            rows.append(
                _row(f"{short} list {variant}", path, client, cfg, MAX_QUERIES, MAX_LIST_MS)
            )
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            rows.append(missing("admin", f"{short} change page", "no rows seeded"))
            continue
        change = reverse(f"admin:{url_name}_change", args=[obj.pk])
        rows.append(_row(f"{short} change page", change, client, cfg, None))
    return rows


def _row(
    name: str,
    path: str,
    client: Client,
    cfg: Settings,
    limit: int | None,
    max_ms: float | None = None,
) -> Row:
    try:
        figures = measure_requests(lambda i: client.get(path), (200,), cfg)
    except BadResponse as exc:
        return missing("admin", name, f"{path} {exc}", ["queries"] if limit else [])
    figures["path"] = path
    targets = [at_most("queries", figures["queries"], limit)] if limit else []
    if max_ms is not None and cfg.scale >= 1:  # the target is set for scale 1.0 and up
        targets.append(at_most("median ms", figures["median_ms"], max_ms))
    return Row("admin", name, figures, targets)

"""Staff API lists at page sizes 10, 50 and 200, plain, searched and filtered, each beside its
floor: the same page from one hand-written SQL query and json.dumps."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db import DatabaseError, connection

from bench import floors
from bench.measure import (
    BadResponse,
    Settings,
    api_client,
    measure_requests,
    route_exists,
)
from bench.report import Row, at_most, missing
from bench.seed import STAFF_TOKEN

PAGE_SIZES = (10, 50, 200)
MAX_QUERIES = 8
MAX_FLOOR_RATIO = 3.0


@dataclass
class ListSpec:
    name: str
    path: str
    variants: dict[str, dict[str, str]] = field(default_factory=dict)
    floor: Callable[[str, int], tuple[str, list[Any]]] | None = None


def specs() -> list[ListSpec]:
    return [
        ListSpec(
            "organizations",
            "/api/v1/organizations/",
            {
                "plain": {},
                "search": {"search": "precision"},
                "filter": {"county": "hartford", "status": "active"},
            },
            floors.organizations,
        ),
        ListSpec(
            "contacts",
            "/api/v1/contacts/",
            {"plain": {}, "search": {"search": "garcia"}, "filter": {"role": "primary"}},
            floors.contacts,
        ),
        ListSpec(
            "invoices",
            "/api/v1/invoices/",
            {"plain": {}, "search": {"search": "precision"}, "filter": {"status": "open"}},
            floors.invoices,
        ),
        ListSpec(
            "registrations",
            "/api/v1/registrations/",
            {"plain": {}, "search": {"search": "garcia"}, "filter": {"status": "confirmed"}},
            floors.registrations,
        ),
    ]


def run_floor(sql: str, params: list[Any]) -> bytes:
    """One query (the count rides along as a window function) and the JSON a client gets."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        rows = cursor.fetchall()
    count = rows[0][columns.index("total_count")] if rows else 0
    results = []
    for row in rows:
        record = {}
        for column, value in zip(columns, row, strict=True):
            if column == "total_count":
                continue
            if column.endswith("_json"):
                column = column.removesuffix("_json")
                value = json.loads(value) if isinstance(value, str) else value
            record[column] = value
        results.append(record)
    return json.dumps({"count": count, "results": results}, default=str).encode()


def run(cfg: Settings, only: list[str] | None = None) -> list[Row]:
    rows: list[Row] = []
    client = api_client(STAFF_TOKEN)
    for spec in specs():
        if only is not None and spec.name not in only:
            continue
        if not route_exists(spec.path):
            rows.append(
                missing(
                    "api",
                    f"{spec.name} (all variants)",
                    f"no {spec.path} endpoint in this checkout",
                    ["queries", "floor ratio"],
                )
            )
            continue
        for variant, params in spec.variants.items():
            for size in PAGE_SIZES:
                rows.append(_row(client, spec, variant, params, size, cfg))
    return rows


def _row(client: Any, spec: ListSpec, variant: str, params: dict, size: int, cfg: Settings) -> Row:
    name = f"{spec.name} {variant} page={size}"
    url = f"{spec.path}?{urlencode({**params, 'page_size': size})}"
    floor = None
    if spec.floor is not None:
        sql, sql_params = spec.floor(variant, size)

        def floor() -> bytes:
            return run_floor(sql, sql_params)

    try:
        figures = measure_requests(lambda i: client.get(url), (200,), cfg, beside=floor)
    except BadResponse as exc:
        return missing("api", name, f"{url} {exc}", ["queries"])
    except DatabaseError as exc:  # a floor that no longer fits the schema is reported
        return missing("api", name, f"floor query failed: {exc}", ["queries"])
    figures["path"] = url
    targets = [at_most("queries", figures["queries"], MAX_QUERIES)]
    if "floor_ms" in figures:
        figures["ratio"] = round(figures["median_ms"] / max(figures["floor_ms"], 0.01), 2)
    if size == 50:
        note = "" if "ratio" in figures else "no floor for this list"
        targets.append(at_most("floor ratio", figures.get("ratio"), MAX_FLOOR_RATIO, note))
    return Row("api", name, figures, targets)

"""Timing one request or query many times: median, 95th percentile, queries per request."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve


@dataclass
class Settings:
    repeat: int = 20  # timed requests per row
    warmup: int = 2
    scale: float = 1.0  # of the data measured (some targets hold from a scale on)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def timings(samples: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(samples) * 1000, 2),
        "p95_ms": round(percentile(samples, 95) * 1000, 2),
    }


class BadResponse(Exception):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"answered {status}: {body[:300]!r}")
        self.status = status


def route_exists(path: str) -> bool:
    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return False
    return True


def measure_requests(
    send: Callable[[int], Any],
    ok: tuple[int, ...],
    cfg: Settings,
    beside: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """`send(i)` makes the i-th request (a POST builds a new body from i). The first requests
    warm caches; one is counted for queries; `cfg.repeat` more are timed. `beside` (a floor) is
    timed in turn with each request, so on a busy machine both see the same load; each timed
    request then follows an untimed one, because the floor (a full count at scale 10, hundreds
    of megabytes read) empties the database's cache of the pages the request reads, which a
    list in service keeps (scale 10, page of 50, median ms alone / right after the floor:
    contacts search 49 / 93, invoices search 45 / 81, contacts plain 8.5 / 12.6)."""
    counter = 0

    def call() -> Any:
        nonlocal counter
        response = send(counter)
        counter += 1
        if response.status_code not in ok:
            raise BadResponse(response.status_code, response.content)
        return response

    for _ in range(cfg.warmup):
        call()
    with CaptureQueriesContext(connection) as captured:
        response = call()
    # Read now: the next request's request_started signal empties the connection's log.
    queries = len(captured.captured_queries)
    samples, beside_samples = [], []
    if beside is not None:
        for _ in range(cfg.warmup):
            beside()
    for _ in range(cfg.repeat):
        if beside is not None:  # (the first after the floor's own warm-up runs)
            call()  # the floor's reads evicted the request's pages: read them again, untimed
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
        if beside is not None:
            started = time.perf_counter()
            beside()
            beside_samples.append(time.perf_counter() - started)
    beside_figures = {"floor_ms": timings(beside_samples)["median_ms"]} if beside_samples else {}
    return {
        **timings(samples),
        **beside_figures,
        "queries": queries,
        "status": response.status_code,
        "bytes": len(response.content),
    }


def api_client(token: str) -> Client:
    return Client(headers={"Authorization": f"Token {token}"})

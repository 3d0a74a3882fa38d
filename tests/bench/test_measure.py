"""The benchmark's timing loop: a request timed beside its floor is timed warm."""

from types import SimpleNamespace

import pytest

from bench.measure import Settings, measure_requests


@pytest.mark.django_db
def test_each_timed_request_beside_a_floor_follows_an_untimed_one():
    """The floor's reads (a full count at scale 10) evict the pages the request reads: after
    each floor, its warm-up runs included, the request is sent once untimed, then timed;
    without a floor, nothing extra."""
    events: list[str] = []

    def send(i: int) -> SimpleNamespace:
        events.append("request")
        return SimpleNamespace(status_code=200, content=b"{}")

    def floor() -> None:
        events.append("floor")

    figures = measure_requests(send, (200,), Settings(repeat=3, warmup=1), beside=floor)

    assert events == [
        *["request", "request", "floor"],  # warm-up, counted, the floor's warm-up
        *["request", "request", "floor"],
        *["request", "request", "floor"],
        *["request", "request", "floor"],
    ]
    assert {"median_ms", "p95_ms", "floor_ms"} <= figures.keys()

    events.clear()
    measure_requests(send, (200,), Settings(repeat=3, warmup=1))
    assert events == ["request"] * 5

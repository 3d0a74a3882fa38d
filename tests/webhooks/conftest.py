import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from webhooks.events import EVENT_TYPES
from webhooks.models import WebhookEndpoint


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records each POST and answers `status`."""

    url: str = ""
    status: int = 204
    requests: list[Received] = field(default_factory=list)

    def of_type(self, event_type: str) -> list[Received]:
        return [r for r in self.requests if r.json["type"] == event_type]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.requests.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(state.status)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def endpoint(db, receiver) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        url=receiver.url, description="The website", event_types=list(EVENT_TYPES)
    )


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's on-commit work (the delivery tasks) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)

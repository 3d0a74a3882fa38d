import json
import logging

import pytest

from config.logging import JsonFormatter, RequestIdFilter, request_id_var


@pytest.mark.django_db
def test_it_echoes_a_well_formed_request_id(client):
    response = client.get("/healthz", headers={"X-Request-ID": "abc12345-req"})
    assert response["X-Request-ID"] == "abc12345-req"


@pytest.mark.django_db
def test_it_replaces_a_malformed_request_id(client):
    response = client.get("/healthz", headers={"X-Request-ID": "<script>"})
    assert response["X-Request-ID"] != "<script>"
    assert len(response["X-Request-ID"]) == 32


def test_it_writes_one_json_object_with_the_request_id():
    token = request_id_var.set("req-0001-test")
    try:
        record = logging.LogRecord(
            "crm", logging.WARNING, __file__, 1, "card %s declined", ("x",), None
        )
        RequestIdFilter().filter(record)
        line = JsonFormatter().format(record)
    finally:
        request_id_var.reset(token)
    data = json.loads(line)
    assert data["request_id"] == "req-0001-test"
    assert data["message"] == "card x declined"
    assert data["level"] == "WARNING"

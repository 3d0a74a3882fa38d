"""The run's migrated template (tests/template_database.py): a worker waits for it, and a build
that failed stops the worker with the reason and the end of the build's log."""

import pytest

from tests import template_database


def test_a_worker_goes_on_once_the_build_says_ok(tmp_path):
    (tmp_path / template_database.DONE).write_text("ok")

    template_database._wait(tmp_path)


def test_a_failed_build_stops_the_worker_with_the_reason_and_the_log(tmp_path):
    (tmp_path / template_database.LOG).write_text("Applying crm.0001_initial...\nboom")
    template_database._write(tmp_path / template_database.DONE, "OperationalError: no disk")

    with pytest.raises(RuntimeError, match="OperationalError: no disk") as raised:
        template_database._wait(tmp_path)

    assert "Applying crm.0001_initial" in str(raised.value)
    assert not (tmp_path / "done.partial").exists()

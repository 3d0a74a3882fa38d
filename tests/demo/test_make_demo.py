"""`make demo DEMO_PORT=...`: the seed and the server both link to the port the demo serves on
(the printed login and every mail the running demo sends use SITE_URL)."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_the_demo_links_to_the_port_it_serves_on():
    commands = subprocess.run(
        ["make", "-n", "demo", "DEMO_PORT=8100"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()

    seed = next(line for line in commands if "seed_demo" in line)
    server = next(line for line in commands if "runserver" in line)
    for line in (seed, server):
        assert "SITE_URL=http://127.0.0.1:8100 " in line, line
    assert server.endswith("runserver 127.0.0.1:8100")

"""Under load: the app under gunicorn on 127.0.0.1 (a free port), a load generator of threads
with http.client for a fixed time and a bounded number of requests, then the workers' resident
memory read from /proc. Loopback only."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.report import Row, at_most, missing

HOST = "127.0.0.1"
MAX_WORKER_RSS_MB = 250.0


@dataclass
class Target:
    name: str
    method: str
    path: str
    headers: dict[str, str]
    weight: int
    body: str | None = None  # "{i}" is replaced by a unique number per request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ")".
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry.name))
    return found


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


class Generator:
    def __init__(self, port: int, targets: list[Target], *, seconds: float, max_requests: int):
        self.port = port
        self.targets = targets
        self.deadline = 0.0
        self.seconds = seconds
        self.remaining = max_requests
        self.lock = threading.Lock()
        self.statuses: Counter[str] = Counter()
        self.errors: Counter[str] = Counter()
        self.latencies: dict[str, list[float]] = {t.name: [] for t in targets}
        self.counter = 0

    def _take(self) -> int | None:
        with self.lock:
            if self.remaining <= 0 or time.monotonic() >= self.deadline:
                return None
            self.remaining -= 1
            self.counter += 1
            return self.counter

    def _worker(self, seed: int) -> None:
        rng = random.Random(seed)
        weights = [t.weight for t in self.targets]
        while (n := self._take()) is not None:
            target = rng.choices(self.targets, weights)[0]
            body = target.body.replace("{i}", f"{seed}-{n}") if target.body else None
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
                conn.request(target.method, target.path, body=body, headers=target.headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                status = response.status
            except OSError as exc:
                with self.lock:
                    self.errors[f"{target.name}: {type(exc).__name__}"] += 1
                continue
            elapsed = time.perf_counter() - started
            with self.lock:
                self.statuses[f"{target.name} {status}"] += 1
                self.latencies[target.name].append(elapsed)
                if status >= 400:
                    self.errors[f"{target.name}: HTTP {status}"] += 1

    def run(self, threads: int) -> float:
        self.deadline = time.monotonic() + self.seconds
        started = time.perf_counter()
        pool = [
            threading.Thread(target=self._worker, args=(seed,), daemon=True)
            for seed in range(threads)
        ]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join(self.seconds + 60)
        return time.perf_counter() - started


def run(
    *,
    env: dict[str, str],
    targets: list[Target],
    seconds: float,
    threads: int,
    workers: int,
    max_requests: int,
) -> list[Row]:
    name = f"gunicorn {workers} workers, {threads} client threads, {seconds:g}s"
    if not targets:
        return [
            missing(
                "load",
                name,
                "no list or public endpoint in this checkout",
                ["errors", "worker RSS MB"],
            )
        ]
    port = free_port()
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_ready(port, proc)
        worker_pids = _children(proc.pid)
        before = {pid: rss_mb(pid) for pid in worker_pids}
        generator = Generator(port, targets, seconds=seconds, max_requests=max_requests)
        elapsed = generator.run(threads)
        after = {pid: rss_mb(pid) for pid in _children(proc.pid)}
    except RuntimeError as exc:
        proc.kill()
        _, stderr = proc.communicate(timeout=30)
        return [missing("load", name, f"{exc}: {stderr[-500:]}", ["errors", "worker RSS MB"])]
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    total = sum(generator.statuses.values())
    errors = sum(generator.errors.values())
    worst_rss = max((v for v in after.values() if v is not None), default=None)
    per_endpoint = {}
    for target in targets:
        samples = sorted(generator.latencies[target.name])
        if samples:
            per_endpoint[target.name] = {
                "requests": len(samples),
                "median_ms": round(samples[len(samples) // 2] * 1000, 1),
                "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)] * 1000, 1),
            }
    figures: dict[str, Any] = {
        "requests": total,
        "rps": round(total / max(elapsed, 1e-6), 1),
        "errors": errors,
        "worker_rss_before_mb": round(max((v or 0) for v in before.values()), 1)
        if before
        else None,
        "worker_rss_after_mb": round(worst_rss, 1) if worst_rss is not None else None,
        "per_endpoint": per_endpoint,
        "errors_by_kind": dict(generator.errors),
        "status_codes": dict(generator.statuses),
        "workers": len(after),
    }
    return [
        Row(
            "load",
            name,
            figures,
            [
                at_most("errors", errors, 0),
                at_most("worker RSS MB", figures["worker_rss_after_mb"], MAX_WORKER_RSS_MB),
            ],
        )
    ]


def targets_available(token: str, session_cookie: str, join_body: str) -> list[Target]:
    """The mix: staff lists (token), admin lists (session), public reads and a few joins."""
    from django.utils import timezone

    from bench.measure import route_exists

    api = {"Authorization": f"Token {token}"}
    admin = {"Cookie": f"sessionid={session_cookie}"}
    public_json = {"Content-Type": "application/json"}
    candidates = [
        Target("api organizations", "GET", "/api/v1/organizations/?page_size=50", api, 4),
        Target(
            "api organizations search", "GET", "/api/v1/organizations/?search=precision", api, 2
        ),
        Target("api contacts", "GET", "/api/v1/contacts/?page_size=50", api, 3),
        Target("api invoices", "GET", "/api/v1/invoices/?page_size=50&status=open", api, 3),
        Target("api registrations", "GET", "/api/v1/registrations/?page_size=50", api, 2),
        Target("admin organizations", "GET", "/admin/crm/organization/", admin, 1),
        Target(
            "public quote",
            "GET",
            "/api/v1/public/membership-plans/small-business/quote/?employees=25"
            f"&start={timezone.localdate().isoformat()}",
            {},
            3,
        ),
        Target("public events", "GET", "/api/v1/public/events/", {}, 3),
        Target("public directory", "GET", "/api/v1/public/directory/?q=precision", {}, 3),
        Target("public join", "POST", "/api/v1/public/join/", public_json, 1, join_body),
    ]
    return [t for t in candidates if route_exists(t.path)]


def join_body_template() -> str:
    from bench.public import _join_body

    return (
        json.dumps(_join_body(0))
        .replace("Applicant 0", "Load {i}")
        .replace("applicant-0", "load-{i}")
        .replace("applicant0", "load{i}")
        .replace("Applicant0", "Load{i}")
    )


def default_workers() -> int:
    return max(2, os.cpu_count() or 2)

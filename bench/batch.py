"""Batch work at its size and at twice it: time, rows per second, peak memory.

Each measurement gets its own copy of the measured database, a preparing process (which makes
the input: twice the memberships, a payout, a CSV file) and then a separate process that only does
the work, so its peak resident memory (ru_maxrss) is the work's and not the preparation's.

    python -m bench.batch prepare|run JOB --size N    (run by bench.run; prints one JSON line)
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db.models import CharField, Value
from django.db.models.functions import Concat

from bench.report import Row, at_most, missing

MAX_TIME_RATIO = 2.3
MAX_MEMORY_RATIO = 1.2
# Run after run, the time ratio at twice the data stays within this spread (largest / smallest).
MAX_RATIO_SPREAD = 1.2
RUNS = 3


@dataclass
class Job:
    name: str
    title: str
    size: Callable[[float], int]  # rows at factor 1 for a scale
    available: Callable[[], str | None]  # why it cannot run, or None
    prepare: Callable[[int, int, Path], dict[str, Any]] | None = None  # -> facts for work
    work: Callable[[dict[str, Any]], int] | None = None  # facts -> rows done


# --- the jobs -------------------------------------------------------------------------------


def _command(*candidates: str) -> str | None:
    from django.core.management import get_commands

    commands = get_commands()
    return next((c for c in candidates if c in commands), None)


DAILY_COMMAND = "run_daily"


def _daily_available() -> str | None:
    if _command(DAILY_COMMAND) is None:
        return f"no {DAILY_COMMAND} management command in this checkout"
    return None


def _daily_prepare(size: int, factor: int, workdir: Path) -> dict[str, Any]:
    from bench import duplicate
    from crm.models import Membership

    if factor > 1:
        duplicate.double_members()
    return {"rows": Membership.objects.count()}


def _daily_work(facts: dict[str, Any]) -> int:
    from django.core.management import CommandError, call_command

    from bench.seed import TODAY

    # As of the data set's "today", where its renewals, grace and lapses fall. A row that
    # fails is reported by the command (exit status 1) while the rest are done: still work.
    with open(os.devnull, "w") as sink, contextlib.suppress(CommandError):
        call_command(DAILY_COMMAND, date=TODAY, stdout=sink)
    return int(facts["rows"])


def _memberships(scale: float) -> int:
    from crm.models import Membership

    return Membership.objects.count()


IMPORT_COLUMNS = [
    "Organization",
    "Website",
    "City",
    "State",
    "Postal code",
    "County",
    "Industry",
    "Employees",
    "First name",
    "Last name",
    "Email",
    "Title",
    "Roles",
    "Plan",
    "Status",
    "Start date",
    "Paid through",
]


def _import_available() -> str | None:
    if _command("import_roster") is None:
        return "no import_roster command in this checkout"
    return None


def _import_prepare(size: int, factor: int, workdir: Path) -> dict[str, Any]:
    """A roster of new businesses, two contacts each (a primary and a billing contact)."""
    import csv
    import random

    from bench.seed import CORES, FIRST_NAMES, LAST_NAMES, PREFIXES, TOWNS

    rng = random.Random(size * factor)
    rows = size * factor
    path = workdir / "roster.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(IMPORT_COLUMNS)
        for i in range(rows):
            org = i // 2
            name = f"{rng.choice(PREFIXES)} {rng.choice(CORES)} Imports {org}"
            town, county, postal = rng.choice(TOWNS)
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            writer.writerow(
                [
                    name,
                    f"https://imports{org}.example.net",
                    town,
                    "CT",
                    postal,
                    county,
                    "Manufacturing",
                    rng.randint(1, 400),
                    first,
                    last,
                    f"{first}.{last}.{i}@imports{org}.example.net".lower(),
                    "Owner",
                    "primary" if i % 2 == 0 else "billing",
                    "small-business",
                    "active",
                    "2024-01-01",
                    "2026-12-31",
                ]
            )
    return {"rows": rows, "file": str(path)}


def _import_work(facts: dict[str, Any]) -> int:
    from django.core.management import call_command

    with open(os.devnull, "w") as sink:
        call_command("import_roster", facts["file"], stdout=sink)
    return int(facts["rows"])


def _reconcile_prepare(size: int, factor: int, workdir: Path) -> dict[str, Any]:
    """A Stripe payout of `size * factor` balance transactions: charges of our card payments
    (given Stripe ids here), one in fifty for an amount we do not expect, one in a hundred a
    charge we never saw, and Stripe's fees. Written to a file the work step reads as Stripe's
    answer; the payout row is stored as the webhook would store it."""
    import random

    from django.db.models import F

    from billing.models import Payment, Payout

    rng = random.Random(size * factor)
    rows = size * factor
    payments = list(
        Payment.objects.filter(status=Payment.Status.SUCCEEDED)
        .order_by("pk")
        .values_list("pk", "amount")[:rows]
    )
    Payment.objects.filter(pk__in=[pk for pk, _amount in payments]).update(
        method=Payment.Method.CARD,
        stripe_charge_id=Concat(Value("ch_bench_"), F("pk"), output_field=CharField()),
        stripe_payment_intent_id=Concat(Value("pi_bench_"), F("pk"), output_field=CharField()),
    )
    transactions = []
    for i in range(rows):
        fee = Decimal("0.00")
        if i % 100 == 99 or i >= len(payments):
            kind, charge, intent, amount = "charge", f"ch_unknown_{i}", f"pi_unknown_{i}", "120.00"
        elif i % 25 == 24:
            kind, charge, intent, amount = "stripe_fee", "", "", "-15.00"
        else:
            pk, expected = payments[i]
            kind, charge, intent = "charge", f"ch_bench_{pk}", f"pi_bench_{pk}"
            amount = str(expected + (Decimal("1.00") if i % 50 == 49 else 0))
            fee = (Decimal(amount) * Decimal("0.029") + Decimal("0.30")).quantize(Decimal("0.01"))
        net = Decimal(amount) - fee
        transactions.append(
            {
                "id": f"txn_bench_{i}",
                "type": kind,
                "reporting_category": "fee" if kind == "stripe_fee" else "charge",
                "amount": amount,
                "fee": str(fee),
                "net": str(net),
                "source_id": charge,
                "charge_id": charge,
                "payment_intent_id": intent,
                "description": f"bench {rng.random():.6f}",
            }
        )
    path = workdir / "payout.json"
    path.write_text(json.dumps(transactions))
    payout = Payout.objects.create(
        stripe_payout_id=f"po_bench_{rows}",
        status=Payout.Status.PAID,
        amount=sum((Decimal(t["net"]) for t in transactions), Decimal("0.00")),
        arrival_date=datetime.date.today(),
    )
    return {"rows": rows, "file": str(path), "payout": payout.pk}


def _reconcile_work(facts: dict[str, Any]) -> int:
    """Stripe's answer read from the file (as the Stripe library would hand it over), then the
    reconciliation itself."""
    from billing.gateways import FakeGateway, use_gateway
    from billing.gateways.base import RemoteBalanceTransaction
    from billing.models import Payout
    from billing.services import payout_reconcile

    payout = Payout.objects.get(pk=facts["payout"])
    gateway = FakeGateway()
    gateway.payout_transactions[payout.stripe_payout_id] = [
        RemoteBalanceTransaction(
            **{
                **t,
                "amount": Decimal(t["amount"]),
                "fee": Decimal(t["fee"]),
                "net": Decimal(t["net"]),
            }
        )
        for t in json.loads(Path(facts["file"]).read_text())
    ]
    with use_gateway(gateway):
        payout_reconcile(payout=payout)
    return int(facts["rows"])


def _what_if_available() -> str | None:
    try:
        from crm import dues_planning  # noqa: F401
    except ImportError:
        return "no dues planning in this checkout"
    return None


def _what_if_prepare(size: int, factor: int, workdir: Path) -> dict[str, Any]:
    """A draft schedule raising every plan's dues by 8% (caps by 5%), and the totals the pure
    pricing function gives member by member, which the timed run must reproduce."""
    from bench import duplicate
    from crm import pricing
    from crm.models import DuesSchedule, Membership, MembershipPlan
    from crm.services.dues import DuesRuleInput, dues_schedule_save

    if factor > 1:
        duplicate.double_members()

    def raised(amount: Decimal) -> Decimal:
        return (amount * Decimal("1.08")).quantize(Decimal("0.01"))

    plans = list(MembershipPlan.objects.prefetch_related("brackets"))
    rules = []
    for plan in plans:
        rule = plan.pricing_rule()
        rules.append(
            DuesRuleInput(
                plan=plan,
                kind=rule.kind,
                flat_amount=raised(rule.flat_amount),
                brackets=tuple((b.max_employees, raised(b.amount)) for b in rule.brackets),
                per_employee_above=raised(rule.per_employee_above),
                cap=None
                if rule.cap is None
                else (rule.cap * Decimal("1.05")).quantize(Decimal("0.01")),
            )
        )
    schedule = dues_schedule_save(schedule=DuesSchedule(name="Bench dues"), rules=rules)
    new_rules = {r.plan_id: r.pricing_rule(r.plan) for r in schedule.rules.select_related("plan")}
    current_rules = {plan.pk: plan.pricing_rule() for plan in plans}
    current = new = Decimal("0")
    members = 0
    for plan_id, employees in (
        Membership.objects.filter(status__in=Membership.CURRENT_STATUSES)
        .values_list("plan_id", "organization__employees")
        .iterator(chunk_size=5000)
    ):
        current += pricing.annual_dues(current_rules[plan_id], employees or 0)
        new += pricing.annual_dues(new_rules[plan_id], employees or 0)
        members += 1
    return {
        "schedule": schedule.pk,
        "members": members,
        "current": str(current),
        "new": str(new),
        "rows": members,
    }


def _what_if_work(facts: dict[str, Any]) -> int:
    """The admin's what-if page (totals by plan and county, the rising members) and its CSV."""
    from bench.seed import TODAY
    from crm.dues_planning import dues_what_if, what_if_csv_lines
    from crm.models import DuesSchedule

    schedule = DuesSchedule.objects.get(pk=facts["schedule"])
    on = datetime.date(TODAY.year + 1, 1, 1)
    result = dues_what_if(schedule=schedule, on=on, rise_above=Decimal("5"))
    got = (result.total.members, str(result.total.current), str(result.total.new))
    want = (facts["members"], facts["current"], facts["new"])
    if got != want:
        raise AssertionError(f"what-if totals {got} differ from the pure pricing's {want}")
    lines = sum(1 for _ in what_if_csv_lines(schedule=schedule, on=on))
    if lines != result.total.members + 1:
        raise AssertionError(f"the CSV has {lines} lines for {result.total.members} members")
    return int(result.total.members)


def _reconcile_available() -> str | None:
    from billing import services

    if not hasattr(services, "payout_reconcile"):
        return "no payout reconciliation in this checkout"
    return None


def jobs() -> list[Job]:
    return [
        Job(
            "daily",
            "daily command over every membership",
            _memberships,
            _daily_available,
            _daily_prepare,
            _daily_work,
        ),
        Job(
            "reconcile",
            "reconcile a payout (5,000 transactions at scale 1)",
            lambda scale: max(20, round(5000 * scale)),
            _reconcile_available,
            _reconcile_prepare,
            _reconcile_work,
        ),
        Job(
            "what_if",
            "what-if dues over every member (page and CSV)",
            _memberships,
            _what_if_available,
            _what_if_prepare,
            _what_if_work,
        ),
        Job(
            "import",
            "import a roster (10,000 rows at scale 1)",
            lambda scale: max(20, round(10_000 * scale)),
            _import_available,
            _import_prepare,
            _import_work,
        ),
    ]


# --- the parent's side ----------------------------------------------------------------------


def _child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "bench.batch", *args],
        env=env,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
        timeout=1800,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"bench.batch {' '.join(args)} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run(
    *,
    scale: float,
    env: dict[str, str],
    copy_database: Callable[[], str],
    only: list[str] | None = None,
    runs_each: int = RUNS,
) -> list[Row]:
    """`copy_database()` makes a fresh copy of the measured database and returns its URL;
    `only` names the jobs to run (default: all); `runs_each`: how many times each job is
    measured at its size and twice it (the figures are the median run's, with the spread)."""

    rows: list[Row] = []
    for job in jobs():
        if only is not None and job.name not in only:
            continue
        why = job.available()
        if why:
            rows.append(
                missing("batch", job.title, why, ["time ratio at 2x", "memory ratio at 2x"])
            )
            continue
        size = job.size(scale)
        try:
            # Run after run: each run measures the job at its size and at twice it.
            runs = [_one_run(job, size, env, copy_database) for _ in range(max(runs_each, 1))]
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            rows.append(missing("batch", job.title, f"failed: {exc}", ["time ratio at 2x"]))
            continue
        rows.extend(_rows(job, runs))
    return rows


def _one_run(
    job: Job, size: int, env: dict[str, str], copy_database: Callable[[], str]
) -> list[dict[str, Any]]:
    """The job at its size and at twice it, each on a fresh copy of the data."""
    from django.db import connections

    results = []
    for factor in (1, 2):
        connections.close_all()
        url = copy_database()
        child_env = {**env, "DATABASE_URL": url}
        with tempfile.TemporaryDirectory(prefix="bench-batch-") as workdir:
            spec = [job.name, "--size", str(size), "--factor", str(factor), "--workdir", workdir]
            facts = _child(["prepare", *spec], child_env)
            results.append(_child(["run", *spec, "--facts", json.dumps(facts)], child_env))
    return results


def _rows(job: Job, runs: list[list[dict[str, Any]]]) -> list[Row]:
    """One row for each size: the median run's figures, the range over the runs, and at twice
    the size the time ratio of each run with its spread (largest over smallest)."""
    ratios = [round(two["seconds"] / max(one["seconds"], 1e-6), 2) for one, two in runs]
    # The run whose time ratio is the median one speaks for all.
    median = sorted(range(len(runs)), key=lambda i: ratios[i])[len(runs) // 2]
    rows = []
    for index, factor in enumerate((1, 2)):
        result = runs[median][index]
        seconds = [run[index]["seconds"] for run in runs]
        figures: dict[str, Any] = {
            "rows": result["rows"],
            "seconds": round(result["seconds"], 2),
            "seconds_range": [round(min(seconds), 2), round(max(seconds), 2)],
            "runs": len(runs),
            "rows_per_s": round(result["rows"] / max(result["seconds"], 1e-6)),
            "peak_rss_mb": round(result["maxrss_kb"] / 1024, 1),
            "start_rss_mb": round(result["start_rss_kb"] / 1024, 1),
        }
        targets = []
        if factor == 2:
            one = runs[median][0]
            memory_ratio = round(result["maxrss_kb"] / max(one["maxrss_kb"], 1), 2)
            spread = round(max(ratios) / max(min(ratios), 1e-6), 2)
            figures.update(
                time_ratio=ratios[median],
                time_ratios=ratios,
                ratio_spread=spread,
                memory_ratio=memory_ratio,
            )
            targets = [
                at_most("time ratio at 2x", ratios[median], MAX_TIME_RATIO),
                at_most(
                    f"spread of the time ratio over {len(runs)} runs",
                    spread if len(runs) > 1 else None,
                    MAX_RATIO_SPREAD,
                ),
                at_most("memory ratio at 2x", memory_ratio, MAX_MEMORY_RATIO),
            ]
        rows.append(Row("batch", f"{job.title} x{factor}", figures, targets))
    return rows


# --- the child's side -----------------------------------------------------------------------


def _rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.batch")
    parser.add_argument("step", choices=["prepare", "run"])
    parser.add_argument("job")
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--factor", type=int, default=1)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--facts", default="{}")
    args = parser.parse_args(argv)

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    job = next(j for j in jobs() if j.name == args.job)
    if args.step == "prepare":
        from django.db import transaction

        with transaction.atomic():
            assert job.prepare is not None
            facts = job.prepare(args.size, args.factor, args.workdir)
        print(json.dumps(facts))
        return 0
    start_rss = _rss_kb()
    started = time.perf_counter()
    assert job.work is not None
    rows = job.work(json.loads(args.facts))
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {"rows": rows, "seconds": seconds, "maxrss_kb": _rss_kb(), "start_rss_kb": start_rss}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

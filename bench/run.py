"""The benchmark's one command.

    python -m bench.run [--scale 1.0] [--reset] [--only api,public,admin,batch,load]
                        [--database-url postgres://postgres@127.0.0.1:5432/bench]
                        [--out bench/results/<date>.json] [--quick]

Seeds the data set into a database of its own (created when missing, rebuilt with --reset,
refused when it holds anything the benchmark did not put there), copies it, measures on the copy,
prints a table and writes JSON. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: python bench/run.py
    sys.path.insert(0, str(ROOT))

from bench.databases import Database, RefusedError, fingerprint  # noqa: E402
from bench.report import SECTIONS, Report  # noqa: E402

SEED = 20260615
SEED_VERSION = "2"  # 2: events and registrations
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench"

# Production settings (DEBUG off) with what a loopback benchmark needs: plain HTTP, no Stripe,
# mail dropped, throttles out of the way (a load generator is one client address).
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "false",
    "CRM_INSECURE_DEV_DEFAULTS": "true",
    "SECURE_SSL_REDIRECT": "false",
    "SECURE_COOKIES": "false",
    "SECURE_HSTS_SECONDS": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "STATIC_MANIFEST": "false",
    "EMAIL_BACKEND": "dummy",
    "PUBLIC_API_THROTTLE": "1000000/minute",
    "STAFF_API_THROTTLE": "1000000/minute",
    "TASKS_BACKEND": "immediate",
    "LOG_LEVEL": "WARNING",
    "LOG_FORMAT": "plain",
}
UNSET = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "EMAIL_URL", "REDIS_URL")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 50,000 organizations")
    parser.add_argument(
        "--scales",
        help="several scales in one run, comma-separated (e.g. 0.1,1,10): each seeded into a "
        "database of its own (<name>_s0_1, <name>_s1, <name>_s10), measured in turn, then the "
        "staff lists' growth table",
    )
    parser.add_argument(
        "--seed-only", action="store_true", help="seed (or check) the database(s) and stop"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL),
        help="the benchmark's own database (never the application's)",
    )
    parser.add_argument(
        "--reset", action="store_true", help="drop and reseed the benchmark's database"
    )
    parser.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated: {', '.join(SECTIONS)}"
    )
    parser.add_argument("--out", type=Path, help="JSON report (default bench/results/<date>.json)")
    parser.add_argument(
        "--quick", action="store_true", help="few repetitions and a short load run (smoke test)"
    )
    parser.add_argument("--repeat", type=int, help="timed requests per row (default 20)")
    parser.add_argument(
        "--batch-scale",
        type=float,
        help="scale of the payout and import jobs (default: --scale); the daily command always "
        "runs over every membership",
    )
    parser.add_argument(
        "--batch-runs",
        type=int,
        help="how many times each batch job is measured at its size and twice it, for the "
        "spread of its time ratio (default 3; 1 with --quick)",
    )
    parser.add_argument("--load-seconds", type=float, help="length of the load run (default 30)")
    parser.add_argument(
        "--jobs",
        help="the batch jobs to run, comma-separated (default: all of daily, reconcile, "
        "what_if, import)",
    )
    parser.add_argument(
        "--lists",
        help="the staff lists the api section measures, comma-separated (default: all of "
        "organizations, contacts, invoices, registrations)",
    )
    args = parser.parse_args(argv)
    args.sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    if args.scale <= 0:
        parser.error("--scale must be above 0")
    args.scale_list = []
    if args.scales:
        try:
            args.scale_list = [float(v) for v in args.scales.split(",") if v.strip()]
        except ValueError:
            parser.error("--scales takes numbers separated by commas, e.g. 0.1,1,10")
        if not args.scale_list or min(args.scale_list) <= 0:
            parser.error("--scales must be above 0")
    return args


def scale_label(scale: float) -> str:
    """0.1 -> "s0_1", 1.0 -> "s1", 10.0 -> "s10": the suffix of a scale's own database."""
    text = f"{scale:g}".replace(".", "_").replace("-", "_")
    return f"s{text}"


def bench_env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env.update(BENCH_ENV)
    env["DATABASE_URL"] = url
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def prepare_golden(golden: Database, *, scale: float, reset: bool) -> dict:
    """Create, migrate and seed the golden database unless it already holds this data set."""
    import django

    if not _django_ready():
        django.setup()
    from django.core.management import call_command
    from django.db import connections

    from bench import seed

    wanted = fingerprint(
        {
            "scale": scale,
            "seed": SEED,
            "version": SEED_VERSION,
            "steps": [name for name, _ in seed.extra_steps()],
        }
    )
    if reset and golden.exists():
        golden.drop()
    meta = golden.meta()
    if meta is None:
        golden.create()
        meta = {}
    connections["default"].settings_dict["NAME"] = golden.name
    started = time.perf_counter()
    applied = _applied_migrations()
    call_command("migrate", verbosity=0, interactive=False)
    if meta and _applied_migrations() != applied:  # new indexes on seeded data: their statistics
        seed.settle(connections["default"])
    if meta.get("fingerprint") == wanted and meta.get("complete") == "yes":
        info = {"how": f"reused the data seeded {meta.get('seeded_at')}"}
    else:
        if meta.get("fingerprint"):
            raise SystemExit(
                f"The database {golden.name!r} holds another data set ({meta['fingerprint']}). "
                "Run again with --reset to reseed it."
            )
        golden.write_meta({"fingerprint": wanted, "complete": "no"})
        info = seed.Seeder(seed.Sizes.at(scale), SEED).run()
        info["how"] = f"seeded in {time.perf_counter() - started:.0f}s"
        golden.write_meta(
            {"complete": "yes", "seeded_at": datetime.now(UTC).isoformat(timespec="seconds")}
        )
    if "counts" not in info:
        info["counts"] = seed_counts()
    connections.close_all()
    return info


def _applied_migrations() -> int:
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections["default"])
    return recorder.migration_qs.count() if recorder.has_table() else 0


def seed_counts() -> dict[str, int]:
    from django.apps import apps

    counts = {}
    for label in (
        "crm.Organization",
        "crm.Contact",
        "crm.Membership",
        "billing.Invoice",
        "events.Event",
        "events.Registration",
    ):
        try:
            counts[label.split(".")[1].lower() + "s"] = apps.get_model(label).objects.count()
        except LookupError:
            continue
    return counts


def _django_ready() -> bool:
    from django.apps import apps

    return apps.ready


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    # Static files are not collected for the benchmark: whitenoise's warning says only that.
    warnings.filterwarnings("ignore", message="No directory at")
    base = Database(args.database_url)
    env = bench_env(args.database_url)
    os.environ.update(env)
    for name in UNSET:
        os.environ.pop(name, None)
    if not args.scale_list:
        report = run_scale(args, argv, args.scale, base)
        return 2 if report is None else 0
    reports = []
    for scale in args.scale_list:
        report = run_scale(args, argv, scale, base.sibling(scale_label(scale)))
        if report is None:
            return 2
        reports.append(report)
    if not args.seed_only:
        from bench import growth

        print()
        print(growth.table(reports))
        out = args.out or ROOT / "bench" / "results" / f"{datetime.now(UTC):%Y-%m-%d-%H%M%S}"
        growth.write_json(reports, out.with_name(out.stem + "-growth.json"))
    return 0


def run_scale(
    args: argparse.Namespace, argv: list[str] | None, scale: float, golden: Database
) -> Report | None:
    """Seed (or reuse) `golden` at `scale`, measure the chosen sections on a copy of it, print
    and write the report. None when the database was refused."""
    work = golden.sibling("work")
    env = bench_env(golden.url)
    os.environ["DATABASE_URL"] = golden.url
    quick = args.quick
    from bench.measure import Settings

    cfg = Settings(
        repeat=args.repeat or (3 if quick else 20), warmup=1 if quick else 2, scale=scale
    )
    load_seconds = args.load_seconds or (3.0 if quick else 30.0)
    started = datetime.now(UTC)
    try:
        seed_info = prepare_golden(golden, scale=scale, reset=args.reset)
    except RefusedError as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return None
    if args.seed_only:
        print(f"{golden.name} at scale {scale:g}: {seed_info.get('how')}; {seed_info['counts']}")
        return Report(meta={"scale": scale}, seed=seed_info)

    from django.db import connection, connections

    report = Report(
        meta={
            "scale": scale,
            "seed": SEED,
            "database": f"{golden.vendor} {golden.name}",
            "started": started.isoformat(timespec="seconds"),
            "sections": args.sections,
            "repeat": cfg.repeat,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "command": " ".join(
                ["python -m bench.run", *(argv if argv is not None else sys.argv[1:])]
            ),
        },
        seed=seed_info,
    )

    golden.copy_to(work)
    connections["default"].settings_dict["NAME"] = work.name
    connection.ensure_connection()
    from bench import seed_events

    # Seeded around a fixed day; measured around today (the events must be upcoming).
    report.meta["events_shifted_days"] = seed_events.shift_to_today()
    if golden.vendor == "postgresql":
        report.meta["postgresql"] = _pg_version()

    if "api" in args.sections:
        from bench import lists

        only = [n.strip() for n in args.lists.split(",")] if args.lists else None
        for row in lists.run(cfg, only=only):
            report.add(row)
    if "public" in args.sections:
        from bench import public

        for row in public.run(cfg):
            report.add(row)
    if "admin" in args.sections:
        from bench import admin_pages

        for row in admin_pages.run(cfg):
            report.add(row)
    if "load" in args.sections:
        report.rows.extend(_load(work, env, load_seconds, quick))
    if "batch" in args.sections:
        from bench import batch

        scratch = golden.sibling("batch")

        def copy_database() -> str:
            connections.close_all()
            work.copy_to(scratch)
            return scratch.url

        batch_scale = args.batch_scale or scale
        report.meta["batch_scale"] = batch_scale
        only_jobs = [n.strip() for n in args.jobs.split(",")] if args.jobs else None
        report.rows.extend(
            batch.run(
                scale=batch_scale,
                env=env,
                copy_database=copy_database,
                only=only_jobs,
                runs_each=args.batch_runs or (1 if quick else batch.RUNS),
            )
        )
        connections.close_all()
        if scratch.exists():
            scratch.drop()

    report.meta["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    out = args.out or ROOT / "bench" / "results" / f"{started:%Y-%m-%d-%H%M%S}.json"
    if args.scale_list:
        out = out.with_name(f"{out.stem}-{scale_label(scale)}{out.suffix}")
    report.write_json(out)
    print(report.table())
    print(f"\nJSON report: {out}")
    connections.close_all()
    if golden.vendor == "postgresql" and work.exists():
        work.drop()  # a copy at scale 10 is gigabytes; the next run copies afresh anyway
    return report


def _pg_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0]


def _load(work: Database, env: dict[str, str], seconds: float, quick: bool) -> list:
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import Client

    from bench import load
    from bench.seed import STAFF_TOKEN, STAFF_USERNAME

    client = Client()
    client.force_login(get_user_model().objects.get(username=STAFF_USERNAME))
    session = client.cookies["sessionid"].value
    targets = load.targets_available(STAFF_TOKEN, session, load.join_body_template())
    connections.close_all()
    return load.run(
        env={**env, "DATABASE_URL": work.url},
        targets=targets,
        seconds=seconds,
        threads=4 if quick else 8,
        workers=2,
        max_requests=200 if quick else 100_000,
    )


if __name__ == "__main__":
    sys.exit(main())

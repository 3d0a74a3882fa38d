"""The staff lists' growth table: one run over several scales (``--scales 0.1,1,10``), each
list's median latency at every scale, how it grew from one scale to the next, and its ratio to
its floor at every scale, each judged against the targets:

- at most 1.3 times the time from one scale to the next up to scale 1.0 (0.1 -> 1.0: ten times
  the data), at most 2 times beyond it (1.0 -> 10);
- at most 2 times its floor (one hand-written query and json.dumps) at every scale.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from bench.report import FAIL, NOT_MEASURED, PASS, Report

MAX_GROWTH_UP_TO_1 = 1.3
MAX_GROWTH_BEYOND_1 = 2.0
MAX_FLOOR_RATIO = 2.0


def growth_limit(to_scale: float) -> float:
    return MAX_GROWTH_UP_TO_1 if to_scale <= 1.0 else MAX_GROWTH_BEYOND_1


def _verdict(value: float | None, limit: float) -> str:
    if value is None:
        return NOT_MEASURED
    return PASS if value <= limit else FAIL


def rows(reports: list[Report]) -> list[dict[str, Any]]:
    """One row per staff list variant and page size, in the order the first report has them."""
    scales = [r.meta["scale"] for r in reports]
    by_scale: list[dict[str, dict[str, Any]]] = [
        {row.name: row.figures for row in r.rows if row.section == "api" and row.measured}
        for r in reports
    ]
    names: list[str] = []
    for r in reports:
        for row in r.rows:
            if row.section == "api" and row.name not in names:
                names.append(row.name)
    table = []
    for name in names:
        medians = [figures.get(name, {}).get("median_ms") for figures in by_scale]
        floors = [figures.get(name, {}).get("ratio") for figures in by_scale]
        growth = []
        for i in range(1, len(scales)):
            before, after = medians[i - 1], medians[i]
            value = round(after / before, 2) if before and after else None
            limit = growth_limit(scales[i])
            growth.append(
                {
                    "from": scales[i - 1],
                    "to": scales[i],
                    "value": value,
                    "limit": limit,
                    "result": _verdict(value, limit),
                }
            )
        floor = [
            {
                "scale": scale,
                "value": ratio,
                "limit": MAX_FLOOR_RATIO,
                "result": _verdict(ratio, MAX_FLOOR_RATIO),
            }
            for scale, ratio in zip(scales, floors, strict=True)
        ]
        table.append(
            {
                "list": name,
                "median_ms": dict(zip(scales, medians, strict=True)),
                "growth": growth,
                "floor_ratio": floor,
            }
        )
    return table


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def table(reports: list[Report]) -> str:
    scales = [r.meta["scale"] for r in reports]
    data = rows(reports)
    head = (
        ["list"]
        + [f"ms @{s:g}" for s in scales]
        + [f"growth {a:g}->{b:g}" for a, b in itertools.pairwise(scales)]
        + [f"floor x @{s:g}" for s in scales]
    )
    lines = [" | ".join(head)]
    counts = {PASS: 0, FAIL: 0, NOT_MEASURED: 0}
    for row in data:
        cells = [row["list"]] + [_cell(row["median_ms"][s]) for s in scales]
        for g in row["growth"]:
            cells.append(f"{_cell(g['value'])} {g['result'].upper()}<={g['limit']:g}")
            counts[g["result"]] += 1
        for f in row["floor_ratio"]:
            cells.append(f"{_cell(f['value'])} {f['result'].upper()}<={f['limit']:g}")
            counts[f["result"]] += 1
        lines.append(" | ".join(cells))
    lines.append(
        f"growth table: {counts[PASS]} pass, {counts[FAIL]} fail, "
        f"{counts[NOT_MEASURED]} not measured"
    )
    return "Staff API lists across scales (median ms)\n" + "\n".join(lines)


def write_json(reports: list[Report], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"scales": [r.meta["scale"] for r in reports], "lists": rows(reports)}
    path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    print(f"growth JSON: {path}")

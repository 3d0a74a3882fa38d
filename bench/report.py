"""The report: rows of figures, the targets judged pass or fail, a printed table and JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASS, FAIL, NOT_MEASURED = "pass", "fail", "not measured"

SECTIONS = ("api", "public", "admin", "batch", "load")


@dataclass
class Target:
    name: str
    limit: float | None
    value: float | None
    result: str  # pass, fail or not measured
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "limit": self.limit,
            "value": self.value,
            "result": self.result,
            "note": self.note,
        }


def at_most(name: str, value: float | None, limit: float, note: str = "") -> Target:
    if value is None:
        return Target(name, limit, None, NOT_MEASURED, note)
    return Target(name, limit, value, PASS if value <= limit else FAIL, note)


@dataclass
class Row:
    section: str
    name: str
    figures: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    not_measured: str = ""  # why, when nothing could be measured

    @property
    def measured(self) -> bool:
        return not self.not_measured

    def as_dict(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "name": self.name,
            "status": "measured" if self.measured else NOT_MEASURED,
            "reason": self.not_measured,
            "figures": self.figures,
            "targets": [t.as_dict() for t in self.targets],
        }


def missing(section: str, name: str, why: str, targets: list[str] | None = None) -> Row:
    """A row for something this checkout cannot do yet: said plainly, never faked."""
    return Row(
        section,
        name,
        not_measured=why,
        targets=[Target(t, None, None, NOT_MEASURED, why) for t in targets or []],
    )


@dataclass
class Report:
    meta: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    seed: dict[str, Any] = field(default_factory=dict)

    def add(self, row: Row) -> None:
        self.rows.append(row)

    def summary(self) -> dict[str, int]:
        counts = {PASS: 0, FAIL: 0, NOT_MEASURED: 0}
        for row in self.rows:
            for target in row.targets:
                counts[target.result] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "seed": self.seed,
            "sections": {
                section: [r.as_dict() for r in self.rows if r.section == section]
                for section in SECTIONS
                if section in self.meta.get("sections", SECTIONS)
            },
            "summary": self.summary(),
        }

    def write_json(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2, default=str) + "\n")

    def table(self) -> str:
        lines = [
            f"Benchmark at scale {self.meta['scale']} on {self.meta['database']} "
            f"({self.meta['started']})"
        ]
        if self.seed:
            counts = ", ".join(f"{k} {v}" for k, v in self.seed.get("counts", {}).items())
            lines.append(f"data: {counts} ({self.seed.get('how', '')})")
        for section in SECTIONS:
            rows = [r for r in self.rows if r.section == section]
            if not rows:
                continue
            lines += ["", f"== {section}"]
            width = max(len(r.name) for r in rows)
            for row in rows:
                if not row.measured:
                    lines.append(f"  {row.name:<{width}}  not measured: {row.not_measured}")
                    continue
                figures = "  ".join(_figure(k, v) for k, v in row.figures.items() if _shown(k))
                verdicts = " ".join(
                    f"[{t.result.upper()} {t.name} {_num(t.value)}<={_num(t.limit)}]"
                    for t in row.targets
                )
                lines.append(f"  {row.name:<{width}}  {figures}  {verdicts}".rstrip())
        s = self.summary()
        lines += ["", f"targets: {s[PASS]} pass, {s[FAIL]} fail, {s[NOT_MEASURED]} not measured"]
        return "\n".join(lines)


_HIDDEN = {"path", "status_codes", "workers", "per_endpoint", "errors_by_kind"}


def _shown(key: str) -> bool:
    return key not in _HIDDEN


def _num(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3g}" if value < 100 else f"{value:.0f}"
    return str(value)


def _figure(key: str, value: Any) -> str:
    return f"{key}={_num(value)}"

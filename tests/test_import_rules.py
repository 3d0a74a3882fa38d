"""The import rules of docs/ARCHITECTURE.md are checked by `make lint` (lint-imports, with the
contracts in pyproject.toml). These tests show the check would catch a rule broken again: on a
copy of the apps, one added import (billing calling crm's services: the cycle the house took
apart) turns the run red and names the contract and the line.
"""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _root_packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["root_packages"]


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The packages import-linter reads and pyproject.toml, copied (sources only)."""
    for package in _root_packages():
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.html", "*.txt", "*.css"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_apps_keep_every_contract(project_copy: Path) -> None:
    result = _lint_imports(project_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_billing_calling_crm_services_again_breaks_the_billing_contract(
    project_copy: Path,
) -> None:
    probe = project_copy / "billing" / "services" / "invoices.py"
    probe.write_text(
        probe.read_text() + "\n\nfrom crm.services import membership_record_payment  # noqa\n"
    )
    result = _lint_imports(project_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "billing is not allowed to import crm.services" in result.stdout
    assert "billing.services.invoices -> crm.services" in result.stdout


def test_core_importing_an_app_breaks_the_core_contract(project_copy: Path) -> None:
    helper = project_copy / "core" / "ledger_probe.py"
    helper.write_text("from billing.money import money  # noqa\n")
    result = _lint_imports(project_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "core is not allowed to import billing" in result.stdout
    assert "core.ledger_probe -> billing.money" in result.stdout

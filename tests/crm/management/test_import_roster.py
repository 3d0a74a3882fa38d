import pytest
from django.core.management import CommandError, call_command

from crm.models import Organization

pytestmark = pytest.mark.django_db

ROSTER = "Organization,Email,Contact\nAcme LLC,ann@acme.example,Ann Park\nAcme,bad@,Bo Li\n"


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_roster", *args, stdout=out)
    return out.getvalue()


def test_it_prints_every_row_and_saves_nothing_on_a_dry_run(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)

    output = run(str(roster), "--dry-run")

    assert "row 2: created Acme LLC / Ann Park <ann@acme.example>" in output
    assert "row 3: refused Acme: 'bad@' is not a valid email address." in output
    assert "Dry run, nothing saved: 1 created, 1 refused." in output
    assert not Organization.objects.exists()


def test_it_imports_for_real_without_the_flag(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)

    assert "Imported: 1 created, 1 refused." in run(str(roster))
    assert "Imported: 1 unchanged, 1 refused." in run(str(roster))
    assert Organization.objects.get().name == "Acme LLC"


def test_it_fails_clearly_on_a_file_it_cannot_use(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run(str(tmp_path / "missing.csv"))
    (tmp_path / "roster.pdf").write_bytes(b"%PDF")
    with pytest.raises(CommandError, match=r"Upload a \.csv or \.xlsx file"):
        run(str(tmp_path / "roster.pdf"))


def test_a_file_unreadable_further_down_imports_nothing(tmp_path):
    roster = tmp_path / "roster.csv"
    # Rows are read as they are imported; a cell past the csv module's limit on row 3 stops it.
    roster.write_text(
        ROSTER.splitlines()[0]
        + "\nAcme LLC,ann@acme.example,Ann Park\n"
        + "Big,big@big.example,"
        + "x" * 200_000
        + "\n"
    )

    with pytest.raises(CommandError, match=r"could not be read.*Nothing was imported"):
        run(str(roster))
    assert not Organization.objects.exists()

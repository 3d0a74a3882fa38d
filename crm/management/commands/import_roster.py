from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from crm.audit import AuditedCommand
from crm.exceptions import ServiceError
from crm.services.imports import Outcome, roster_import, roster_read


class Command(AuditedCommand):
    help = (
        "Import organizations, contacts, roles and memberships from a roster file (.csv or "
        ".xlsx), printing what happened to every row. Importing the same file twice changes "
        "nothing the second time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Show what would be created, updated or refused, and save nothing.",
        )

    def handle(self, *args: Any, file: Path, dry_run: bool, **options: Any) -> None:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc
        try:
            rows, ignored = roster_read(data=data, file_name=file.name)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        report = roster_import(rows=rows, dry_run=dry_run, ignored_columns=ignored)
        if ignored:
            self.stdout.write(f"Columns not imported: {', '.join(ignored)}")
        styles = {
            Outcome.CREATED: self.style.SUCCESS,
            Outcome.UPDATED: self.style.SUCCESS,
            Outcome.REFUSED: self.style.ERROR,
        }
        for row in report.rows:
            style = styles.get(row.outcome, str)
            who = " / ".join(filter(None, [row.organization, row.contact]))
            self.stdout.write(
                f"row {row.number}: {style(row.outcome.value)}"
                + (f" {who}" if who else "")
                + (f": {row.message}" if row.message else "")
            )
        self.stdout.write(report.summary)

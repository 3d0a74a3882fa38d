from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from core.audit import AuditedCommand
from core.exceptions import ServiceError
from crm.services.imports import Outcome, RowResult, roster_import, roster_read


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
            rows, ignored = roster_read(data=data, file_name=file.name, lazy=True)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        if ignored:
            self.stdout.write(f"Columns not imported: {', '.join(ignored)}")
        styles = {
            Outcome.CREATED: self.style.SUCCESS,
            Outcome.UPDATED: self.style.SUCCESS,
            Outcome.REFUSED: self.style.ERROR,
        }

        def print_row(row: RowResult) -> None:
            style = styles.get(row.outcome, str)
            who = " / ".join(filter(None, [row.organization, row.contact]))
            self.stdout.write(
                f"row {row.number}: {style(row.outcome.value)}"
                + (f" {who}" if who else "")
                + (f": {row.message}" if row.message else "")
            )

        # Each row is printed as it is done and not kept: a long roster streams through.
        try:
            report = roster_import(
                rows=rows, dry_run=dry_run, ignored_columns=ignored, on_row=print_row
            )
        except ServiceError as exc:  # the file turned out unreadable further down: nothing saved
            raise CommandError(f"{exc.message} Nothing was imported.") from exc
        self.stdout.write(report.summary)

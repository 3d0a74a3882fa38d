from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from billing.documents import (
    DocumentUnavailable,
    annual_statement_pdf,
    deductibility_for,
    organizations_with_dues_paid,
)


class Command(BaseCommand):
    help = (
        "Write the annual dues statement (dues paid in the calendar year and their "
        "non-deductible share, IRC 6033(e)) of every organization that paid dues that year, "
        "one PDF each, into a folder. Changes nothing; safe to repeat."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("year", type=int, help="The calendar year, e.g. 2026.")
        parser.add_argument(
            "--output", required=True, help="The folder to write the PDFs to (created)."
        )
        parser.add_argument(
            "--organization", type=int, action="append", help="Only this organization's id."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"]
        if deductibility_for(year) is None:
            raise CommandError(
                f"No non-deductible share is set for {year}: add it in the admin under Dues "
                "deductibility notices first."
            )
        folder = Path(options["output"])
        folder.mkdir(parents=True, exist_ok=True)
        organizations = organizations_with_dues_paid(year)
        if options["organization"]:
            organizations = organizations.filter(pk__in=options["organization"])
        written = 0
        for organization in organizations.iterator(chunk_size=500):
            try:
                pdf = annual_statement_pdf(organization=organization, year=year)
            except DocumentUnavailable as exc:
                raise CommandError(exc.message) from exc
            name = f"{year}-dues-statement-{organization.pk}-{slugify(organization.name)[:60]}.pdf"
            (folder / name).write_bytes(pdf)
            written += 1
        self.stdout.write(f"{written} statement(s) for {year} written to {folder}.")

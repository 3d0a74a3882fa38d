"""A journal batch as CSV: the QuickBooks Online journal import, or a plain generic form."""

import csv
import io

from django.conf import settings

from billing.models import JournalBatch
from crm.spreadsheet import formula_safe

QBO_HEADER = [
    "JournalNo",
    "JournalDate",
    "AccountName",
    "Debits",
    "Credits",
    "Description",
    "Name",
]
GENERIC_HEADER = [
    "batch",
    "entry",
    "date",
    "account",
    "account_name",
    "debit",
    "credit",
    "description",
    "name",
]
FORMATS = ("qbo", "generic")


def _amount(value) -> str:
    return f"{value:.2f}" if value else ""


def journal_csv(batch: JournalBatch, fmt: str) -> str:
    """QuickBooks Online wants MM/DD/YYYY dates and account names (set GL_ACCOUNT_NAMES to map
    the numbers); each JournalNo's lines form one entry, debits and credits in their own
    columns, the other one empty."""
    if fmt not in FORMATS:
        raise ValueError(f"Unknown journal format {fmt!r}")
    names = settings.BILLING_GL_ACCOUNT_NAMES
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(QBO_HEADER if fmt == "qbo" else GENERIC_HEADER)
    for line in batch.lines.order_by("pk"):
        if fmt == "qbo":
            writer.writerow(
                [
                    line.entry_number,
                    line.entry_date.strftime("%m/%d/%Y"),
                    formula_safe(names.get(line.account, line.account)),
                    _amount(line.debit),
                    _amount(line.credit),
                    formula_safe(line.description),
                    formula_safe(line.name),
                ]
            )
        else:
            writer.writerow(
                [
                    batch.number,
                    line.entry_number,
                    line.entry_date.isoformat(),
                    formula_safe(line.account),
                    formula_safe(names.get(line.account, "")),
                    f"{line.debit:.2f}",
                    f"{line.credit:.2f}",
                    formula_safe(line.description),
                    formula_safe(line.name),
                ]
            )
    return out.getvalue()

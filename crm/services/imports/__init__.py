"""The member roster import: one row per contact at an organization, with the organization's
fields, the contact's, their roles there, and optionally the membership (plan, status,
paid-through).

Rules that make a re-import change nothing:
- records are matched, never duplicated: a contact by email (else by name at the organization),
  an organization by normalized name, else by website domain;
- an import fills what is missing and never overwrites what is there (a differing value is
  reported as kept), so the first row that gives a value wins;
- a membership is created only when the organization has none like it.

Each row is all or nothing: a refused row leaves nothing behind. A dry run runs every row
exactly as the real run would (so a duplicate row shows as a repeat of the earlier one) and then
rolls the whole file back.

The steps, a module each: `reading` (the file to rows), `fields` (the columns and each cell's
value), `batching` (rows a chunk at a time: lookups for the chunk, new records written in bulk),
`applying` (a row written through the services in a savepoint of its own), `results` (the
report).
"""

from crm.services.imports.batching import roster_import
from crm.services.imports.fields import COLUMNS, RosterRow
from crm.services.imports.reading import MAX_FILE_BYTES, roster_read
from crm.services.imports.results import IMPORT_REASON, ImportReport, Outcome, RowResult

__all__ = [
    "COLUMNS",
    "IMPORT_REASON",
    "MAX_FILE_BYTES",
    "ImportReport",
    "Outcome",
    "RosterRow",
    "RowResult",
    "roster_import",
    "roster_read",
]

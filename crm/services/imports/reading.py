"""Reading a roster file: a CSV or Excel (.xlsx) upload opened and parsed, its headings matched
to the roster's columns, its rows handed on one at a time."""

import csv
import io
import re
from collections.abc import Iterable, Iterator
from typing import Any

from core.exceptions import ServiceError
from crm.services.imports.fields import _HEADING_TO_COLUMN, RosterRow, _is_blank, _text

MAX_FILE_BYTES = 10 * 1024 * 1024


def roster_read(
    *, data: bytes, file_name: str, lazy: bool = False
) -> tuple[Iterable[RosterRow], list[str]]:
    """The rows of a CSV or Excel (.xlsx) roster, keyed by canonical column, and the headings
    that were not recognised. Refuses a file it cannot read with a sentence saying why. With
    `lazy` the rows come one at a time as they are read (a CSV's cells are not all held in
    memory at once), for roster_import's streaming use."""
    if len(data) > MAX_FILE_BYTES:
        raise ServiceError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    name = file_name.lower()
    if name.endswith(".csv"):
        first, rest = _read_csv(data)
    elif name.endswith(".xlsx"):
        table = _read_xlsx(data)
        first, rest = (table[0] if table else None), iter(table[1:])
    else:
        raise ServiceError("Upload a .csv or .xlsx file.")
    if first is None or not any(_text(cell) for cell in first):
        raise ServiceError("The file is empty: the first row should hold the column headings.")
    headings = [_heading(cell) for cell in first]
    columns = [_HEADING_TO_COLUMN.get(h) for h in headings]
    if "organization" not in columns:
        raise ServiceError(
            "The file has no organization column (headings such as 'Organization' or 'Company')."
        )
    ignored = [_text(cell) for cell, col in zip(first, columns, strict=True) if not col and cell]
    rows = _roster_rows(rest, columns)
    return (rows if lazy else list(rows)), ignored


def _roster_rows(table: Iterator[list[Any]], columns: list[str | None]) -> Iterator[RosterRow]:
    """The rows after the headings, one at a time. Blank rows are held back until a row with
    something in it follows: spreadsheets often carry formatted but empty rows at the end."""
    blanks: list[RosterRow] = []
    for index, cells in enumerate(table, start=2):
        values: dict[str, Any] = {}
        for col, cell in zip(columns, cells, strict=False):
            if col and col not in values:
                values[col] = cell
        extra = [c for c in cells[len(columns) :] if _text(c)]
        if extra:
            values["_extra_cells"] = len(extra)
        row = RosterRow(number=index, values=values)
        if _is_blank(values):
            blanks.append(row)
            continue
        yield from blanks
        blanks.clear()
        yield row


def _read_csv(data: bytes) -> tuple[list[Any] | None, Iterator[list[Any]]]:
    # The standard csv module rather than tablib here: tablib drops blank lines, and the report
    # must name rows by the line numbers staff see in their spreadsheet.
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost any bytes
        raise ServiceError("The file is not text in UTF-8 or Windows encoding.")
    # Parsed as it is read: the heading row now (a file that is not CSV at all is refused
    # before anything is imported), the others one at a time.
    reader = _csv_rows(csv.reader(io.StringIO(text, newline="")))
    return next(reader, None), reader


def _csv_rows(reader: Iterator[list[str]]) -> Iterator[list[str]]:
    try:
        yield from reader
    except csv.Error as exc:
        raise ServiceError(f"The CSV file could not be read: {exc}.") from exc


def _read_xlsx(data: bytes) -> list[list[Any]]:
    from import_export.formats.base_formats import XLSX

    try:
        dataset = XLSX().create_dataset(data)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or non-Excel file
        raise ServiceError("The Excel file could not be read; save it as .xlsx and retry.") from exc
    return [list(dataset.headers or [])] + [list(row) for row in dataset]


def _heading(value: Any) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", _text(value).lower()))

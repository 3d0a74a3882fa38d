"""Every CSV and Excel file the system writes escapes text a spreadsheet would run as a formula
(OWASP "CSV injection"): a cell of text that starts with =, +, -, @, a tab or a carriage return
gets a leading apostrophe, which spreadsheets show as text. Plain numbers ("-40.00") are left as
they are: they are not formulas, and the finance exports need them as numbers.

`formula_safe` is the one rule; the admin exports (django-import-export) use `CSV` and `XLSX`
from here, the project's own writers call `formula_safe` on their text cells."""

import re
from typing import Any

import tablib
from import_export.formats import base_formats

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def formula_safe(value: Any) -> Any:
    """`value` as a spreadsheet shows it as text; anything but text is returned as it is."""
    if not isinstance(value, str) or not value.startswith(_TRIGGERS):
        return value
    if _NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_row(row: Any) -> list[Any]:
    return [formula_safe(cell) for cell in row]


class _SafeExport:
    def export_data(self, dataset: Any, **kwargs: Any) -> Any:
        safe = tablib.Dataset(
            *(safe_row(row) for row in dataset), headers=dataset.headers, title=dataset.title
        )
        return super().export_data(safe, **kwargs)  # type: ignore[misc]


class CSV(_SafeExport, base_formats.CSV):
    pass


class XLSX(_SafeExport, base_formats.XLSX):
    pass

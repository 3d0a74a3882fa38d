"""How the timeline reads its sources (crm.selectors.timeline) in one query; the portal
activity on the organization's page (portal.selectors) reads its own sources the same way.

Each source says what it reads as a `TimelineRead`: its rows for the organization, newest
first; the values its entries need (name: a lookup such as "membership__plan__name", or an
expression); the record its entries link to; and `says`, which turns one row's values into its
entries, (when, summary) each. `read_timeline` takes every source's newest `limit` rows in one
UNION ALL (`newest_rows`: the sources' values laid out on shared columns by type, a text on a
text column, a date on a date column), builds the entries and keeps the newest `limit` of them.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

Row = dict[str, Any]


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # membership, plan, invoice, payment, refund, dispute, event, note, interaction, mail
    summary: str
    url: str = ""


@dataclass(frozen=True)
class Read:
    """Rows of one model to read with others' in one query (`newest_rows`)."""

    rows: QuerySet  # newest first
    fields: Mapping[str, Any]  # name: lookup or expression

    def expressions(self) -> dict[str, Any]:
        return {k: F(v) if isinstance(v, str) else v for k, v in self.fields.items()}


@dataclass(frozen=True, kw_only=True)
class TimelineRead(Read):
    """One source's rows of the timeline, not read yet (see the module's docstring)."""

    kind: str
    says: Callable[[Row], Iterable[tuple[date | datetime, str]]]
    admin: str = ""  # the admin of the record an entry links to ("crm_membership"), if any
    link: str = "pk"  # the field holding that record's id

    def expressions(self) -> dict[str, Any]:
        return {"_link": F(self.link), **super().expressions()}


def start_of(day: date) -> datetime:
    """A day's entry (an interaction, a payment received on a date) at the start of that day in
    the chamber's time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def admin_url(name: str, pk: int) -> str:
    return reverse(f"admin:{name}_change", args=[pk])


def label(model: type[models.Model], name: str, value: Any) -> str:
    """A choice's label, as get_<name>_display() says it."""
    return str(dict(model._meta.get_field(name).flatchoices).get(value, value))  # type: ignore[union-attr]


def person(first: str | None, last: str | None) -> str | None:
    """A contact's name from its two columns, as str(contact) says it (None: no contact)."""
    return None if first is None else f"{first} {last or ''}".strip()


# The shared columns, by type: what stands in a column no value of a source fills.
_EMPTY: dict[str, models.Field] = {
    "moment": models.DateTimeField(),
    "day": models.DateField(),
    "money": models.DecimalField(max_digits=12, decimal_places=2),
    "number": models.BigIntegerField(),
    "flag": models.BooleanField(),
    "text": models.TextField(),
}
_CENT = Decimal("0.01")


def _type_of(output: models.Field) -> str:
    if output.is_relation:
        output = output.target_field  # type: ignore[attr-defined]
    for name, kind in (
        ("moment", models.DateTimeField),
        ("day", models.DateField),
        ("money", models.DecimalField),
        ("number", models.IntegerField),
        ("flag", models.BooleanField),
        ("text", (models.CharField, models.TextField)),
    ):
        if isinstance(output, kind):
            return name
    raise TypeError(f"A timeline value cannot be a {type(output).__name__}.")


def _lay_out(reads: Sequence[Read]) -> tuple[list[dict[str, str]], list[str]]:
    """Each source's values on shared columns of their type (name: text0, text1, day0, ...),
    and the shared columns, in order."""
    widths: dict[str, int] = dict.fromkeys(_EMPTY, 0)
    layouts = []
    for read in reads:
        expressions = read.expressions()
        # Named apart from the model's fields ("status" is one), to learn their types.
        query = read.rows.values(**{f"_{name}": e for name, e in expressions.items()}).query
        used = dict.fromkeys(_EMPTY, 0)
        layout = {}
        for name in expressions:
            kind = _type_of(query.annotations[f"_{name}"].output_field)
            layout[name] = f"{kind}{used[kind]}"
            used[kind] += 1
        layouts.append(layout)
        widths = {kind: max(widths[kind], used[kind]) for kind in _EMPTY}
    return layouts, [f"{kind}{n}" for kind in _EMPTY for n in range(widths[kind])]


def _branch(
    read: Read, layout: dict[str, str], rank: int, columns: list[str], limit: int
) -> QuerySet:
    """The source's newest `limit` rows, its values on the shared columns."""
    by_column = {column: name for name, column in layout.items()}
    expressions = read.expressions()
    values: dict[str, Any] = {"_rank": Value(rank), "_pk": F("pk")}
    for column in columns:
        name = by_column.get(column)
        empty = _EMPTY[column.rstrip("0123456789")]
        # A typed NULL: PostgreSQL takes an untyped one for text, then refuses the union.
        values[column] = expressions[name] if name else Cast(Value(None), output_field=empty)
    newest = read.rows.values("pk")[:limit]
    return read.rows.model._default_manager.filter(pk__in=newest).order_by().values(**values)


def newest_rows(reads: Sequence[Read], *, limit: int) -> list[tuple[int, int, Row]]:
    """Each read's newest `limit` rows, in one query (a UNION ALL), in no order: (the read's
    index in `reads`, the row's pk, its values by name)."""
    if not reads:
        return []
    layouts, columns = _lay_out(reads)
    branches = [
        _branch(read, layout, rank, columns, limit)
        for rank, (read, layout) in enumerate(zip(reads, layouts, strict=True))
    ]
    found = []
    # A union takes its first model's default ordering back: none is wanted.
    for row in branches[0].union(*branches[1:], all=True).order_by():
        layout = layouts[row["_rank"]]
        values = {name: row[column] for name, column in layout.items()}
        for name, column in layout.items():
            if column.startswith("money") and values[name] is not None:
                values[name] = Decimal(values[name]).quantize(_CENT)
        found.append((row["_rank"], row["_pk"], values))
    return found


def newest_first[T](found: list[tuple[Any, T]], *, limit: int) -> list[T]:
    """The newest `limit` of (sort key, item) pairs."""
    found.sort(key=lambda pair: pair[0], reverse=True)
    return [item for _, item in found[:limit]]


def read_timeline(reads: Sequence[TimelineRead], *, limit: int) -> list[TimelineEntry]:
    """The newest `limit` entries of the sources' reads, newest first; on the same moment, in
    the sources' order, then each source's newest row first. One query."""
    found = []
    for rank, pk, values in newest_rows(reads, limit=limit):
        read = reads[rank]
        url = admin_url(read.admin, values["_link"]) if read.admin else ""
        for order, (at, summary) in enumerate(read.says(values)):
            moment = at if isinstance(at, datetime) else start_of(at)
            entry = TimelineEntry(at=moment, kind=read.kind, summary=summary, url=url)
            found.append(((moment, -rank, pk, -order), entry))
    return newest_first(found, limit=limit)

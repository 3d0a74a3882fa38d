"""The tables the demo draws from, as plain data: places (real towns of Hartford, Middlesex and
Tolland counties with their postal codes and some of their streets), people's names and titles,
industries with their business name patterns, the chamber's plans and investor levels, and its
events. Websites and mail live under the reserved `.example` domain and telephone numbers in the
fictional 555 exchange, so nothing here reaches a real business.

The larger tables (towns, industries, plans and investor levels, events) are JSON files beside
their modules, read into the modules' frozen dataclasses by `load()`; a chamber trying the demo
with its own towns or plans edits the JSON."""

import dataclasses
import json
import types
import typing
from datetime import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _build(hint: Any, value: Any) -> Any:
    """`value` read from JSON, made into what `hint` says: a dataclass from an object, a tuple
    from a list (of its items' type), a time from "HH:MM"; anything else as it is."""
    if value is None:
        return None
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = typing.get_type_hints(hint)
        return hint(**{name: _build(hints[name], item) for name, item in value.items()})
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return _build(next(a for a in args if a is not type(None)), value)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_build(args[0], item) for item in value)
        return tuple(_build(a, item) for a, item in zip(args, value, strict=True))
    if hint is time:
        return time.fromisoformat(value)
    return value


def load[T](file: str, table: str, row: type[T]) -> tuple[T, ...]:
    """The rows of `table` in demo/data/<file>.json, each a `row`."""
    data = json.loads((HERE / f"{file}.json").read_text(encoding="utf-8"))
    return tuple(_build(row, item) for item in data[table])

"""How the plain rows (api/plain_rows.py) write a column's value: as the serializer field would,
in the same text, without the field's per-value work where it can be done once.

- text, whole numbers, booleans and choices from columns of that kind: as they are (the field's
  ``to_representation`` would return them unchanged);
- money (``DecimalField``, as a string): quantized with a context and a quantum made once per
  page instead of once per value;
- moments (``DateTimeField``, ISO 8601): the current time zone looked up once per page;
- anything else, or any value these do not expect: the field's own ``to_representation``.

A writer that depends on the page's moment (the current time zone, the decimal context) is a
``PerPage``: `bind()` gives the function for the page being written.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal, getcontext
from typing import Any

from django.db import models
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

Write = Callable[[Any], Any]

# Where a field's to_representation returns a value of these model fields unchanged.
_AS_IS: dict[Any, tuple[type[models.Field], ...]] = {
    serializers.CharField.to_representation: (models.CharField, models.TextField),
    serializers.IntegerField.to_representation: (models.IntegerField,),
    serializers.BooleanField.to_representation: (models.BooleanField,),
    serializers.ChoiceField.to_representation: (models.CharField,),
}


class PerPage:
    """A writer made for each page (see the module)."""

    def __init__(self, bind: Callable[[], Write]) -> None:
        self.bind = bind


def writer(field: serializers.Field, model_field: Any) -> Write | PerPage | None:
    """How to write `field`'s non-null value read from a column of `model_field`'s kind; None:
    as it is."""
    represent = type(field).to_representation
    same = _AS_IS.get(represent)
    if same is not None and isinstance(model_field, same):
        return None
    if represent is serializers.DecimalField.to_representation:
        return _money(field)  # type: ignore[arg-type]
    if represent is serializers.DateTimeField.to_representation:
        return _moment(field)  # type: ignore[arg-type]
    return field.to_representation


def _money(field: serializers.DecimalField) -> Write | PerPage:
    slow = field.to_representation
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if not coerce or field.localize or field.normalize_output or field.decimal_places is None:
        return slow
    quantum = Decimal(".1") ** field.decimal_places
    rounding = field.rounding

    def bind() -> Write:
        context = getcontext().copy()
        if field.max_digits is not None:
            context.prec = field.max_digits

        def write(value: Any) -> Any:
            if type(value) is not Decimal:
                return slow(value)
            return f"{value.quantize(quantum, rounding=rounding, context=context):f}"

        return write

    return PerPage(bind)


def _moment(field: serializers.DateTimeField) -> Write | PerPage:
    slow = field.to_representation
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if output_format is None or output_format.lower() != ISO_8601:
        return slow

    def bind() -> Write:
        zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
        if zone is None:
            return slow

        def write(value: Any) -> Any:
            if type(value) is not datetime.datetime or value.utcoffset() is None:
                return slow(value)
            try:
                text = value.astimezone(zone).isoformat()
            except OverflowError:
                return slow(value)  # which says so as DRF does
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return write

    return PerPage(bind)

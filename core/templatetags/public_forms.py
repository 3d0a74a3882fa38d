"""{% load public_forms %}: a public form rendered again after the server refused it, with what
was typed and each error beside its field, marked up as static/js/forms.js marks them (the error's
id is the input's id + "-error"). The context carries `values` (the posted QueryDict) and
`errors` (messages by the field's dotted name)."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def typed(context: Any, name: str, default: str = "") -> str:
    """What was typed into the field, or its default on a fresh page."""
    values = context.get("values")
    if values is None:
        return default
    return values.get(name, "")


@register.simple_tag(takes_context=True)
def checked(context: Any, name: str, default: bool = False) -> str:
    values = context.get("values")
    on = default if values is None else bool(values.get(name))
    return " checked" if on else ""


@register.simple_tag(takes_context=True)
def described(context: Any, name: str, input_id: str, hint: str = "") -> str:
    """The field's aria attributes: its hint, and its error when it has one."""
    error = (context.get("errors") or {}).get(name)
    ids = " ".join(filter(None, [hint, f"{input_id}-error" if error else ""]))
    invalid = ' aria-invalid="true"' if error else ""
    if not ids:
        return mark_safe(invalid)  # a constant
    return format_html('{} aria-describedby="{}"', mark_safe(invalid), ids)


@register.simple_tag(takes_context=True)
def error_for(context: Any, name: str, input_id: str) -> str:
    error = (context.get("errors") or {}).get(name)
    if not error:
        return ""
    return format_html('<p class="error" id="{}-error">{}</p>', input_id, error)

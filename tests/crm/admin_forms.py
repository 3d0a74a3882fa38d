"""Build the POST data an admin change form would send, from the page the test client got."""

from typing import Any

from django.forms import MultiWidget


def _put(data: dict[str, Any], bound_field: Any) -> None:
    value = bound_field.value()
    widget = bound_field.field.widget
    if isinstance(widget, MultiWidget):  # a date and a time, sent as two inputs
        parts = value if isinstance(value, list) else widget.decompress(value)
        for name, sub, part in zip(widget.widgets_names, widget.widgets, parts, strict=True):
            data[bound_field.html_name + name] = "" if part is None else sub.format_value(part)
        return
    if value is None or value is False:
        return
    if value is True:
        data[bound_field.html_name] = "on"
    elif isinstance(value, list | tuple):
        data[bound_field.html_name] = [str(v) for v in value]
    else:
        data[bound_field.html_name] = str(value)


def form_data(response: Any) -> dict[str, Any]:
    """The admin form on `response` as the browser would submit it unchanged, inlines included."""
    data: dict[str, Any] = {}
    for bound_field in response.context["adminform"].form:
        _put(data, bound_field)
    # (A history page's past version has the record's form only.)
    inlines = response.context.get("inline_admin_formsets", [])
    for inline in inlines:
        formset = inline.formset
        for bound_field in formset.management_form:
            _put(data, bound_field)
        for form in formset.forms:
            for bound_field in form:
                _put(data, bound_field)
    return data


def add_inline_row(data: dict[str, Any], prefix: str, **fields: Any) -> None:
    """Append one new row to the inline formset `prefix` (for example "affiliations")."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
    for name, value in fields.items():
        if value is True:
            data[f"{prefix}-{index}-{name}"] = "on"
        elif value is not False:
            data[f"{prefix}-{index}-{name}"] = str(value)

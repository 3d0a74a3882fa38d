"""Build the POST data an admin change form would send, from the page the test client got."""

from typing import Any


def _put(data: dict[str, Any], bound_field: Any) -> None:
    value = bound_field.value()
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
    for inline in response.context["inline_admin_formsets"]:
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

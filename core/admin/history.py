"""The history pages of the admin (django-simple-history), for every model that keeps one."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from simple_history.admin import SimpleHistoryAdmin


class HistoryAdmin(SimpleHistoryAdmin):
    """SimpleHistoryAdmin that lets only those who may change a record revert it, and whose
    history page runs the same number of queries however long the history is."""

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: Any = None
    ) -> HttpResponse:
        # simple-history shows a past version to anyone who may view the record, and saves the
        # form posted from that page (a revert) without asking whether they may change it.
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def render_history_view(self, request: HttpRequest, template: Any, context: Any, **kwargs: Any):
        # The list of versions: each is labelled with str() of the object as it was, which
        # simple-history rebuilds without the related rows it has already joined in; hand them
        # over. (The page of one past version is rendered here too, without a list.)
        for record in context["page_obj"].object_list if "page_obj" in context else ():
            obj = record.history_object
            for field in obj._meta.concrete_fields:
                if field.is_relation and field.name in record._state.fields_cache:
                    field.set_cached_value(obj, record._state.fields_cache[field.name])
            # history_object is computed on each access; keep this one for the template.
            record.history_object = obj
        return super().render_history_view(request, template, context, **kwargs)

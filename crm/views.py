"""The public home page, and the base of the public pages. The pages that show the public API's
data (joining, investing, the directory, events) are rendered on the server from the API's own
serializers, and take their forms without JavaScript: api/pages.py, api/pages_invest.py."""

from datetime import timedelta
from typing import Any

from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from crm.directory import LOGO_FORMATS
from crm.selectors import directory_logo_of
from crm.services.applications import START_AHEAD_DAYS, START_BACK_DAYS


class PublicPage(TemplateView):
    section = ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        today = timezone.localdate()
        return {
            **super().get_context_data(**kwargs),
            "section": self.section,
            "today": today,
            "earliest_start": today - timedelta(days=START_BACK_DAYS),
            "latest_start": today + timedelta(days=START_AHEAD_DAYS),
        }


class HomePage(PublicPage):
    template_name = "public/home.html"


@require_GET
def directory_logo(request: HttpRequest, pk: int, name: str) -> FileResponse:
    """A listed member's logo, from the storage it was uploaded to. The address names the file,
    so a new logo has a new address and this one may be cached for long; an organization that
    is not in the public directory has no logo here (404, as for a missing one)."""
    logo = directory_logo_of(pk, name)
    if logo is None:
        raise Http404
    content_types = {extension: content_type for extension, content_type in LOGO_FORMATS.values()}
    content_type = content_types.get(logo.name.rsplit(".", 1)[-1].lower())
    if content_type is None:
        raise Http404
    try:
        handle = logo.storage.open(logo.name, "rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "public, max-age=604800, immutable"
    response["Content-Security-Policy"] = "default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    return response

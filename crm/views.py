"""The public home page, and the base of the public pages. The pages that show the public API's
data (joining, investing, the directory, events) are rendered on the server from the API's own
serializers, and take their forms without JavaScript: api/pages.py, api/pages_invest.py."""

from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.views.generic import TemplateView

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

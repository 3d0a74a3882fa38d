from django.contrib import admin
from django.urls import include, path

from config.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/reports/", include("billing.finance_urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("billing/", include("billing.urls")),
    path("newsletters/", include("outreach.urls")),
    path("members/", include("portal.urls")),
    path("", include("crm.urls")),
    # Joining and the events: pages rendered from the public API's own serializers (api/pages.py).
    path("", include("api.page_urls")),
]

handler400 = "config.views.bad_request"
handler404 = "config.views.page_not_found"

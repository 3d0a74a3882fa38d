from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from this host (no inline script, so
    # the content security policy holds); the UI itself comes from drf-spectacular-sidecar.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("public/", include("api.public_urls")),
    path("", include("api.staff_urls")),
]

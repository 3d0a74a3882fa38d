from django.urls import include, path

from api.views.schema import PublicSchemaView, StaffSchemaView, public_docs, staff_docs

app_name = "api"

urlpatterns = [
    # The whole schema and its docs need a staff login; the website's part stays open.
    path("schema/", StaffSchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script from this host (no inline script, so
    # the content security policy holds); the UI itself comes from drf-spectacular-sidecar.
    path("docs/", staff_docs, name="docs"),
    path("public/schema/", PublicSchemaView.as_view(), name="public-schema"),
    path("public/docs/", public_docs, name="public-docs"),
    path("public/", include("api.public_urls")),
    path("", include("api.staff_urls")),
]

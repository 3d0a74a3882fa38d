"""The OpenAPI schema and its Swagger UI. The whole schema (staff and public) and its docs are for
staff: a staff login (the admin's session, or a staff user's token). The website's part
(/api/v1/public/) stays open at /api/v1/public/schema/ and /api/v1/public/docs/, for the
developers of the chamber's website. Opened in a browser, a schema address shows its docs."""

from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, IsAdminUser

PUBLIC_PREFIX = "/api/v1/public/"


def public_endpoints_only(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """drf-spectacular preprocessing hook: keep the website's endpoints."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(PUBLIC_PREFIX)]


@extend_schema_view(get=extend_schema(exclude=True))
class SchemaView(SpectacularAPIView):
    """The schema for tools (YAML, or JSON with ?format=json or Accept: application/json); a
    browser asking for a page is sent to the docs, which read the same schema."""

    docs_url_name = "api:docs"
    staff_only = False

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if "text/html" in request.META.get("HTTP_ACCEPT", "") and "format" not in request.GET:
            docs = reverse(self.docs_url_name)
            user = getattr(request, "user", None)
            if self.staff_only and not (user and user.is_authenticated and user.is_staff):
                return HttpResponseRedirect(f"{reverse('admin:login')}?next={docs}")
            return HttpResponseRedirect(docs)
        return super().dispatch(request, *args, **kwargs)


class StaffSchemaView(SchemaView):
    permission_classes = [IsAdminUser]
    staff_only = True


class PublicSchemaView(SchemaView):
    permission_classes = [AllowAny]
    docs_url_name = "api:public-docs"
    custom_settings = {
        "PREPROCESSING_HOOKS": ["api.views.schema.public_endpoints_only"],
        "TITLE": "MetroHartford Alliance website API",
        "DESCRIPTION": "The public API the chamber's website calls (/api/v1/public/); "
        "docs/public-api.md is the contract.",
    }


def staff_docs(request: HttpRequest) -> HttpResponse:
    view = SpectacularSwaggerSplitView.as_view(url_name="api:schema")
    return staff_member_required(view)(request)


public_docs = SpectacularSwaggerSplitView.as_view(url_name="api:public-schema")

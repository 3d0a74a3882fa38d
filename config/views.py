from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers a query, 503 otherwise (for load balancers, uptime)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def _api_error(request: HttpRequest, status: int, message: str) -> JsonResponse | None:
    """Under /api/ an error keeps the API's shape (docs/public-api.md), even when no view
    answered."""
    if not request.path.startswith("/api/"):
        return None
    return JsonResponse({"errors": {"detail": [message]}}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _api_error(request, 400, "Bad request.") or defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    # An address no route matches, such as /api/v1/invoices/1.5/: "Not found.", as DRF says it.
    return _api_error(request, 404, "Not found.") or defaults.page_not_found(request, exception)

"""API tokens and failed logins in the admin. A superuser manages everyone's tokens; a staff
user given the token permissions manages only their own, so holding them never lets one act as
someone else. Login attempts and lockouts are the superuser's alone."""

from typing import Any

from axes import admin as axes_admin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class StaffTokenAdmin(TokenAdmin):
    list_display = ("user", "key_hint", "created")
    autocomplete_fields = ()

    @admin.display(description="key")
    def key_hint(self, obj: TokenProxy) -> str:
        return f"{obj.key[:6]}…"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        tokens = super().get_queryset(request).select_related("user")
        if request.user.is_superuser:
            return tokens
        return tokens.filter(user=request.user)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "user":
            users = get_user_model().objects.filter(is_staff=True, is_active=True)
            if not request.user.is_superuser:
                users = users.filter(pk=request.user.pk)  # type: ignore[misc]
            kwargs["queryset"] = users
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def response_add(self, request: HttpRequest, obj: TokenProxy, *args: Any) -> HttpResponse:
        # The only time the whole key is shown: the list shows its first characters.
        self.message_user(
            request,
            f"The API key for {obj.user} is {obj.key} — copy it now; "
            f"send it as the header “Authorization: Token {obj.key}”.",
            messages.SUCCESS,
        )
        return super().response_add(request, obj, *args)


# Failed logins and lockouts (django-axes, config/login_guard.py). Registered here rather than by
# axes (AXES_ENABLE_ADMIN is off) so that its "clean up expired attempts" action has the request
# attributes its handler reads; axes' own admin answers that action with a 500.
class LoginAttemptAdmin(axes_admin.AccessAttemptAdmin):
    @admin.action(description="Clean up expired attempts")
    def cleanup_expired_attempts(self, request: HttpRequest, queryset: QuerySet) -> None:
        AxesProxyHandler.update_request(request)  # its attempt time: now
        count = self.handler.clean_expired_user_attempts(request=request)
        self.message_user(request, f"Cleaned up {count} expired access attempts.")


admin.site.register(AccessAttempt, LoginAttemptAdmin)
admin.site.register(AccessLog, axes_admin.AccessLogAdmin)
admin.site.register(AccessFailureLog, axes_admin.AccessFailureLogAdmin)

from rest_framework import permissions


class StaffModelPermissions(permissions.DjangoModelPermissions):
    """Staff only, and the user's Django model permissions, including view for reads."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        user = request.user
        if not (user and user.is_authenticated and user.is_staff and user.is_active):
            return False
        return super().has_permission(request, view)

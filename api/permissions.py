from rest_framework import permissions


class StaffModelPermissions(permissions.DjangoModelPermissions):
    """Staff only, and the user's Django model permissions (from the roles), including view for
    reads. An action that changes state names the permissions it needs with
    `@action(required_perms=[...])` rather than passing as an "add" because it is a POST."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        # OPTIONS describes the resource's fields: only for those who may see it.
        "OPTIONS": ["%(app_label)s.view_%(model_name)s"],
    }

    def has_permission(self, request, view) -> bool:  # type: ignore[no-untyped-def]
        user = request.user
        if not (user and user.is_authenticated and user.is_staff and user.is_active):
            return False
        required = getattr(view, "required_perms", None)
        if required is not None:
            return user.has_perms(required)
        return super().has_permission(request, view)

    def _queryset(self, view):  # type: ignore[no-untyped-def]
        """Only the model is needed: the view's plain `queryset` when it has one, rather than
        building its list's annotated selector once more for each request."""
        if getattr(view, "queryset", None) is not None:
            return view.queryset
        return super()._queryset(view)

"""Django's model backend with a user's permissions read in one query.

Every staff API request and admin page asks whether its user holds a permission; Django's
`ModelBackend` reads the user's own permissions and their groups' in two queries. Here both
are one UNION (the same set: a superuser holds every permission, an inactive user none), kept
on the user for the rest of the request as Django keeps it.
"""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class ModelBackendOneQuery(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            fields = ("content_type__app_label", "codename")
            if user_obj.is_superuser:
                rows = Permission.objects.values_list(*fields)
            else:
                own = user_obj.user_permissions.values_list(*fields).order_by()
                groups = Permission.objects.filter(group__in=user_obj.groups.all())
                groups = groups.values_list(*fields).order_by()
                rows = own.union(groups).order_by()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache

"""Django's model backend with a user's permissions read in one statement.

Every staff API request and admin page asks whether its user holds a permission; Django's
`ModelBackend` reads the user's own permissions and their groups' in two queries. Here both
are one UNION (the same set: a superuser holds every permission, an inactive user none), kept
on the user for the rest of the request as Django keeps it. The statement is written out rather
than built by the ORM: it is the same for every request, and building it (a UNION of two joined
querysets) cost about four times what the database takes to answer: 1.5 ms a request.
"""

import functools
import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router


def _quote(alias: str) -> Callable[[str], str]:
    return connections[alias].ops.quote_name


def _column(alias: str, meta: Any, name: str) -> str:
    return _quote(alias)(meta.pk.column if name == "pk" else meta.get_field(name).column)


def _permissions_from(alias: str) -> tuple[str, str, str]:
    """The FROM clause of every permission with its content type, and the `app_label` and
    `codename` columns it gives (every name read from the models)."""
    q = _quote(alias)
    permission, content_type = Permission._meta, ContentType._meta
    type_key = _column(alias, permission, "content_type")
    sql = (
        f"FROM {q(permission.db_table)} p INNER JOIN {q(content_type.db_table)} ct "
        f"ON ct.{_column(alias, content_type, 'pk')} = p.{type_key}"
    )
    return (
        sql,
        f"ct.{_column(alias, content_type, 'app_label')}",
        f"p.{_column(alias, permission, 'codename')}",
    )


def _granted(alias: str, user_id: str) -> str:
    """The condition that a permission `p` is the user's own or one of their groups' (the
    user's id as `user_id`: a parameter, or a column of an outer statement)."""
    q = _quote(alias)
    user = get_user_model()._meta
    own: Any = user.get_field("user_permissions")
    groups: Any = user.get_field("groups")
    granted: Any = Group._meta.get_field("permissions")
    return (
        f"p.{_column(alias, Permission._meta, 'pk')} IN ("
        f"SELECT {q(own.m2m_reverse_name())} FROM {q(own.m2m_db_table())} "
        f"WHERE {q(own.m2m_column_name())} = {user_id} "
        f"UNION SELECT g.{q(granted.m2m_reverse_name())} FROM {q(granted.m2m_db_table())} g "
        f"INNER JOIN {q(groups.m2m_db_table())} m "
        f"ON m.{q(groups.m2m_reverse_name())} = g.{q(granted.m2m_column_name())} "
        f"WHERE m.{q(groups.m2m_column_name())} = {user_id})"
    )


@functools.cache
def _permissions_sql(alias: str, *, superuser: bool) -> str:
    """`app_label, codename` of every permission, or of the user's own and their groups'
    (written once a process for each database)."""
    source, app_label, codename = _permissions_from(alias)
    sql = f"SELECT {app_label}, {codename} {source}"
    return sql if superuser else f"{sql} WHERE {_granted(alias, '%s')}"


def permission_names_sql(alias: str, user: str) -> str:
    """A scalar subquery: the names (`app_label.codename`) of the permissions of the user
    whose columns the outer statement reads as `user`, as a JSON array (NULL or `[]` for
    none): every one for a superuser, none for an inactive user, as `get_all_permissions`.
    For a statement that reads a user and their permissions at once (the staff API's token
    authentication); `remember_permissions` keeps what it gives."""
    source, app_label, codename = _permissions_from(alias)
    user_meta = get_user_model()._meta
    is_active = f"{user}.{_column(alias, user_meta, 'is_active')}"
    is_superuser = f"{user}.{_column(alias, user_meta, 'is_superuser')}"
    pk = f"{user}.{_column(alias, user_meta, 'pk')}"
    name = f"{app_label} || '.' || {codename}"
    array = "json_agg" if connections[alias].vendor == "postgresql" else "json_group_array"
    every = f"(SELECT {array}({name}) {source})"
    own = f"(SELECT {array}({name}) {source} WHERE {_granted(alias, pk)})"
    return f"CASE WHEN NOT {is_active} THEN NULL WHEN {is_superuser} THEN {every} ELSE {own} END"


def remember_permissions(user: Any, names: Any) -> None:
    """Keep on `user`, for the rest of the request, the permission names that
    `permission_names_sql` read for them (a JSON array, as text on SQLite)."""
    if isinstance(names, str):
        names = json.loads(names)
    user._perm_cache = set(names or ()) if user.is_active else set()


class ModelBackendOneQuery(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            alias = router.db_for_read(Permission)
            superuser = bool(user_obj.is_superuser)
            sql = _permissions_sql(alias, superuser=superuser)
            with connections[alias].cursor() as cursor:
                cursor.execute(sql, [] if superuser else [user_obj.pk, user_obj.pk])
                rows = cursor.fetchall()
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache

"""Django's model backend with a user's permissions read in one statement.

Every staff API request and admin page asks whether its user holds a permission; Django's
`ModelBackend` reads the user's own permissions and their groups' in two queries. Here one
statement reads the ids of both (a superuser holds every permission, an inactive user none),
named from a table of every permission read once a process, and they are kept on the user for
the rest of the request as Django keeps them. The statement is written out rather than built
by the ORM: it is the same for every request, and building it (a UNION of two joined
querysets) cost about four times what the database takes to answer: 1.5 ms a request. Naming
the permissions in the database cost as much again as reading their ids (the staff API's
token, its user and their 166 permissions: 1.1 ms against 0.6).
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


def _granted_ids(alias: str, user_id: str) -> str:
    """The ids of the user's own permissions and their groups' (repeats kept), as one column
    `id` (the user's id as `user_id`: a column of the outer statement)."""
    q = _quote(alias)
    user = get_user_model()._meta
    own: Any = user.get_field("user_permissions")
    groups: Any = user.get_field("groups")
    granted: Any = Group._meta.get_field("permissions")
    return (
        f"SELECT {q(own.m2m_reverse_name())} AS id FROM {q(own.m2m_db_table())} "
        f"WHERE {q(own.m2m_column_name())} = {user_id} "
        f"UNION ALL SELECT g.{q(granted.m2m_reverse_name())} FROM {q(granted.m2m_db_table())} g "
        f"INNER JOIN {q(groups.m2m_db_table())} m "
        f"ON m.{q(groups.m2m_reverse_name())} = g.{q(granted.m2m_column_name())} "
        f"WHERE m.{q(groups.m2m_column_name())} = {user_id}"
    )


def permission_ids_sql(alias: str, user: str) -> str:
    """A scalar subquery: the ids of the permissions of the user whose columns the outer
    statement reads as `user` (an array; JSON text on SQLite): every permission's for a
    superuser, NULL for an inactive user, as `get_all_permissions`. For a statement that reads
    a user and their permissions at once; `remember_permissions` names them."""
    user_meta, permission = get_user_model()._meta, Permission._meta
    is_active = f"{user}.{_column(alias, user_meta, 'is_active')}"
    is_superuser = f"{user}.{_column(alias, user_meta, 'is_superuser')}"
    pk = f"{user}.{_column(alias, user_meta, 'pk')}"
    array = "array_agg" if connections[alias].vendor == "postgresql" else "json_group_array"
    every = (
        f"(SELECT {array}(p.{_column(alias, permission, 'pk')}) "
        f"FROM {_quote(alias)(permission.db_table)} p)"
    )
    own = f"(SELECT {array}(granted.id) FROM ({_granted_ids(alias, pk)}) AS granted)"
    return f"CASE WHEN NOT {is_active} THEN NULL WHEN {is_superuser} THEN {every} ELSE {own} END"


# Every permission's name (`app_label.codename`) by its id, for each database: read once a
# process, and again when a user holds an id it lacks (a permission added since). Permissions
# change with migrations, which are run before the processes start.
_names: dict[str, dict[int, str]] = {}


def _read_names(alias: str) -> dict[int, str]:
    source, app_label, codename = _permissions_from(alias)
    with connections[alias].cursor() as cursor:
        cursor.execute(
            f"SELECT p.{_column(alias, Permission._meta, 'pk')}, {app_label}, {codename} {source}"
        )
        return {pk: f"{label}.{name}" for pk, label, name in cursor.fetchall()}


def permission_names(alias: str, ids: Any) -> set[str]:
    """The names of the permissions `ids` (as `permission_ids_sql` gives them)."""
    if isinstance(ids, str):
        ids = json.loads(ids)
    ids = set(ids or ())
    names = _names.get(alias)
    if names is None or not ids <= names.keys():
        names = _names[alias] = _read_names(alias)
    return {names[pk] for pk in ids if pk in names}  # (one deleted in between is left out)


def read_permission_names(alias: str) -> None:
    """Read the names now (the tests, once the test database is made: each request's
    statements are then the same in every test)."""
    _names[alias] = _read_names(alias)


def remember_permissions(user: Any, ids: Any, alias: str) -> None:
    """Keep on `user`, for the rest of the request, the permissions `permission_ids_sql` read
    for them, by name, as the permission backend keeps them."""
    user._perm_cache = permission_names(alias, ids) if user.is_active else set()


class ModelBackendOneQuery(ModelBackend):
    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            alias = router.db_for_read(Permission)
            with connections[alias].cursor() as cursor:
                cursor.execute(_user_permissions_sql(alias), [user_obj.pk])
                found = cursor.fetchone()
            remember_permissions(user_obj, found[0] if found else None, alias)
        return user_obj._perm_cache


@functools.cache
def _user_permissions_sql(alias: str) -> str:
    """The ids of a user's permissions, the user's id a parameter (written once a process)."""
    user_meta = get_user_model()._meta
    return (
        f"SELECT {permission_ids_sql(alias, 'u')} FROM {_quote(alias)(user_meta.db_table)} u "
        f"WHERE u.{_column(alias, user_meta, 'pk')} = %s"
    )

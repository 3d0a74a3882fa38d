"""The staff API's token authentication: DRF's, with the user's permissions read by the same
statement.

Each staff request checks its token (the token and its user, one statement) and then the
user's model permissions (a second). Here one written-out statement reads the token, its user
and the ids of the user's permissions (`core.auth_backends.permission_ids_sql`), and the
permissions are kept on the user by name, as the permission backend keeps them, for the
request. The answers are DRF's: the same user and token, the same refusals ("Invalid token.",
"User inactive or deleted."). The statement is written once a process: building DRF's lookup
through the ORM on each request cost about three times what the database takes to answer it.
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from core.auth_backends import permission_ids_sql, remember_permissions

PERMISSIONS = "token_user_permissions"  # the statement's column of permission ids
TOKEN = "token_"  # the prefix of the token's own columns


@functools.cache
def _token_sql(alias: str) -> str:
    """The token's user (every column, as `User.objects.raw` reads them), the token's own
    columns prefixed `token_`, and the ids of the user's permissions; one row or none."""
    quote = connections[alias].ops.quote_name

    def q(name: str | None) -> str:  # a column's name (every concrete field has one)
        assert name is not None
        return quote(name)

    user_meta, token_meta = get_user_model()._meta, Token._meta
    user_key = token_meta.get_field("user").column  # type: ignore[union-attr]
    columns = [f"u.{q(f.column)}" for f in user_meta.concrete_fields]
    columns += [f"t.{q(f.column)} AS {q(TOKEN + f.attname)}" for f in token_meta.concrete_fields]
    columns.append(f"{permission_ids_sql(alias, 'u')} AS {q(PERMISSIONS)}")
    return (
        f"SELECT {', '.join(columns)} FROM {q(token_meta.db_table)} t "
        f"INNER JOIN {q(user_meta.db_table)} u ON u.{q(user_meta.pk.column)} = t.{q(user_key)} "
        f"WHERE t.{q(token_meta.pk.column)} = %s"
    )


class StaffTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's `TokenAuthentication`, in one statement."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        alias = router.db_for_read(Token)
        users = get_user_model()._default_manager.db_manager(alias)
        found = list(users.raw(_token_sql(alias), [key]))
        if not found:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        user = found[0]
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        connection = connections[alias]
        values = []
        for field in Token._meta.concrete_fields:  # as the ORM reads them (an aware datetime)
            value, column = (
                getattr(user, TOKEN + field.attname),
                field.get_col(Token._meta.db_table),
            )
            for convert in connection.ops.get_db_converters(column) + column.get_db_converters(
                connection
            ):
                value = convert(value, column, connection)
            values.append(value)
        token = Token.from_db(alias, [f.attname for f in Token._meta.concrete_fields], values)
        token.user = user
        remember_permissions(user, getattr(user, PERMISSIONS), alias)
        return user, token

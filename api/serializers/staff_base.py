"""What the staff API's serializers share: the base serializer with its guards, and the read-only
fields they all write the same way (an amount, a value through a relation that may be empty, the
user who did something)."""

from typing import Any

from rest_framework import serializers


def money(help_text: str) -> serializers.DecimalField:
    """An amount worked out for the record: read-only, a string ("300.00")."""
    return serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, help_text=help_text
    )


def nullable[F: serializers.Field](field: type[F], source: str) -> F:
    """A read-only `field` read at `source` through a relation that may be empty: null then."""
    return field(source=source, read_only=True, allow_null=True, default=None)


def username(user: str) -> serializers.CharField:
    """The username of the user the record keeps in `user` (who recorded it, say); null when
    nobody is kept (the system)."""
    return nullable(serializers.CharField, f"{user}.get_username")


class StaffModelSerializer(serializers.ModelSerializer):
    """Explicit fields, plus two guards a plain ModelSerializer lacks:

    - `lifecycle_fields`: {field: message}. The field moves only through the resource's actions;
      sending a different value is a 400 naming them (rather than being silently ignored).
    - `fixed_fields`: {field: message}. Set when the record is created, never changed after.
    """

    lifecycle_fields: dict[str, str] = {}
    fixed_fields: dict[str, str] = {}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        raw = self.initial_data if isinstance(self.initial_data, dict) else {}
        for name, message in self.lifecycle_fields.items():
            if name in raw and (self.instance is None or raw[name] != getattr(self.instance, name)):
                errors[name] = [message]
        if self.instance is not None:
            for name, message in self.fixed_fields.items():
                if name in attrs and attrs[name] != getattr(self.instance, name):
                    errors[name] = [message]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs

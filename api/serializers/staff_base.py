from typing import Any

from rest_framework import serializers


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

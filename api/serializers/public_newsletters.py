"""The newsletter sign-up the website's form sends (docs/public-api.md)."""

from typing import Any

from rest_framework import serializers

from api.serializers.public import _has_word, _HoneypotMixin, _text
from outreach.models import NewsletterList
from outreach.selectors import HARTBEAT, newsletter_list_public


class NewsletterOut(serializers.ModelSerializer):
    consent_wording = serializers.CharField(
        help_text="Show this sentence next to the form's button: it is what the person agrees "
        "to, and it is recorded with their consent."
    )

    class Meta:
        model = NewsletterList
        fields = ["code", "name", "description", "consent_wording"]


class SubscribeIn(_HoneypotMixin):
    list = serializers.SlugField(
        max_length=50, required=False, default=HARTBEAT, help_text="The list's code."
    )
    email = serializers.EmailField(max_length=254)
    first_name = _text(100, validators=[_has_word])
    last_name = _text(100, validators=[_has_word])
    organization = _text(200)

    def validate_list(self, value: str) -> NewsletterList:
        newsletter = newsletter_list_public().filter(code=value).first()
        if newsletter is None:
            raise serializers.ValidationError("Choose one of the lists offered on the website.")
        return newsletter

    def service_kwargs(self) -> dict[str, Any]:
        data = self.validated_data
        return {
            "newsletter": data["list"],
            "email": data["email"],
            "first_name": data.get("first_name", ""),
            "last_name": data.get("last_name", ""),
            "organization_name": data.get("organization", ""),
        }


class SubscribeOut(serializers.Serializer):
    list = serializers.CharField(help_text="The list's code.")
    email = serializers.EmailField(help_text="The address as given.")
    status = serializers.ChoiceField(
        choices=["confirmation_sent"],
        help_text="Always confirmation_sent: the answer never says whether the address was "
        "already subscribed.",
    )
    message = serializers.CharField()

"""The public member directory's answers and parameters (docs/public-api.md, "Directory"):
what a listed member shows (no contact's email or phone), its categories and social links."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.public import _text
from crm.directory import logo_url, social_links
from crm.models import DirectoryCategory, Organization


class DirectoryCategoryOut(serializers.ModelSerializer):
    class Meta:
        model = DirectoryCategory
        fields = ["slug", "name"]


class SocialLinksOut(serializers.Serializer):
    linkedin = serializers.URLField(required=False)
    facebook = serializers.URLField(required=False)
    instagram = serializers.URLField(required=False)
    x = serializers.URLField(required=False)
    youtube = serializers.URLField(required=False)


class DirectoryEntryOut(serializers.ModelSerializer):
    member_since = serializers.DateField(allow_null=True)
    description = serializers.CharField(source="directory_text")
    logo_url = serializers.SerializerMethodField()
    categories = DirectoryCategoryOut(source="directory_categories", many=True)
    social_links = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = [
            "name",
            "website",
            "industry",
            "city",
            "member_since",
            "description",
            "logo_url",
            "categories",
            "social_links",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_logo_url(self, obj: Organization) -> str | None:
        return logo_url(obj, self.context.get("request"))

    @extend_schema_field(SocialLinksOut)
    def get_social_links(self, obj: Organization) -> dict[str, str]:
        return social_links(obj)


class DirectoryParams(serializers.Serializer):
    q = _text(100)
    category = serializers.SlugField(max_length=100, required=False, default="")

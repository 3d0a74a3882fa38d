"""The member directory listing's rules as plain functions: which logo files are accepted
(checked by their content, not their name), where a logo is stored, and which addresses the
social links may point to. The model's validators, the admin, the portal and the public
directory all use these."""

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.deconstruct import deconstructible

# What a logo may be, read from the file's own bytes by Pillow: the format it decodes as, and
# the content type the directory serves it with.
LOGO_FORMATS = {
    "PNG": ("png", "image/png"),
    "JPEG": ("jpg", "image/jpeg"),
    "WEBP": ("webp", "image/webp"),
}
LOGO_MIN_SIDE = 32  # pixels: smaller is no readable logo
LOGO_MAX_SIDE = 2000  # pixels: larger only costs the visitors' bandwidth

# The social networks a listing may link to, each with the host names its links live on.
SOCIAL_NETWORKS: dict[str, tuple[str, tuple[str, ...]]] = {
    "linkedin": ("LinkedIn", ("linkedin.com",)),
    "facebook": ("Facebook", ("facebook.com", "fb.com")),
    "instagram": ("Instagram", ("instagram.com",)),
    "x": ("X (Twitter)", ("x.com", "twitter.com")),
    "youtube": ("YouTube", ("youtube.com", "youtu.be")),
}


@dataclass(frozen=True)
class LogoInfo:
    format: str  # PNG, JPEG or WEBP
    extension: str
    content_type: str
    width: int
    height: int


def _max_bytes() -> int:
    return int(settings.DIRECTORY_LOGO_MAX_BYTES)


def inspect_logo(file: Any) -> LogoInfo:
    """What the uploaded `file` is, when it is an acceptable logo; ValidationError with a
    sentence otherwise. The format is the one Pillow finds in the bytes (a renamed file or a
    script with an image extension is refused), its size at most DIRECTORY_LOGO_MAX_BYTES and
    each side LOGO_MIN_SIDE to LOGO_MAX_SIDE pixels."""
    from PIL import Image, UnidentifiedImageError

    limit = _max_bytes()
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            f"The logo is {size // 1024:,} KB; the largest accepted is {limit // 1024:,} KB.",
            code="logo_too_big",
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            found = image.format or ""
            width, height = image.size
            if found in LOGO_FORMATS:
                image.verify()  # reads the whole file: a truncated or corrupt one fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            "The logo must be a PNG, JPEG or WebP image; this file is not one.", code="logo_type"
        ) from None
    finally:
        file.seek(position)
    if found not in LOGO_FORMATS:
        raise ValidationError(
            f"The logo must be a PNG, JPEG or WebP image; this file is {found or 'unknown'}.",
            code="logo_type",
        )
    if not (LOGO_MIN_SIDE <= width <= LOGO_MAX_SIDE and LOGO_MIN_SIDE <= height <= LOGO_MAX_SIDE):
        raise ValidationError(
            f"The logo is {width} × {height} pixels; each side must be {LOGO_MIN_SIDE} to "
            f"{LOGO_MAX_SIDE} pixels.",
            code="logo_dimensions",
        )
    extension, content_type = LOGO_FORMATS[found]
    return LogoInfo(found, extension, content_type, width, height)


def validate_logo(file: Any) -> None:
    """The logo field's validator (the admin's form and every save through the services)."""
    if file and not getattr(file, "_committed", True):  # a new upload, not the stored file
        inspect_logo(file)


def logo_upload_to(instance: Any, filename: str) -> str:
    """Where a logo is stored: under directory/logos/, named by the organization and a random
    part (so a new logo gets a new address and no cache shows the old one), with the
    extension of the format found in the file, never the one typed."""
    file = getattr(instance, "directory_logo", None) or getattr(instance, "logo", None)
    try:
        extension = inspect_logo(file).extension
    except (ValidationError, AttributeError, ValueError):  # saved without the field's file
        typed = filename.rsplit(".", 1)[-1].lower()
        extension = typed if typed in {e for e, _ in LOGO_FORMATS.values()} else "img"
    owner = getattr(instance, "organization_id", None) or getattr(instance, "pk", None) or "new"
    return f"directory/logos/{owner}-{secrets.token_hex(8)}.{extension}"


@deconstructible
class SocialURLValidator:
    """The link of one network: an http(s) address on that network's site."""

    def __init__(self, network: str) -> None:
        self.network = network

    def __call__(self, value: str) -> None:
        label, hosts = SOCIAL_NETWORKS[self.network]
        URLValidator(schemes=["http", "https"])(value)
        host = (urlsplit(value).hostname or "").lower()
        if not any(host == h or host.endswith("." + h) for h in hosts):
            raise ValidationError(
                f"Enter a {label} address (on {' or '.join(hosts)}), e.g. "
                f"https://www.{hosts[0]}/your-page.",
                code="social_host",
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SocialURLValidator) and other.network == self.network

    def __hash__(self) -> int:
        return hash(self.network)


def social_links(organization: Any) -> dict[str, str]:
    """The organization's social links that are set, by network code."""
    return {
        network: value
        for network in SOCIAL_NETWORKS
        if (value := getattr(organization, f"{network}_url", ""))
    }


def logo_path(organization: Any) -> str | None:
    """The address of the organization's logo on this site (crm.views.directory_logo), named
    after the stored file so that a new logo has a new address; None without one."""
    from django.urls import reverse

    logo = organization.directory_logo  # the stored file, or its name (a plain-values row)
    if not logo:
        return None
    name = (getattr(logo, "name", logo) or "").rsplit("/", 1)[-1]
    return reverse("crm:directory-logo", args=[organization.pk, name])


def logo_url(organization: Any, request: Any = None) -> str | None:
    """The logo's address (logo_path), whole when the `request` it is for is known (what the
    APIs answer with); None without a logo."""
    path = logo_path(organization)
    if path is None or request is None:
        return path
    return str(request.build_absolute_uri(path))

"""The directory listing in the portal: logo (checked by its content, its size and its sides),
categories, website and social links, each change in the history as made by the contact; with
DIRECTORY_CHANGES_NEED_REVIEW, held for staff to approve or reject; and what the public
directory (the API and the logo's address) shows of it."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from PIL import Image

from crm.models import DirectoryCategory, Organization
from portal.directory import directory_change_approve, directory_change_reject
from portal.models import DirectoryChange, PortalAccount
from tests.portal.conftest import signed_in

pytestmark = pytest.mark.django_db


def image(
    fmt: str = "PNG", size: tuple[int, int] = (120, 80), name: str = ""
) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 20)).save(buffer, format=fmt)
    extension = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "GIF": "gif", "BMP": "bmp"}[fmt]
    return SimpleUploadedFile(name or f"logo.{extension}", buffer.getvalue())


def form(organization: Organization, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "directory_listed": "on",
        "directory_text": "Bread and pastries since 1921.",
        "website": "https://frontstreet.example.com",
        "linkedin_url": "https://www.linkedin.com/company/front-street-bakery",
        "instagram_url": "https://instagram.com/frontstreetbakery",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def categories(db) -> tuple[DirectoryCategory, DirectoryCategory]:
    return (
        DirectoryCategory.objects.create(name="Restaurants and food", slug="food"),
        DirectoryCategory.objects.create(name="Retail", slug="retail"),
    )


def _entry(name: str) -> dict | None:
    results = Client().get("/api/v1/public/directory/").json()["results"]
    return next((r for r in results if r["name"] == name), None)


def test_it_saves_logo_categories_and_social_links_and_shows_them_publicly(
    portal_world, categories
):
    organization = portal_world.organization
    client = signed_in(portal_world.primary.contact)
    response = client.post(
        f"/members/{organization.pk}/directory/",
        form(organization, categories=[categories[0].pk], logo=image("WEBP")),
    )
    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.directory_logo.name.endswith(".webp")
    latest = organization.history.latest()
    assert (
        latest.history_user == PortalAccount.objects.get(contact=portal_world.primary.contact).user
    )
    assert latest.history_change_reason.startswith("Member portal, Dana Rivera: Directory listing")
    assert "new logo" in latest.history_change_reason
    # The history row keeps the categories it was saved with (one row for the whole change).
    assert [c.directorycategory_id for c in latest.directory_categories.all()] == [categories[0].pk]

    entry = _entry("Front Street Bakery")
    assert entry is not None
    assert entry["description"] == "Bread and pastries since 1921."  # the old fields stay
    assert entry["website"] == "https://frontstreet.example.com"
    assert entry["categories"] == [{"slug": "food", "name": "Restaurants and food"}]
    assert entry["social_links"] == {
        "linkedin": "https://www.linkedin.com/company/front-street-bakery",
        "instagram": "https://instagram.com/frontstreetbakery",
    }
    assert entry["logo_url"].startswith("http://testserver/directory/")
    logo = Client().get(entry["logo_url"])
    assert logo.status_code == 200
    assert logo["Content-Type"] == "image/webp"
    assert logo["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(b"".join(logo.streaming_content))).format == "WEBP"

    by_category = Client().get("/api/v1/public/directory/?category=retail").json()
    assert by_category["count"] == 0
    assert Client().get("/api/v1/public/directory/?category=food").json()["count"] == 1
    assert Client().get("/api/v1/public/directory/categories/").json() == [
        {"slug": "food", "name": "Restaurants and food"},
        {"slug": "retail", "name": "Retail"},
    ]


@pytest.mark.parametrize(
    "upload, message",
    [
        (SimpleUploadedFile("logo.png", b"<?php echo 'not an image'; ?>"), "not one"),
        (image("GIF", name="logo.png"), "this file is GIF"),  # renamed: the bytes decide
        (image("BMP"), "this file is BMP"),
        (image("PNG", size=(20, 20)), "20 × 20 pixels"),
        (image("PNG", size=(2400, 100)), "2400 × 100 pixels"),
    ],
)
def test_it_refuses_a_logo_that_is_not_a_png_jpeg_or_webp_of_the_right_size(
    portal_world, upload, message
):
    organization = portal_world.organization
    response = signed_in(portal_world.primary.contact).post(
        f"/members/{organization.pk}/directory/", form(organization, logo=upload)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    organization.refresh_from_db()
    assert not organization.directory_logo
    assert not organization.directory_listed  # nothing of the form was saved


@override_settings(DIRECTORY_LOGO_MAX_BYTES=2048)
def test_it_refuses_a_logo_over_the_size_setting(portal_world):
    organization = portal_world.organization
    big = io.BytesIO()
    Image.effect_noise((200, 200), 90).convert("RGB").save(big, format="PNG")
    assert len(big.getvalue()) > 2048
    response = signed_in(portal_world.primary.contact).post(
        f"/members/{organization.pk}/directory/",
        form(organization, logo=SimpleUploadedFile("logo.png", big.getvalue())),
    )
    assert response.status_code == 400
    assert "the largest accepted is 2 KB" in response.content.decode()


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("website", "not a web address", "Enter a valid URL."),
        ("linkedin_url", "https://evil.example.com/linkedin.com", "Enter a LinkedIn address"),
        ("facebook_url", "javascript:alert(1)", "Enter a valid URL."),
        ("x_url", "ftp://x.com/bakery", "Enter a valid URL."),
    ],
)
def test_it_refuses_bad_links_naming_the_field(portal_world, field, value, message):
    organization = portal_world.organization
    response = signed_in(portal_world.primary.contact).post(
        f"/members/{organization.pk}/directory/", form(organization, **{field: value})
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="{field}-error"' in page
    assert message in page
    organization.refresh_from_db()
    assert not organization.directory_listed


def test_it_removes_the_logo(portal_world):
    organization = portal_world.organization
    client = signed_in(portal_world.primary.contact)
    client.post(f"/members/{organization.pk}/directory/", form(organization, logo=image()))
    organization.refresh_from_db()
    assert organization.directory_logo
    client.post(f"/members/{organization.pk}/directory/", form(organization, remove_logo="on"))
    organization.refresh_from_db()
    assert not organization.directory_logo
    assert _entry("Front Street Bakery")["logo_url"] is None


def test_it_serves_no_logo_of_an_organization_not_in_the_directory(portal_world):
    organization = portal_world.organization
    client = signed_in(portal_world.primary.contact)
    client.post(f"/members/{organization.pk}/directory/", form(organization, logo=image()))
    url = _entry("Front Street Bakery")["logo_url"]
    client.post(f"/members/{organization.pk}/directory/", form(organization, directory_listed=None))
    assert Client().get(url).status_code == 404
    assert Client().get(url.replace(".png", ".jpg")).status_code == 404


@override_settings(DIRECTORY_CHANGES_NEED_REVIEW=True)
def test_with_review_a_change_waits_for_staff_and_is_applied_as_the_contacts(
    portal_world, categories, superuser
):
    organization = portal_world.organization
    client = signed_in(portal_world.primary.contact)
    response = client.post(
        f"/members/{organization.pk}/directory/",
        form(organization, categories=[categories[1].pk], logo=image("JPEG")),
        follow=True,
    )
    assert "review it before it appears" in response.content.decode()
    assert "waiting for review" in response.content.decode()
    organization.refresh_from_db()
    assert not organization.directory_listed and not organization.directory_logo
    assert _entry("Front Street Bakery") is None
    change = DirectoryChange.objects.get(organization=organization)
    assert change.status == "pending"

    # A second save replaces the first, which is kept as superseded.
    client.post(
        f"/members/{organization.pk}/directory/",
        form(organization, categories=[categories[0].pk], logo=image("PNG")),
    )
    change.refresh_from_db()
    assert change.status == "superseded"
    newer = DirectoryChange.objects.get(organization=organization, status="pending")

    directory_change_approve(change=newer, by=superuser)
    organization.refresh_from_db()
    assert organization.directory_listed
    assert organization.directory_logo.name.endswith(".png")
    latest = organization.history.latest()
    assert latest.history_user.portal_account.contact == portal_world.primary.contact
    assert latest.history_change_reason.startswith("Member portal, Dana Rivera: Directory")
    assert f"approved by {superuser.username}" in latest.history_change_reason
    entry = _entry("Front Street Bakery")
    assert entry["categories"] == [{"slug": "food", "name": "Restaurants and food"}]
    assert Client().get(entry["logo_url"]).status_code == 200
    newer.refresh_from_db()
    assert (newer.status, newer.decided_by) == ("approved", superuser)


@override_settings(DIRECTORY_CHANGES_NEED_REVIEW=True)
def test_with_review_a_rejected_change_leaves_the_listing_alone(portal_world, superuser):
    organization = portal_world.organization
    signed_in(portal_world.primary.contact).post(
        f"/members/{organization.pk}/directory/", form(organization)
    )
    change = DirectoryChange.objects.get(organization=organization)
    directory_change_reject(change=change, by=superuser, reason="Not a bakery description.")
    change.refresh_from_db()
    assert change.status == "rejected"
    assert "Not a bakery description." in change.decision_reason
    organization.refresh_from_db()
    assert not organization.directory_listed
    with pytest.raises(Exception, match="no longer waiting"):
        directory_change_approve(change=change, by=superuser)


@override_settings(DIRECTORY_CHANGES_NEED_REVIEW=True)
def test_staff_approve_and_reject_in_the_admin(portal_world, client_for):
    organization = portal_world.organization
    signed_in(portal_world.primary.contact).post(
        f"/members/{organization.pk}/directory/", form(organization, logo=image())
    )
    change = DirectoryChange.objects.get(organization=organization)
    read_only = client_for("Read-only")
    page = read_only.get(f"/admin/portal/directorychange/{change.pk}/change/")
    assert page.status_code == 200
    assert "Bread and pastries since 1921." in page.content.decode()
    assert read_only.get(f"/admin/portal/directorychange/{change.pk}/logo/").status_code == 200
    read_only.post(
        "/admin/portal/directorychange/",
        {"action": "approve", "_selected_action": [change.pk]},
    )
    change.refresh_from_db()
    assert change.status == "pending"  # read-only staff may not decide

    membership = client_for("Membership")
    response = membership.post(
        "/admin/portal/directorychange/",
        {"action": "approve", "_selected_action": [change.pk]},
    )
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == "approved"
    organization.refresh_from_db()
    assert organization.directory_listed and organization.directory_logo

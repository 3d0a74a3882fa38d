"""Newsletter lists, subscribers and their consent in the admin (Membership manages lists;
Read-only sees them). Nobody edits a subscription or a consent record by hand: subscribing goes
through the double opt-in, unsubscribing through the service, both recorded as consent."""

import csv
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.safestring import SafeString

from outreach.models import ConsentRecord, NewsletterList, Subscriber, Subscription
from outreach.selectors import newsletter_counts_by_month, subscription_export_rows
from outreach.services import (
    ConsentSource,
    newsletter_list_save,
    subscription_request,
    subscription_unsubscribe,
)

Status = Subscription.Status


def csv_safe(value: Any) -> str:
    """Text people typed on the website must not run as a formula in a spreadsheet."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin.register(NewsletterList)
class NewsletterListAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "is_public", "pending", "confirmed", "unsubscribed"]
    search_fields = ["name", "code"]
    readonly_fields = ["counts_by_month", "created", "modified"]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                n_pending=Count("subscriptions", filter=Q(subscriptions__status=Status.PENDING)),
                n_confirmed=Count(
                    "subscriptions", filter=Q(subscriptions__status=Status.CONFIRMED)
                ),
                n_unsubscribed=Count(
                    "subscriptions", filter=Q(subscriptions__status=Status.UNSUBSCRIBED)
                ),
            )
        )

    @admin.display(description="waiting for confirmation", ordering="n_pending")
    def pending(self, obj: Any) -> int:
        return obj.n_pending

    @admin.display(description="confirmed", ordering="n_confirmed")
    def confirmed(self, obj: Any) -> int:
        return obj.n_confirmed

    @admin.display(description="unsubscribed", ordering="n_unsubscribed")
    def unsubscribed(self, obj: Any) -> int:
        return obj.n_unsubscribed

    @admin.display(description="by month")
    def counts_by_month(self, obj: NewsletterList) -> SafeString:
        if obj.pk is None:
            return SafeString("")
        return SafeString(
            render_to_string(
                "admin/outreach/counts_by_month.html", {"rows": newsletter_counts_by_month(obj)}
            )
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        newsletter_list_save(newsletter=obj, by=request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # its consent records refer to it: hide it from the website instead


class SubscriptionAddForm(forms.ModelForm):
    """Staff add a person who asked (at an event, on paper): the same double opt-in follows."""

    email = forms.EmailField(max_length=254)
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)

    class Meta:
        model = Subscription
        fields = ["newsletter"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "name",
        "newsletter",
        "status",
        "requested_at",
        "confirmed_at",
        "unsubscribed_at",
        "contact",
    ]
    list_filter = ["newsletter", "status"]
    search_fields = ["subscriber__email", "subscriber__first_name", "subscriber__last_name"]
    list_select_related = ["subscriber__contact", "newsletter"]
    date_hierarchy = "requested_at"
    actions = ["unsubscribe_selected"]
    readonly_fields = [
        "subscriber",
        "newsletter",
        "status",
        "requested_at",
        "confirmed_at",
        "unsubscribed_at",
        "confirmation_sent_at",
    ]
    change_list_template = "admin/outreach/subscription/change_list.html"

    @admin.display(description="email", ordering="subscriber__email")
    def email(self, obj: Subscription) -> str:
        return obj.subscriber.email

    @admin.display(description="name", ordering="subscriber__last_name")
    def name(self, obj: Subscription) -> str:
        return obj.subscriber.full_name

    @admin.display(description="contact")
    def contact(self, obj: Subscription) -> Any:
        return obj.subscriber.linked_contact or "-"

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = SubscriptionAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["newsletter", "email", "first_name", "last_name"]
        return self.readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change page is read-only; "change" is what unsubscribing takes.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # consent records must outlive a mistake; unsubscribe instead

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        created = subscription_request(
            newsletter=data["newsletter"],
            email=data["email"],
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            consent=ConsentSource(source=ConsentRecord.Source.ADMIN, by=request.user),
        )
        # The admin's "added" message and redirect need the row the service made or found.
        for field in Subscription._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False

    def has_unsubscribe_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("outreach.change_subscription")

    @admin.action(description="Unsubscribe the selected subscriptions", permissions=["unsubscribe"])
    def unsubscribe_selected(self, request: HttpRequest, queryset: QuerySet) -> None:
        consent = ConsentSource(source=ConsentRecord.Source.ADMIN, by=request.user)
        count = 0
        for subscription in queryset:
            subscription_unsubscribe(subscription=subscription, consent=consent)
            count += 1
        self.message_user(request, f"{count} subscriptions unsubscribed.", messages.SUCCESS)

    def get_urls(self) -> list:
        export = self.admin_site.admin_view(self.export_view)
        return [path("export/", export, name="outreach_subscription_export"), *super().get_urls()]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The subscriptions the list shows (its filters and search), as CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        rows = subscription_export_rows(changelist.get_queryset(request))
        stamp = timezone.localdate().isoformat()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{stamp}.csv"'
        writer = csv.writer(response)
        writer.writerow(
            [
                "list",
                "email",
                "first_name",
                "last_name",
                "organization",
                "status",
                "requested_at",
                "confirmed_at",
                "unsubscribed_at",
                "contact_id",
            ]
        )
        for subscription in rows.iterator(chunk_size=2000):
            subscriber = subscription.subscriber
            writer.writerow(
                [
                    subscription.newsletter.code,
                    csv_safe(subscriber.email),
                    csv_safe(subscriber.first_name),
                    csv_safe(subscriber.last_name),
                    csv_safe(subscriber.organization_name),
                    subscription.status,
                    _when(subscription.requested_at),
                    _when(subscription.confirmed_at),
                    _when(subscription.unsubscribed_at),
                    subscriber.linked_contact.pk if subscriber.linked_contact else "",
                ]
            )
        return response


def _when(value: Any) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ["newsletter", "status", "requested_at", "confirmed_at", "unsubscribed_at"]
    readonly_fields = ["newsletter", "status", "requested_at", "confirmed_at", "unsubscribed_at"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "organization_name", "crm_contact", "created"]
    search_fields = ["email", "first_name", "last_name", "organization_name"]
    list_select_related = ["contact"]
    readonly_fields = ["email", "crm_contact", "consents", "created", "modified"]
    fields = [
        "email",
        "first_name",
        "last_name",
        "organization_name",
        "crm_contact",
        "consents",
    ]
    inlines = [SubscriptionInline]

    @admin.display(description="name")
    def full_name(self, obj: Subscriber) -> str:
        return obj.full_name

    @admin.display(description="CRM contact")
    def crm_contact(self, obj: Subscriber) -> Any:
        return obj.linked_contact or "-"

    @admin.display(description="consent records")
    def consents(self, obj: Subscriber) -> SafeString:
        records = ConsentRecord.objects.filter(subscription__subscriber=obj).select_related(
            "newsletter", "by"
        )
        return SafeString(render_to_string("admin/outreach/consents.html", {"records": records}))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people are added by subscribing them (Subscriptions, Add)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _show_on_contact_pages() -> None:
    # A contact's page lists the newsletters the person is on; crm's admin needs no knowledge
    # of newsletters (its template extends the contact admin's own, import-export's).
    from crm.models import Contact

    contact_admin = admin.site._registry.get(Contact)
    if contact_admin is not None:
        type(contact_admin).change_form_template = "admin/outreach/contact_change_form.html"


_show_on_contact_pages()

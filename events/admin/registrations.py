"""Registrations with their actions (check in, cancel, refund). Every change goes through
events.services."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from billing.admin.common import MoneyDisplayMixin
from core.admin.actions import run_service_action
from core.admin.history import HistoryAdmin
from crm.admin.data_tools import CsvXlsxExportMixin
from events import selectors as event_selectors
from events import services as event_services
from events.admin.attendees_csv import attendee_csv
from events.models import Attendee, Registration
from events.selectors import registration_invoice
from events.services.comp_seats import comp_seats_sentence


class AttendeeInline(MoneyDisplayMixin, admin.TabularInline):
    model = Attendee
    extra = 0
    can_delete = False
    fields = readonly_fields = ("first_name", "last_name", "email")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RegistrationCancelForm(forms.Form):
    REFUND_CHOICES = [
        ("full", "Refund everything paid"),
        ("part", "Refund this amount"),
        ("none", "No refund"),
    ]
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    refund = forms.ChoiceField(choices=REFUND_CHOICES, initial="full", widget=forms.RadioSelect)
    amount = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), max_digits=12, decimal_places=2
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("refund") == "part" and not data.get("amount"):
            self.add_error("amount", "Enter the amount to refund.")
        return data


@admin.register(Registration)
class RegistrationAdmin(MoneyDisplayMixin, CsvXlsxExportMixin, HistoryAdmin):
    list_display = [
        "reference",
        "contact",
        "organization_display",
        "event",
        "ticket_type",
        "quantity",
        "status",
        "total",
        "hold_expires_at",
        "created",
    ]
    list_filter = ["status", "event", "payment", "member_pricing"]
    search_fields = [
        "reference",
        "contact__first_name",
        "contact__last_name",
        "contact__email",
        "organization__name",
        "organization_name",
        "attendees__last_name",
    ]
    list_select_related = ["contact", "organization", "event", "ticket_type"]
    show_full_result_count = False
    inlines = [AttendeeInline]
    actions = ["check_in", "undo_check_in", "cancel_registrations", "export_attendees"]
    readonly_fields = [
        "reference",
        "event",
        "ticket_type",
        "contact",
        "organization",
        "organization_name",
        "quantity",
        "status",
        "waitlist_position",
        "payment",
        "member_pricing",
        "price_each",
        "total",
        "complimentary_seats",
        "invoice",
        "hold_expires_at",
        "hold_lapsed_at",
        "checked_in_at",
        "checked_in_by",
        "status_changed_at",
        "status_reason",
        "created",
        "modified",
    ]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people register on the events page (or staff register them there)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # cancel instead: the seats, the waitlist and the money follow

    @admin.display(description="organization")
    def organization_display(self, obj: Registration) -> str:
        return obj.organization.name if obj.organization else obj.organization_name

    @admin.display(description="complimentary seats")
    def complimentary_seats(self, obj: Registration) -> str:
        return comp_seats_sentence(obj, name_organization=True) or "—"

    @admin.display(description="place on the waitlist")
    def waitlist_position(self, obj: Registration) -> Any:
        return event_selectors.registration_waitlist_position(obj) or "—"

    @admin.display(description="invoice")
    def invoice(self, obj: Registration) -> str:
        invoice = registration_invoice(obj)
        if invoice is None:
            return "—"
        url = reverse("admin:billing_invoice_change", args=[invoice.pk])
        return format_html('<a href="{}">{}</a>', url, invoice)

    @admin.action(description="Check in selected registrations", permissions=["change"])
    def check_in(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset.select_related("contact"),
            call=lambda r: event_services.registration_check_in(registration=r, by=request.user),
            done="checked in",
        )

    @admin.action(description="Undo check-in of selected registrations", permissions=["change"])
    def undo_check_in(self, request: HttpRequest, queryset: QuerySet) -> None:
        run_service_action(
            self,
            request,
            queryset.select_related("contact"),
            call=lambda r: event_services.registration_undo_check_in(
                registration=r, by=request.user
            ),
            done="no longer checked in",
        )

    @admin.action(description="Cancel selected registrations and refund…", permissions=["change"])
    def cancel_registrations(self, request: HttpRequest, queryset: QuerySet) -> Any:
        form = RegistrationCancelForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            data = form.cleaned_data
            run_service_action(
                self,
                request,
                queryset.select_related("contact", "event"),
                call=lambda r: event_services.registration_cancel(
                    registration=r,
                    reason=data["reason"],
                    by=request.user,
                    refund=data["refund"] != "none",
                    refund_amount=data["amount"] if data["refund"] == "part" else None,
                ),
                done="cancelled",
            )
            return None
        return TemplateResponse(
            request,
            "admin/action_reason.html",
            {
                **self.admin_site.each_context(request),
                "title": "Cancel registrations",
                "prompt": "Seats go to the waitlist; registrants are emailed the reason. A "
                "partial refund amount applies to each selected registration.",
                "submit_label": "Cancel registrations",
                "queryset": queryset,
                "form": form,
                "action": "cancel_registrations",
                "opts": self.model._meta,
            },
        )

    @admin.action(description="Download attendees of selected registrations (CSV)")
    def export_attendees(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        return attendee_csv(
            queryset.select_related("event", "ticket_type", "contact", "organization"),
            "attendees.csv",
        )

from typing import Any, cast

from django import forms

from billing.money import format_usd
from crm.directory import SOCIAL_NETWORKS, SocialURLValidator, inspect_logo
from crm.models import Contact, DirectoryCategory, Organization
from crm.services import DirectoryListing
from events.models import Event, TicketType


class SignInForm(forms.Form):
    email = forms.CharField(label="Email", max_length=254)


class DetailsForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    phone = forms.CharField(label="Phone", max_length=40, required=False)
    title = forms.CharField(label="Title", max_length=150, required=False)


class InviteForm(forms.Form):
    first_name = forms.CharField(label="First name", max_length=100)
    last_name = forms.CharField(label="Last name", max_length=100)
    email = forms.EmailField(label="Email", max_length=254)
    title = forms.CharField(label="Title", max_length=150, required=False)
    is_billing = forms.BooleanField(label="Billing contact", required=False)
    is_event_contact = forms.BooleanField(label="Event contact", required=False)


class DirectoryForm(forms.Form):
    directory_listed = forms.BooleanField(label="List us in the member directory", required=False)
    directory_text = forms.CharField(
        label="Description", max_length=2000, required=False, widget=forms.Textarea
    )
    website = forms.URLField(label="Website", max_length=300, required=False, assume_scheme="https")
    categories = forms.ModelMultipleChoiceField(
        label="Categories",
        queryset=DirectoryCategory.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    logo = forms.FileField(label="Logo", required=False)
    remove_logo = forms.BooleanField(label="Remove the logo", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for network, (label, _hosts) in SOCIAL_NETWORKS.items():
            self.fields[f"{network}_url"] = forms.URLField(
                label=label,
                max_length=300,
                required=False,
                assume_scheme="https",
                validators=[SocialURLValidator(network)],
            )

    def clean_logo(self) -> Any:
        logo = self.cleaned_data.get("logo")
        if logo:
            inspect_logo(logo)  # ValidationError with the sentence, under the field
        return logo

    @property
    def social_fields(self) -> list[forms.BoundField]:
        return [self[f"{network}_url"] for network in SOCIAL_NETWORKS]

    def listing(self) -> DirectoryListing:
        data = self.cleaned_data
        return DirectoryListing(
            listed=data["directory_listed"],
            text=data["directory_text"],
            website=data["website"],
            social={network: data[f"{network}_url"] for network in SOCIAL_NETWORKS},
            categories=tuple(data["categories"]),
            logo=data.get("logo") or None,
            remove_logo=data["remove_logo"],
        )

    @classmethod
    def initial_for(cls, organization: Organization) -> dict[str, Any]:
        return {
            "directory_listed": organization.directory_listed,
            "directory_text": organization.directory_text,
            "website": organization.website,
            "categories": list(organization.directory_categories.all()),
            **{f"{n}_url": getattr(organization, f"{n}_url") for n in SOCIAL_NETWORKS},
        }


class EventRegisterForm(forms.Form):
    """A ticket type of the event, and who to register for it (one seat each): the contact
    themselves, or (`people`) the colleagues they may register."""

    ticket_type = forms.ChoiceField(label="Ticket", widget=forms.RadioSelect)
    contacts = forms.MultipleChoiceField(label="Who", widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, event: Event, people: list[Contact], me: Contact, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.tickets = {str(t.pk): t for t in event.ticket_types.all()}
        self.people = {str(c.pk): c for c in people}
        tickets = cast(forms.ChoiceField, self.fields["ticket_type"])
        contacts = cast(forms.ChoiceField, self.fields["contacts"])
        tickets.choices = [(pk, _ticket_label(t)) for pk, t in self.tickets.items()]
        contacts.choices = [
            (pk, f"{c.full_name} (you)" if c.pk == me.pk else c.full_name)
            for pk, c in self.people.items()
        ]
        self.fields["contacts"].error_messages["required"] = (
            "Choose at least one person to register."
        )
        self.fields["contacts"].error_messages["invalid_choice"] = (
            "Choose among the people listed: those confirmed at the organization."
        )
        self.fields["ticket_type"].error_messages["required"] = "Choose a ticket."
        self.fields["ticket_type"].error_messages["invalid_choice"] = "Choose a ticket listed."

    def clean_ticket_type(self) -> TicketType:
        return self.tickets[self.cleaned_data["ticket_type"]]

    def clean_contacts(self) -> list[Contact]:
        return [self.people[pk] for pk in self.cleaned_data["contacts"]]


def _ticket_label(ticket: TicketType) -> str:
    label = f"{ticket.name}: {format_usd(ticket.member_price)} member price"
    if ticket.members_only:
        label += ", members only"
    left = getattr(ticket, "seats_available", None)
    if left is not None:
        if left > 0:
            label += f" ({left} left)"
        else:
            label += " (sold out: waitlist)" if ticket.event.waitlist_enabled else " (sold out)"
    return label

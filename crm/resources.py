"""What the admin's Export writes for organizations and contacts (other lists export their
model's fields as they are)."""

from import_export import fields, resources

from crm.models import Contact, Organization


class OrganizationResource(resources.ModelResource):
    # Annotated by selectors.organization_list(), which the organization list reads.
    membership_status = fields.Field(
        attribute="membership_status", column_name="membership status", readonly=True
    )
    membership_plan = fields.Field(
        attribute="membership_plan", column_name="membership plan", readonly=True
    )
    membership_paid_through = fields.Field(
        attribute="membership_paid_through", column_name="paid through", readonly=True
    )

    class Meta:
        model = Organization
        exclude = ("normalized_name", "stripe_customer_id")


class ContactResource(resources.ModelResource):
    organizations = fields.Field(column_name="organizations", readonly=True)

    class Meta:
        model = Contact
        exclude = ("organizations",)

    def dehydrate_organizations(self, contact: Contact) -> str:
        # The contact list prefetches affiliations with their organizations.
        return "; ".join(a.organization.name for a in contact.affiliations.all())

"""Staff API for the CRM: organizations, contacts, affiliations, notes, membership plans,
investor levels, memberships and pledges. See api/views/staff_base.py for the pattern."""

from functools import partial
from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters.crm import (
    AffiliationFilter,
    ContactFilter,
    InvestorLevelFilter,
    MembershipFilter,
    MembershipPlanFilter,
    NoteFilter,
    OrganizationFilter,
    PledgeFilter,
    PledgeRenewalProposalFilter,
)
from api.idempotency import idempotent
from api.plain_rows import PlainListMixin, PlainRows
from api.serializers.crm import (
    AffiliationSerializer,
    ChangePlanSerializer,
    ContactSerializer,
    InvestorLevelSerializer,
    MembershipDetailSerializer,
    MembershipPlanSerializer,
    MembershipSerializer,
    NoteSerializer,
    OrganizationSerializer,
    PlanChangeSerializer,
    PledgeRenewalProposalSerializer,
    PledgeSerializer,
    ReinstateSerializer,
)
from api.serializers.pipeline import AccountOwnerSerializer
from api.views.staff_base import (
    ServiceCreateMixin,
    ServiceDestroyMixin,
    ServiceUpdateMixin,
    StaffViewSet,
    service_action,
    transition_action,
)
from core.services import atomic
from crm import selectors, services
from crm.models import (
    Affiliation,
    Contact,
    InvestorLevel,
    Membership,
    MembershipPlan,
    MembershipPlanChange,
    MembershipTransition,
    Note,
    Organization,
    Pledge,
    PledgeRenewalProposal,
)
from crm.services import applications
from crm.services.pipeline import organization_set_account_owner
from crm.services.renewals import (
    membership_change_plan,
    membership_reinstate_and_bill,
    pledge_renewal_accept,
    pledge_renewal_decline,
)


class ReadCreateUpdateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    ServiceCreateMixin,
    ServiceUpdateMixin,
    StaffViewSet,
):
    pass


def _assign(instance: Any, data: dict[str, Any]) -> Any:
    for name, value in data.items():
        setattr(instance, name, value)
    return instance


class OrganizationViewSet(PlainListMixin, ReadCreateUpdateViewSet):
    """Businesses, each with its current membership and primary contact."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationSerializer
    # Its summaries are organization_list()'s annotations; the logo's address needs its file.
    plain_rows = PlainRows(("directory_logo",))
    filterset_class = OrganizationFilter
    search_fields = ["name", "website", "email_domain", "city", "postal_code"]
    ordering_fields = ["name", "created", "modified", "membership_paid_through", "employees"]
    ordering = ["name", "pk"]

    def get_queryset(self) -> QuerySet[Organization]:
        return selectors.organization_list().prefetch_related("directory_categories")

    def create_object(self, data: dict[str, Any]) -> Organization:
        categories = data.pop("directory_categories", None)
        with atomic():
            organization = services.organization_save(
                organization=Organization(**data), by=self.request.user
            )
            if categories:
                self._list(organization, {"directory_categories": categories})
        return organization

    def update_object(self, instance: Organization, data: dict[str, Any]) -> Organization:
        """The listing's fields (website, directory_*, the social links) go through the
        directory listing's service, as the portal's do; the others through organization_save.
        One transaction: a refusal of either changes nothing."""
        listing = {name: data.pop(name) for name in services.LISTING_FIELDS if name in data}
        with atomic():
            if data or not listing:  # (an empty PATCH saves, as it always has)
                instance = services.organization_save(
                    organization=_assign(instance, data), by=self.request.user
                )
            if listing:
                self._list(instance, listing)
        return instance

    def _list(self, organization: Organization, changes: dict[str, Any]) -> None:
        listing = services.DirectoryListing.of(organization, **changes)
        if listing.changes(organization):  # a PUT that repeats the listing writes nothing
            services.organization_directory_update(
                organization=organization, listing=listing, by=self.request.user
            )

    @service_action(
        permission="crm.change_organization",
        description="Give the organization an account owner (a staff member's user id), or "
        "none (null).",
        response=OrganizationSerializer,
        body=AccountOwnerSerializer,
        url_path="account-owner",
    )
    def account_owner(self, organization: Organization, data: dict[str, Any], user: Any) -> None:
        organization_set_account_owner(
            organization=organization, owner=data["account_owner"], by=user
        )


class ContactViewSet(PlainListMixin, ReadCreateUpdateViewSet):
    queryset = Contact.objects.all()
    serializer_class = ContactSerializer
    plain_rows = PlainRows(
        nested=(("affiliations", PlainRows(("is_primary", "is_billing", "is_event_contact"))),)
    )
    filterset_class = ContactFilter
    search_fields = ["first_name", "last_name", "email", "phone"]
    ordering_fields = ["last_name", "first_name", "email", "created", "modified"]
    ordering = ["last_name", "first_name", "pk"]

    def get_queryset(self) -> QuerySet[Contact]:
        return Contact.objects.prefetch_related(
            Prefetch("affiliations", queryset=Affiliation.objects.select_related("organization"))
        )

    def create_object(self, data: dict[str, Any]) -> Contact:
        return services.contact_save(contact=Contact(**data), by=self.request.user)

    def update_object(self, instance: Contact, data: dict[str, Any]) -> Contact:
        return services.contact_save(contact=_assign(instance, data), by=self.request.user)


class AffiliationViewSet(ServiceDestroyMixin, ReadCreateUpdateViewSet):
    """A contact's place at an organization. Naming a new primary moves the role over."""

    queryset = Affiliation.objects.all()
    serializer_class = AffiliationSerializer
    filterset_class = AffiliationFilter
    search_fields = ["contact__first_name", "contact__last_name", "contact__email", "title"]
    ordering_fields = ["created", "modified"]
    ordering = ["organization_id", "-is_primary", "pk"]

    def get_queryset(self) -> QuerySet[Affiliation]:
        return Affiliation.objects.select_related("contact", "organization")

    def create_object(self, data: dict[str, Any]) -> Affiliation:
        return services.affiliation_save(affiliation=Affiliation(**data), by=self.request.user)

    def update_object(self, instance: Affiliation, data: dict[str, Any]) -> Affiliation:
        return services.affiliation_save(affiliation=_assign(instance, data), by=self.request.user)

    def delete_object(self, instance: Affiliation) -> None:
        services.affiliation_delete(affiliation=instance, by=self.request.user)

    @extend_schema(request=None, responses=AffiliationSerializer)
    @action(detail=True, methods=["post"], required_perms=["crm.change_affiliation"])
    @idempotent
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Confirm a link a public form proposed (`status` pending): it then counts."""
        affiliation = services.affiliation_confirm(affiliation=self.get_object(), by=request.user)
        return Response(self.get_serializer(affiliation).data)

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"], required_perms=["crm.change_affiliation"])
    @idempotent
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject a pending link: it is removed (204)."""
        services.affiliation_reject(affiliation=self.get_object(), by=request.user)
        return Response(status=204)


class NoteViewSet(ServiceDestroyMixin, ReadCreateUpdateViewSet):
    queryset = Note.objects.all()
    serializer_class = NoteSerializer
    filterset_class = NoteFilter
    search_fields = ["body"]
    ordering_fields = ["created", "modified"]
    ordering = ["-created", "-pk"]

    def get_queryset(self) -> QuerySet[Note]:
        return Note.objects.select_related("author")

    def create_object(self, data: dict[str, Any]) -> Note:
        return services.note_create(
            body=data["body"],
            author=self.request.user,
            organization=data.get("organization"),
            contact=data.get("contact"),
        )

    def update_object(self, instance: Note, data: dict[str, Any]) -> Note:
        return services.note_update(
            note=instance, body=data.get("body", instance.body), by=self.request.user
        )

    def delete_object(self, instance: Note) -> None:
        services.note_delete(note=instance, by=self.request.user)


class MembershipPlanViewSet(ReadCreateUpdateViewSet):
    """Plans and their dues brackets. Retire a plan with is_active=false."""

    queryset = MembershipPlan.objects.all()
    serializer_class = MembershipPlanSerializer
    filterset_class = MembershipPlanFilter
    search_fields = ["code", "name"]
    ordering_fields = ["sort_order", "name", "code", "created", "modified"]
    ordering = ["sort_order", "name", "pk"]

    def get_queryset(self) -> QuerySet[MembershipPlan]:
        return MembershipPlan.objects.prefetch_related("brackets")

    @staticmethod
    def _brackets(data: dict[str, Any]) -> list[tuple[int, Any]] | None:
        rows = data.pop("brackets", None)
        if rows is None:
            return None
        return [(row["max_employees"], row["amount"]) for row in rows]

    def create_object(self, data: dict[str, Any]) -> MembershipPlan:
        brackets = self._brackets(data)
        return services.membership_plan_save(
            plan=MembershipPlan(**data), brackets=brackets or [], by=self.request.user
        )

    def update_object(self, instance: MembershipPlan, data: dict[str, Any]) -> MembershipPlan:
        brackets = self._brackets(data)
        return services.membership_plan_save(
            plan=_assign(instance, data), brackets=brackets, by=self.request.user
        )


class InvestorLevelViewSet(ReadCreateUpdateViewSet):
    queryset = InvestorLevel.objects.all()
    serializer_class = InvestorLevelSerializer
    filterset_class = InvestorLevelFilter
    search_fields = ["code", "name"]
    ordering_fields = ["sort_order", "minimum_annual_amount", "name", "created", "modified"]
    ordering = ["sort_order", "minimum_annual_amount", "pk"]

    def create_object(self, data: dict[str, Any]) -> InvestorLevel:
        return services.investor_level_save(level=InvestorLevel(**data), by=self.request.user)

    def update_object(self, instance: InvestorLevel, data: dict[str, Any]) -> InvestorLevel:
        return services.investor_level_save(level=_assign(instance, data), by=self.request.user)


class MembershipViewSet(ReadCreateUpdateViewSet):
    """Memberships. Created as applications; the status moves only through the actions."""

    queryset = Membership.objects.all()
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilter
    search_fields = ["organization__name", "reference"]
    ordering_fields = ["start_date", "paid_through", "status_changed_at", "created", "modified"]
    ordering = ["-created", "-pk"]

    def get_queryset(self) -> QuerySet[Membership]:
        memberships = selectors.membership_list()
        if self.action != "list":
            memberships = memberships.prefetch_related(
                Prefetch("transitions", queryset=MembershipTransition.objects.select_related("by"))
            )
        return memberships

    def get_serializer_class(self) -> type[MembershipSerializer]:
        return MembershipSerializer if self.action == "list" else MembershipDetailSerializer

    def create_object(self, data: dict[str, Any]) -> Membership:
        return services.membership_create(
            organization=data["organization"],
            plan=data["plan"],
            start_date=data["start_date"],
            source=data.get("source", Membership.Source.STAFF),
            message=data.get("application_message", ""),
            auto_renew=data.get("auto_renew", False),
            by=self.request.user,
        )

    def update_object(self, instance: Membership, data: dict[str, Any]) -> Membership:
        return services.membership_update(
            membership=instance,
            auto_renew=data.get("auto_renew"),
            application_message=data.get("application_message"),
            by=self.request.user,
            reason="by staff in the staff API",
        )

    @transition_action(
        permission="crm.change_membership",
        response=MembershipDetailSerializer,
        description="Approve an application: its dues invoice is issued and the applicant told; "
        "it then waits for its dues to be paid.",
    )
    def approve(self, membership: Membership, reason: str, user: Any) -> None:
        applications.application_approve(membership=membership, by=user, reason=reason)

    @transition_action(
        permission="crm.change_membership",
        response=MembershipDetailSerializer,
        reason_required=True,
        description="Reject an application, saying why (the applicant is told).",
    )
    def reject(self, membership: Membership, reason: str, user: Any) -> None:
        applications.application_reject(membership=membership, by=user, reason=reason)

    @transition_action(
        permission="crm.change_membership",
        response=MembershipDetailSerializer,
        reason_required=True,
        description="Drop a member (or withdraw an application), saying why.",
    )
    def drop(self, membership: Membership, reason: str, user: Any) -> None:
        services.membership_cancel(membership=membership, by=user, reason=reason)

    @extend_schema(
        request=ReinstateSerializer,
        responses=MembershipDetailSerializer,
        description="Reinstate a lapsed or dropped member: active again when its dues still "
        "cover today, otherwise approved and sent an invoice for the current period. An "
        "optional `fee` adds a reinstatement fee line.",
    )
    @action(detail=True, methods=["post"], required_perms=["crm.change_membership"])
    @idempotent
    def reinstate(self, request: Request, pk: str | None = None) -> Response:
        membership = self.get_object()
        payload = ReinstateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        membership_reinstate_and_bill(
            membership=membership,
            by=request.user,
            reason=payload.validated_data["reason"],
            fee=payload.validated_data.get("fee"),
        )
        return Response(self.get_serializer(self.reread(membership)).data)

    @extend_schema(
        request=ChangePlanSerializer,
        responses=PlanChangeSerializer,
        description="Move a member to another plan. An upgrade applies now and invoices the "
        "prorated difference (the invoice's lines explain the arithmetic); a downgrade is "
        "recorded as pending and takes effect at the renewal.",
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="change-plan",
        required_perms=["crm.change_membership"],
    )
    @idempotent
    def change_plan(self, request: Request, pk: str | None = None) -> Response:
        membership = self.get_object()
        payload = ChangePlanSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        change = membership_change_plan(
            membership=membership,
            plan=payload.validated_data["plan"],
            by=request.user,
            effective=payload.validated_data.get("effective"),
        )
        change = MembershipPlanChange.objects.select_related("from_plan", "to_plan", "invoice").get(
            pk=change.pk
        )
        return Response(PlanChangeSerializer(change).data)


# A pledge's lifecycle step: for staff who may change pledges, answered with the pledge.
pledge_step = partial(transition_action, permission="crm.change_pledge", response=PledgeSerializer)


class PledgeViewSet(ReadCreateUpdateViewSet):
    """Investment pledges with their installment schedule; the status moves through actions."""

    queryset = Pledge.objects.all()
    serializer_class = PledgeSerializer
    filterset_class = PledgeFilter
    search_fields = ["organization__name", "reference"]
    ordering_fields = ["start_date", "annual_amount", "created", "modified"]
    ordering = ["-created", "-pk"]

    def get_queryset(self) -> QuerySet[Pledge]:
        return Pledge.objects.select_related("organization", "level").prefetch_related(
            "installments"
        )

    def create_object(self, data: dict[str, Any]) -> Pledge:
        return services.pledge_create(
            organization=data["organization"],
            level=data["level"],
            contact=data.get("contact"),
            annual_amount=data["annual_amount"],
            start_date=data["start_date"],
            term_years=data.get("term_years", 1),
            installments_per_year=data.get("installments_per_year", 1),
            message=data.get("message", ""),
            past_installments=data.get("past_installments", "invoice"),
            by=self.request.user,
        )

    def update_object(self, instance: Pledge, data: dict[str, Any]) -> Pledge:
        return services.pledge_update(
            pledge=instance,
            contact=data.get("contact"),
            message=data.get("message"),
            by=self.request.user,
        )

    @pledge_step(
        description="Confirm a submitted pledge: its installments are then invoiced on schedule."
    )
    def confirm(self, pledge: Pledge, reason: str, user: Any) -> None:
        applications.investment_confirm(pledge=pledge, by=user, reason=reason)

    @pledge_step(
        reason_required=True,
        description="Decline a submitted pledge, saying why (the investor is told).",
    )
    def decline(self, pledge: Pledge, reason: str, user: Any) -> None:
        applications.investment_decline(pledge=pledge, by=user, reason=reason)

    @pledge_step(
        reason_required=True,
        description="Cancel a submitted or confirmed pledge, saying why.",
    )
    def cancel(self, pledge: Pledge, reason: str, user: Any) -> None:
        services.pledge_cancel(pledge=pledge, by=user, reason=reason)


class PledgeRenewalProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StaffViewSet):
    """The renewals the daily run proposed before a pledge's last installment; accepting one makes
    the next pledge (once), declining closes it."""

    queryset = PledgeRenewalProposal.objects.all()
    serializer_class = PledgeRenewalProposalSerializer
    filterset_class = PledgeRenewalProposalFilter
    search_fields = ["pledge__organization__name", "pledge__reference"]
    ordering_fields = ["start_date", "annual_amount", "created", "modified"]
    ordering = ["-created", "-pk"]

    def get_queryset(self) -> QuerySet[PledgeRenewalProposal]:
        return PledgeRenewalProposal.objects.select_related("pledge__organization", "level")

    @service_action(
        permission="crm.change_pledgerenewalproposal",
        response=PledgeRenewalProposalSerializer,
        description="Accept the proposal: the next pledge (the proposed level and amount, from "
        "the day the current one ends, the same term and installments) is made and confirmed. "
        "Accepting again changes nothing; the answer names the pledge in `next_pledge`.",
    )
    def accept(self, proposal: PledgeRenewalProposal, data: dict[str, Any], user: Any) -> None:
        pledge_renewal_accept(proposal=proposal, by=user)

    @transition_action(
        permission="crm.change_pledgerenewalproposal",
        response=PledgeRenewalProposalSerializer,
        reason_required=True,
        description="Decline the proposal, saying why; no pledge is made.",
    )
    def decline(self, proposal: PledgeRenewalProposal, reason: str, user: Any) -> None:
        pledge_renewal_decline(proposal=proposal, by=user, reason=reason)

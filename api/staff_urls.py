"""The staff API (/api/v1/): token or staff session, Django model permissions."""

from rest_framework.routers import DefaultRouter

from api.views import benefits, billing, crm, events, payouts, pipeline

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("organizations", crm.OrganizationViewSet, basename="organization")
router.register("contacts", crm.ContactViewSet, basename="contact")
router.register("affiliations", crm.AffiliationViewSet, basename="affiliation")
router.register("notes", crm.NoteViewSet, basename="note")
router.register("membership-plans", crm.MembershipPlanViewSet, basename="membership-plan")
router.register("investor-levels", crm.InvestorLevelViewSet, basename="investor-level")
router.register("benefits", benefits.BenefitViewSet, basename="benefit")
router.register("benefit-usages", benefits.BenefitUsageViewSet, basename="benefit-usage")
router.register(
    "organization-benefits", benefits.OrganizationBenefitsViewSet, basename="organization-benefits"
)
router.register("memberships", crm.MembershipViewSet, basename="membership")
router.register("pledges", crm.PledgeViewSet, basename="pledge")
router.register("prospects", pipeline.ProspectViewSet, basename="prospect")
router.register("tasks", pipeline.TaskViewSet, basename="task")
router.register("interactions", pipeline.InteractionViewSet, basename="interaction")
router.register("engagement-scores", pipeline.EngagementScoreViewSet, basename="engagement-score")
router.register(
    "pledge-renewals", crm.PledgeRenewalProposalViewSet, basename="pledge-renewal-proposal"
)
router.register("events", events.EventViewSet, basename="event")
router.register("ticket-types", events.TicketTypeViewSet, basename="ticket-type")
router.register("registrations", events.RegistrationViewSet, basename="registration")
router.register("invoices", billing.InvoiceViewSet, basename="invoice")
router.register("payments", billing.PaymentViewSet, basename="payment")
router.register("refunds", billing.RefundViewSet, basename="refund")
router.register("payouts", payouts.PayoutViewSet, basename="payout")

urlpatterns = router.urls

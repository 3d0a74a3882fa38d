"""The website's API (/api/v1/public/), as docs/public-api.md writes it: joining, investing and the
member directory. Thin views: the serializers check the input, the services do the work."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.idempotency import idempotent
from api.pagination import PageNumberPagination
from api.public_base import PublicAPIView
from api.serializers import public as s
from api.serializers import public_directory as directory
from api.serializers import public_invest as investing
from api.serializers import public_join as joining
from core.portal_links import request_sign_in_link
from crm import pricing, selectors
from crm.services.applications import (
    application_invoice,
    application_submit,
    investment_submit,
    pledge_invoices,
)
from outreach.net import client_address


class MembershipPlanList(PublicAPIView):
    @extend_schema(responses=joining.PlanOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(joining.PlanOut(selectors.plan_list_public(), many=True).data)


class MembershipPlanQuote(PublicAPIView):
    @extend_schema(parameters=[joining.QuoteParams], responses=joining.QuoteOut)
    def get(self, request: Request, code: str) -> Response:
        plan = selectors.plan_public(code)
        if plan is None:
            raise Http404
        params = joining.QuoteParams(data=request.query_params, context={"plan": plan})
        params.is_valid(raise_exception=True)
        start = params.validated_data.get("start") or timezone.localdate()
        quote = pricing.quote(
            plan.pricing_rule(list(plan.brackets.all()), on=start),
            employees=params.validated_data.get("employees") or 0,
            start=start,
        )
        return Response({"plan": plan.code, **joining.QuoteOut(quote).data})


class JoinCreate(PublicAPIView):
    @extend_schema(request=joining.JoinIn, responses={201: joining.ApplicationOut})
    @idempotent
    def post(self, request: Request) -> Response:
        form = joining.JoinIn(data=request.data)
        form.is_valid(raise_exception=True)
        application = application_submit(**form.service_kwargs())
        answer = joining.ApplicationOut(
            application.membership,
            context={"invoice": application.invoice, "quote": application.quote},
        )
        return Response(answer.data, status=status.HTTP_201_CREATED)


class JoinDetail(PublicAPIView):
    @extend_schema(responses=joining.ApplicationStateOut)
    def get(self, request: Request, reference: str) -> Response:
        membership = selectors.application_by_reference(reference)
        if membership is None:
            raise Http404
        invoice = application_invoice(membership)
        return Response(joining.ApplicationStateOut(membership, context={"invoice": invoice}).data)


class InvestorLevelList(PublicAPIView):
    @extend_schema(responses=investing.InvestorLevelOut(many=True))
    def get(self, request: Request) -> Response:
        levels = selectors.investor_level_list_public()
        return Response(investing.InvestorLevelOut(levels, many=True).data)


class InvestCreate(PublicAPIView):
    @extend_schema(request=investing.InvestIn, responses={201: investing.PledgeOut})
    @idempotent
    def post(self, request: Request) -> Response:
        form = investing.InvestIn(data=request.data)
        form.is_valid(raise_exception=True)
        pledge = investment_submit(**form.service_kwargs())
        # Just made, with its organization, level and schedule in hand (as GET
        # invest/<reference>/ shows it): not read again.
        return Response(
            investing.PledgeOut(pledge, context={"invoices": {}}).data,
            status=status.HTTP_201_CREATED,
        )


class InvestDetail(PublicAPIView):
    @extend_schema(responses=investing.PledgeOut)
    def get(self, request: Request, reference: str) -> Response:
        pledge = selectors.pledge_by_reference(reference)
        if pledge is None:
            raise Http404
        invoices = pledge_invoices(pledge)
        return Response(investing.PledgeOut(pledge, context={"invoices": invoices}).data)


class Directory(PublicAPIView):
    pagination_class = PageNumberPagination  # read by the schema too: a paginated answer

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Words in the name, industry or city"),
            OpenApiParameter("category", str, description="A category's slug"),
        ],
        responses=directory.DirectoryEntryOut(many=True),
    )
    def get(self, request: Request) -> Response:
        params = directory.DirectoryParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        organizations = selectors.organization_directory(
            q=params.validated_data["q"], category=params.validated_data["category"]
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(organizations, request, view=self)
        return paginator.get_paginated_response(
            directory.DirectoryEntryOut(page, many=True, context={"request": request}).data
        )


class DirectoryCategoryList(PublicAPIView):
    @extend_schema(responses=directory.DirectoryCategoryOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(
            directory.DirectoryCategoryOut(selectors.directory_categories(), many=True).data
        )


class PortalSignInLink(PublicAPIView):
    """The website's "Sign in to the member portal" box: the same service as the portal's
    sign-in page (reached through core.portal_links, as nothing imports the portal), the same
    answer whether or not the address is on file, throttled like the page (per address and per
    client, 429 past it) besides the public API's own throttle."""

    @extend_schema(request=s.PortalSignInLinkIn, responses={202: s.PortalSignInLinkOut})
    @idempotent
    def post(self, request: Request) -> Response:
        form = s.PortalSignInLinkIn(data=request.data)
        form.is_valid(raise_exception=True)
        request_sign_in_link(
            email=form.validated_data["email"], client=client_address(request._request)
        )
        answer = {
            "status": "sent_if_known",
            "message": "If this address is on file with the Alliance, a sign-in link is on its "
            "way to it: it works once, for a short time.",
            "portal_url": s.portal_sign_in_url(),
        }
        return Response(s.PortalSignInLinkOut(answer).data, status=status.HTTP_202_ACCEPTED)

"""Staff API for benefits: their definitions (POST/PUT/PATCH call benefit_save), the uses
recorded (POST calls benefit_use, as the admin's "Record one use" does) and each
organization's granted, used and left this term. See api/views/staff_base.py for the
pattern."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from rest_framework import mixins
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters.benefits import BenefitFilter, BenefitUsageFilter
from api.filters.crm import OrganizationFilter
from api.serializers.benefits import (
    BenefitSerializer,
    BenefitUsageSerializer,
    OrganizationBenefitsSerializer,
    organization_benefits_data,
)
from api.views.crm import ReadCreateUpdateViewSet, _assign
from api.views.pipeline import ReadCreateViewSet
from api.views.staff_base import StaffViewSet
from crm import selectors
from crm.models import Benefit, BenefitGrant, BenefitUsage, Organization
from crm.selectors.benefits import benefit_usage_list, organization_benefits
from crm.services.benefits import benefit_save, benefit_use


class BenefitViewSet(ReadCreateUpdateViewSet):
    """What a plan or investor level may grant: complimentary event seats (for events or
    ticket types carrying `event_tag`), member pricing, directory prominence, sponsor
    recognition, or anything else, counted or yes/no. Which plans and levels grant it, and
    how many a term, is set on their admin pages."""

    queryset = Benefit.objects.all()
    serializer_class = BenefitSerializer
    filterset_class = BenefitFilter
    search_fields = ["code", "name"]
    ordering_fields = ["sort_order", "name", "created", "modified"]
    ordering = ["sort_order", "name", "pk"]

    def get_queryset(self) -> QuerySet[Benefit]:
        grants = BenefitGrant.objects.select_related("plan", "level").order_by("pk")
        return Benefit.objects.prefetch_related(Prefetch("grants", queryset=grants))

    def create_object(self, data: dict[str, Any]) -> Benefit:
        return benefit_save(benefit=Benefit(**data), by=self.request.user)

    def update_object(self, instance: Benefit, data: dict[str, Any]) -> Benefit:
        return benefit_save(benefit=_assign(instance, data), by=self.request.user)


class BenefitUsageViewSet(ReadCreateViewSet):
    """Uses of benefits: seats registrations drew (given back when cancelled) and what staff
    recorded. POST records a use this term (409 when the organization's plan and levels do
    not grant it, or fewer are left); uses are not edited afterwards."""

    queryset = BenefitUsage.objects.all()
    serializer_class = BenefitUsageSerializer
    filterset_class = BenefitUsageFilter
    search_fields = ["organization__name", "note"]
    ordering_fields = ["used_on", "created"]
    ordering = ["-used_on", "-pk"]

    def get_queryset(self) -> QuerySet[BenefitUsage]:
        return benefit_usage_list()

    def create_object(self, data: dict[str, Any]) -> BenefitUsage:
        return benefit_use(
            organization=data["organization"],
            benefit=data["benefit"],
            quantity=data.get("quantity", 1),
            note=data.get("note", ""),
            by=self.request.user,
        )


class OrganizationBenefitsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StaffViewSet):
    """Each organization's benefits this term: granted (by its plan and investor levels),
    used and left, with the term's dates. The id is the organization's; the list filters as
    /organizations/ does."""

    queryset = Organization.objects.all()
    serializer_class = OrganizationBenefitsSerializer
    filterset_class = OrganizationFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created"]
    ordering = ["name", "pk"]
    required_perms = ["crm.view_organization", "crm.view_benefitusage"]

    def get_queryset(self) -> QuerySet[Organization]:
        return selectors.organization_list()

    def _rows(self, organizations: list[Organization]) -> list[dict[str, Any]]:
        found = organization_benefits(
            organization_ids=[o.pk for o in organizations], today=timezone.localdate()
        )
        return [organization_benefits_data(o, found[o.pk]) for o in organizations]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # the staff API always paginates
        return self.get_paginated_response(self._rows(list(page)))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._rows([self.get_object()])[0])

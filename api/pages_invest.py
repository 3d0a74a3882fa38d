"""The public pages of investing and of the member directory, rendered on the server from what the
public API answers (its own serializers), so they work without JavaScript; static/js/invest.js
and static/js/directory.js improve them (the schedule as one types, the level's minimum said at
once, searching without a reload). As in api/pages.py, the invest form is posted (never sent by
GET), checked by the API's own input serializer and handed to the same service as the API view.
"""

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from api.pages import TOO_MANY, FormPage, flat_errors, form_data, see_other
from api.serializers import public_directory as directory
from api.serializers import public_invest as investing
from core.exceptions import ServiceError
from crm import selectors
from crm.directory import SOCIAL_NETWORKS
from crm.models import Pledge
from crm.services.applications import investment_submit, pledge_invoices
from crm.views import PublicPage

DIRECTORY_PAGE_SIZE = 20


class InvestPage(FormPage):
    template_name = "public/invest.html"
    section = "invest"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        levels = investing.InvestorLevelOut(selectors.investor_level_list_public(), many=True).data
        return {
            **super().get_context_data(**kwargs),
            "levels": levels,
            "chosen_level": self.request.POST.get("level", ""),
            "terms": range(1, 11),
            "installment_choices": Pledge.InstallmentsPerYear.choices,
        }

    def post(self, request: HttpRequest) -> HttpResponse:
        if self.throttled(request):
            return self.again({"": TOO_MANY})
        form = investing.InvestIn(data=form_data(request.POST))
        if not form.is_valid():
            return self.again(flat_errors(form.errors))
        try:
            pledge = investment_submit(**form.service_kwargs())
        except ServiceError as error:
            return self.again({error.field or "": error.message})
        return see_other(f"{reverse('invest-status', args=[pledge.reference])}?new=1")


class InvestStatusPage(PublicPage):
    template_name = "public/invest_status.html"
    section = "invest"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        pledge = selectors.pledge_by_reference(kwargs["reference"])
        if pledge is None:
            raise Http404("No commitment has this reference.")
        data = investing.PledgeOut(pledge, context={"invoices": pledge_invoices(pledge)}).data
        return {**super().get_context_data(**kwargs), "pledge": data}


class DirectoryPage(PublicPage):
    template_name = "public/directory.html"
    section = "directory"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        params = directory.DirectoryParams(data=self.request.GET)
        valid = params.is_valid()
        q = params.validated_data["q"] if valid else ""
        category = params.validated_data["category"] if valid else ""
        paginator = Paginator(
            selectors.organization_directory(q=q, category=category), DIRECTORY_PAGE_SIZE
        )
        page = paginator.get_page(self.request.GET.get("page"))
        return {
            **super().get_context_data(**kwargs),
            "q": q,
            "q_error": flat_errors(params.errors).get("q", "") if params.errors else "",
            "page": page,
            "members": [
                # The social links as the page names them ("LinkedIn"), in the networks' order.
                {**member, "social": _social(member["social_links"])}
                for member in directory.DirectoryEntryOut(page.object_list, many=True).data
            ],
        }


def _social(links: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (label, links[network])
        for network, (label, _hosts) in SOCIAL_NETWORKS.items()
        if links.get(network)
    ]

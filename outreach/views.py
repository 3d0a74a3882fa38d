"""The pages behind the links in newsletter mail. Confirming takes a click on the page (a POST):
mail scanners fetch every link in a message, and a GET must not confirm an address nobody
looked at. Unsubscribing answers RFC 8058's one-click POST from the mail program (no login, no
CSRF token: the signed link is the authority) and shows a page with a button for people."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from core.exceptions import ServiceError
from outreach.models import ConsentRecord, Subscription
from outreach.net import client_address, user_agent
from outreach.services import ConsentSource, subscription_confirm, subscription_unsubscribe
from outreach.tokens import BadToken, read_confirm_token, read_unsubscribe_token

Source = ConsentRecord.Source


def _consent(request: HttpRequest, source: str) -> ConsentSource:
    return ConsentSource(
        source=source, ip_address=client_address(request), user_agent=user_agent(request)
    )


def _problem(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "public/newsletter_problem.html", {"message": message}, status=status)


class _SubscriptionLinkPage(View):
    """A page behind a signed link: the link's subscription, or a page that says what is wrong
    with the link."""

    read_token: Callable[[str], int]
    template: str

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            pk = self.read_token(kwargs["token"])
        except BadToken as exc:
            return _problem(request, str(exc))
        subscription = (
            Subscription.objects.select_related("subscriber", "newsletter").filter(pk=pk).first()
        )
        if subscription is None:
            return _problem(request, "This subscription no longer exists.", status=404)
        self.subscription = subscription
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return render(request, self.template, {"subscription": self.subscription})


class ConfirmPage(_SubscriptionLinkPage):
    read_token = staticmethod(read_confirm_token)
    template = "public/newsletter_confirm.html"

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            subscription = subscription_confirm(
                subscription=self.subscription, consent=_consent(request, Source.EMAIL_LINK)
            )
        except ServiceError as exc:
            return _problem(request, exc.message, status=409)
        return render(request, "public/newsletter_done.html", {"subscription": subscription})


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribePage(_SubscriptionLinkPage):
    read_token = staticmethod(read_unsubscribe_token)
    template = "public/newsletter_unsubscribe.html"

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        one_click = request.POST.get("List-Unsubscribe") == "One-Click"
        subscription = subscription_unsubscribe(
            subscription=self.subscription,
            consent=_consent(request, Source.ONE_CLICK if one_click else Source.EMAIL_LINK),
        )
        return render(request, "public/newsletter_done.html", {"subscription": subscription})

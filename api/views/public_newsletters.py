"""Newsletter sign-up for the website (docs/public-api.md): the lists on offer, and a sign-up
that starts the double opt-in. The answer is the same whether the address is new, waiting or
already subscribed, so the endpoint tells nobody who is on a list."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.idempotency import idempotent
from api.public_base import PublicAPIView
from api.serializers import public_newsletters as s
from outreach.models import ConsentRecord
from outreach.net import client_address, user_agent
from outreach.selectors import newsletter_list_public
from outreach.services import ConsentSource, subscription_request


class NewsletterList(PublicAPIView):
    @extend_schema(responses=s.NewsletterOut(many=True))
    def get(self, request: Request) -> Response:
        return Response(s.NewsletterOut(newsletter_list_public(), many=True).data)


class NewsletterSubscribe(PublicAPIView):
    @extend_schema(request=s.SubscribeIn, responses={202: s.SubscribeOut})
    @idempotent
    def post(self, request: Request) -> Response:
        form = s.SubscribeIn(data=request.data)
        form.is_valid(raise_exception=True)
        kwargs = form.service_kwargs()
        subscription_request(
            **kwargs,
            consent=ConsentSource(
                source=ConsentRecord.Source.WEBSITE,
                ip_address=client_address(request._request),
                user_agent=user_agent(request._request),
            ),
        )
        answer = {
            "list": kwargs["newsletter"].code,
            "email": form.validated_data["email"],
            "status": "confirmation_sent",
            "message": "Thank you. Check your inbox: open the link we sent to confirm your "
            "subscription.",
        }
        return Response(s.SubscribeOut(answer).data, status=status.HTTP_202_ACCEPTED)

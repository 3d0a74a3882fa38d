"""Inquiries from the website's site-selector and contact forms (docs/public-api.md). The answer
is the same whether the business and the person were known or not, so the endpoint tells
nobody who is in the chamber's records."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from api.idempotency import idempotent
from api.public_base import PublicAPIView
from api.serializers import public_inquiries as s
from crm.services.pipeline import inquiry_submit

ANSWER = {
    "status": "received",
    "message": "Thank you. Someone from the MetroHartford Alliance will be in touch within two "
    "business days.",
}


class InquiryCreate(PublicAPIView):
    @extend_schema(request=s.InquiryIn, responses={202: s.InquiryOut})
    @idempotent
    def post(self, request: Request) -> Response:
        form = s.InquiryIn(data=request.data)
        form.is_valid(raise_exception=True)
        inquiry_submit(**form.service_kwargs())
        return Response(s.InquiryOut(ANSWER).data, status=status.HTTP_202_ACCEPTED)

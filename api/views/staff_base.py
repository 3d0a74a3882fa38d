"""The pattern every staff resource follows (crm now; billing and events the same way):

- reads come from a selector or a queryset with its joins, so a list runs a fixed number of
  queries whatever the page size;
- creates and edits validate with the serializer, then call a service (`create_object`,
  `update_object`), and answer with the record re-read the way a GET reads it;
- state changes are POST actions (`@transition_action`, or `@service_action` when the action
  takes more than a reason or answers with another record) that call a service and need their
  own permission; a refused step is a 409 with the service's reason, bad input a 400.
"""

from collections.abc import Callable
from typing import Any

from django.db import models
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.idempotency import idempotent
from api.permissions import StaffModelPermissions
from api.schema import StaffAutoSchema
from api.throttling import StaffRateThrottle


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, default="", help_text="Why (kept)."
    )


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, help_text="Why; required, kept in the history and may be shown."
    )


class StaffViewSet(viewsets.GenericViewSet):
    permission_classes = [StaffModelPermissions]
    throttle_classes = [StaffRateThrottle]
    schema = StaffAutoSchema()
    # Set per action by @action(required_perms=[...]); None means the model permissions.
    required_perms: list[str] | None = None

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # The token is checked here, inside the view, after every middleware has run: hand its
        # user to the Django request that simple-history's HistoryRequestMiddleware holds, so
        # each change this request makes is recorded as that user's, also where a service is
        # not told `by` (DRF's Request does this today; the audit trail must not depend on it).
        request._request.user = request.user

    def reread(self, instance: models.Model) -> models.Model:
        """The record as a GET shows it (annotations, prefetched children) after a write."""
        return self.get_queryset().get(pk=instance.pk)

    def respond(self, instance: models.Model, code: int = status.HTTP_200_OK) -> Response:
        serializer = self.get_serializer(self.reread(instance))
        return Response(serializer.data, status=code)


class ServiceCreateMixin(mixins.CreateModelMixin):
    @idempotent  # a retried POST with the same Idempotency-Key creates nothing new
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)  # type: ignore[attr-defined]
        serializer.is_valid(raise_exception=True)
        instance = self.create_object(serializer.validated_data)
        return self.respond(instance, status.HTTP_201_CREATED)  # type: ignore[attr-defined]

    def create_object(self, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError(f"{type(self).__name__} must create through its service.")


class ServiceUpdateMixin(mixins.UpdateModelMixin):
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        partial = kwargs.pop("partial", False)
        instance = self.get_object()  # type: ignore[attr-defined]
        serializer = self.get_serializer(  # type: ignore[attr-defined]
            instance, data=request.data, partial=partial
        )
        serializer.is_valid(raise_exception=True)
        instance = self.update_object(instance, serializer.validated_data)
        return self.respond(instance)  # type: ignore[attr-defined]

    def update_object(self, instance: Any, data: dict[str, Any]) -> models.Model:
        raise NotImplementedError(f"{type(self).__name__} must update through its service.")


class ServiceDestroyMixin(mixins.DestroyModelMixin):
    def perform_destroy(self, instance: Any) -> None:
        self.delete_object(instance)

    def delete_object(self, instance: Any) -> None:
        raise NotImplementedError(f"{type(self).__name__} must delete through its service.")


def service_action(
    *,
    permission: str,
    description: str,
    response: type[serializers.BaseSerializer],
    body: type[serializers.Serializer] | None = None,
    url_path: str | None = None,
    created: bool = False,
) -> Callable[[Callable[[Any, Any, dict[str, Any], Any], Any]], Any]:
    """A POST /<resource>/<id>/<url_path>/ that validates `body` (when the action takes one) and
    calls `service(view, obj, data, user)`. The service returns what to answer with, re-read the
    way a GET reads it (serialized with `response`, 201 when `created`), or None to answer with
    the record itself. A refusal (ServiceError) becomes a 409, bad input (InvalidData) a 400."""
    code = status.HTTP_201_CREATED if created else status.HTTP_200_OK

    def decorate(service: Callable[[Any, Any, dict[str, Any], Any], Any]) -> Any:
        @idempotent
        def view(self: StaffViewSet, request: Request, pk: str | None = None) -> Response:
            obj = self.get_object()
            data: dict[str, Any] = {}
            if body is not None:
                payload = body(data=request.data, context=self.get_serializer_context())
                payload.is_valid(raise_exception=True)
                data = dict(payload.validated_data)
            result = service(self, obj, data, request.user)
            if result is None:
                return Response(self.get_serializer(self.reread(obj)).data, status=code)
            context = self.get_serializer_context()
            return Response(response(result, context=context).data, status=code)

        view.__name__ = service.__name__
        view.__doc__ = description
        # @action first: it replaces the function's kwargs, where extend_schema keeps its part.
        routed = action(
            detail=True, methods=["post"], url_path=url_path, required_perms=[permission]
        )(view)
        return extend_schema(request=body, responses={code: response}, description=description)(
            routed
        )

    return decorate


def transition_action(
    *,
    permission: str,
    response: type[serializers.BaseSerializer],
    reason_required: bool = False,
    description: str,
    url_path: str | None = None,
) -> Callable[[Callable[[Any, Any, str, Any], Any]], Any]:
    """A lifecycle step: `service(view, obj, reason, user)`, answered with the record; the
    service's refusal (TransitionNotAllowed) becomes a 409."""
    body = RequiredReasonSerializer if reason_required else ReasonSerializer

    def decorate(service: Callable[[Any, Any, str, Any], Any]) -> Any:
        def step(view: StaffViewSet, obj: Any, data: dict[str, Any], user: Any) -> None:
            service(view, obj, data["reason"], user)

        step.__name__ = service.__name__
        return service_action(
            permission=permission,
            description=description,
            response=response,
            body=body,
            url_path=url_path,
        )(step)

    return decorate

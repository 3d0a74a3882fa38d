"""Staff API for account work: prospects (the pipeline), tasks, interactions and engagement
scores. Writes call crm/services/pipeline.py; see api/views/staff_base.py for the pattern."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from api.filters.crm import OrganizationFilter
from api.filters.pipeline import InteractionFilter, ProspectFilter, TaskFilter
from api.serializers.pipeline import (
    AtRiskSerializer,
    EngagementScoreSerializer,
    InteractionSerializer,
    MoveStageSerializer,
    ProspectSerializer,
    TaskSerializer,
    score_data,
)
from api.views.staff_base import (
    ServiceCreateMixin,
    ServiceUpdateMixin,
    StaffViewSet,
    service_action,
)
from crm import selectors
from crm.models import Interaction, Organization, Prospect, Task
from crm.services.pipeline import (
    interaction_record,
    prospect_move_stage,
    task_complete,
    task_create,
    task_update,
)


class ReadCreateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, ServiceCreateMixin, StaffViewSet
):
    pass


class ProspectViewSet(ReadCreateViewSet):
    """The pipeline: organizations being courted, each at a stage (lead, contacted, proposal,
    won, lost). Create one by naming its organization and first stage; move it with
    POST /prospects/<id>/move/."""

    queryset = Prospect.objects.all()
    serializer_class = ProspectSerializer
    filterset_class = ProspectFilter
    search_fields = ["organization__name"]
    ordering_fields = ["stage_changed_at", "amount_proposed", "created", "modified"]
    ordering = ["-stage_changed_at", "-pk"]

    def get_queryset(self) -> QuerySet[Prospect]:
        return Prospect.objects.select_related("organization")

    def create_object(self, data: dict[str, Any]) -> Prospect:
        return prospect_move_stage(
            organization=data["organization"],
            stage=data.get("stage", Prospect.Stage.LEAD),
            amount_proposed=data.get("amount_proposed"),
            note=data.get("stage_note", ""),
            by=self.request.user,
        )

    @service_action(
        permission="crm.change_prospect",
        description="Move the prospect to another stage: lead, contacted and proposal move "
        "among themselves, a proposal (which needs the amount proposed) is won or lost, a lost "
        "prospect may become a lead again; won is final. A move the stages do not allow is "
        "a 409 saying where it can go.",
        response=ProspectSerializer,
        body=MoveStageSerializer,
    )
    def move(self, prospect: Prospect, data: dict[str, Any], user: Any) -> None:
        prospect_move_stage(
            organization=prospect.organization,
            stage=data["stage"],
            amount_proposed=data.get("amount_proposed"),
            note=data.get("note", ""),
            by=user,
        )


class TaskViewSet(ServiceUpdateMixin, ReadCreateViewSet):
    """Tasks with due dates for staff, usually about an organization. Done with
    POST /tasks/<id>/complete/; a PATCH changes the title, notes, assignee or due date, marks
    it done or reopens it (`done`), with a `reason` kept in its history."""

    queryset = Task.objects.all()
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    search_fields = ["title"]
    ordering_fields = ["due_date", "created", "modified"]
    ordering = ["due_date", "pk"]

    def get_queryset(self) -> QuerySet[Task]:
        return Task.objects.select_related("assignee", "done_by", "created_by")

    def create_object(self, data: dict[str, Any]) -> Task:
        return task_create(
            title=data["title"],
            assignee=data["assignee"],
            due_date=data["due_date"],
            organization=data.get("organization"),
            notes=data.get("notes", ""),
            by=self.request.user,
        )

    def update_object(self, instance: Task, data: dict[str, Any]) -> Task:
        return task_update(
            task=instance,
            title=data.get("title"),
            notes=data.get("notes"),
            assignee=data.get("assignee"),
            due_date=data.get("due_date"),
            done=data.get("is_done"),
            reason=data.get("reason", ""),
            by=self.request.user,
        )

    @service_action(
        permission="crm.change_task",
        description="Mark the task done (who and when); a task already done stays as it was.",
        response=TaskSerializer,
    )
    def complete(self, task: Task, data: dict[str, Any], user: Any) -> None:
        task_complete(task=task, by=user)


class InteractionViewSet(ReadCreateViewSet):
    """Calls, meetings, emails and events attended, on an organization's timeline. Recorded
    once they happened; not edited afterwards."""

    queryset = Interaction.objects.all()
    serializer_class = InteractionSerializer
    filterset_class = InteractionFilter
    search_fields = ["summary"]
    ordering_fields = ["occurred_on", "created"]
    ordering = ["-occurred_on", "-pk"]

    def get_queryset(self) -> QuerySet[Interaction]:
        return Interaction.objects.select_related("recorded_by")

    def create_object(self, data: dict[str, Any]) -> Interaction:
        return interaction_record(
            organization=data["organization"],
            contact=data.get("contact"),
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            summary=data["summary"],
            by=self.request.user,
        )


class EngagementScoreViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StaffViewSet):
    """Each organization's engagement score with its factors (crm/engagement.py): every factor
    names what it measured, its weight and its points, and the score is their sum. The id is
    the organization's; the list filters as /organizations/ does."""

    queryset = Organization.objects.all()
    serializer_class = EngagementScoreSerializer
    filterset_class = OrganizationFilter
    search_fields = ["name"]
    ordering_fields = ["name", "created", "membership_paid_through"]
    ordering = ["name", "pk"]

    def get_queryset(self) -> QuerySet[Organization]:
        return selectors.organization_list()

    def _scores(self, organizations: list[Organization]) -> list[dict[str, Any]]:
        scores = selectors.organization_engagement(
            organization_ids=[o.pk for o in organizations], today=timezone.localdate()
        )
        return [score_data(o, scores[o.pk]) for o in organizations]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        assert page is not None  # the staff API always paginates
        return self.get_paginated_response(self._scores(list(page)))

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._scores([self.get_object()])[0])

    @extend_schema(
        responses=AtRiskSerializer(many=True),
        parameters=[
            OpenApiParameter("account_owner", int, description="Only this account owner's members.")
        ],
        description="Members at risk before their renewal: renewing within "
        "ENGAGEMENT_RISK_DAYS (90 by default) with a score below ENGAGEMENT_RISK_THRESHOLD (50 "
        "by default), soonest renewal first, each with its factors.",
        filters=False,
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="at-risk",
        required_perms=["crm.view_organization", "crm.view_membership"],
        filter_backends=[],
    )
    def at_risk(self, request: Request) -> Response:
        owner = request.query_params.get("account_owner")
        if owner is not None and not owner.isdigit():
            raise serializers.ValidationError({"account_owner": ["Give a user id."]})
        owner_user = (
            get_user_model().objects.filter(pk=int(owner)).first() if owner is not None else None
        )
        if owner is not None and owner_user is None:
            rows = []
        else:
            rows = selectors.members_at_risk(today=timezone.localdate(), owner=owner_user)
        results = [
            {
                **score_data(row.membership.organization, row.engagement),
                "membership": row.membership.pk,
                "plan": row.membership.plan.code,
                "renews_on": row.membership.paid_through,
            }
            for row in rows
        ]
        page = self.paginate_queryset(results)  # type: ignore[arg-type]
        assert page is not None  # the staff API always paginates
        return self.get_paginated_response(AtRiskSerializer(page, many=True).data)

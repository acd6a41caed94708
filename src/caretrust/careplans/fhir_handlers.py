"""FHIR API handlers: the shared care plan as CarePlan and its care team as CareTeam (read, search
by patient)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

from caretrust.careplans import fhir
from caretrust.careplans.models import CarePlan
from caretrust.fhir.handlers import export_for_people, search_for_person
from caretrust.fhir.registry import (
    FhirContext,
    NotFound,
    ResourceHandler,
    SearchParams,
    SearchResult,
    Stored,
)


class _PlanHandler(ResourceHandler):
    search_params = {
        "patient": "reference",
        "subject": "reference",
        "status": "token",
        "_id": "token",
        "_lastUpdated": "date",
    }
    counts = True
    chains = True  # search_for_person honours SearchParams.people (ADR 0121)
    id_field = "uuid"

    def render(self, plan: CarePlan):
        return fhir.care_plan(plan)

    def _stored(self, plan: CarePlan) -> Stored:
        return Stored(
            resource=self.render(plan).model_dump(mode="json", exclude_none=True),
            version_id=str(plan.version),
            last_updated=plan.updated_at,
        )

    def read(self, ctx: FhirContext, id: str) -> Stored:
        try:
            plan = (
                CarePlan.objects.select_related("person", "coordinator")
                .filter(**{self.id_field: uuid.UUID(id)})
                .first()
            )
        except ValueError:
            plan = None
        if plan is None:
            raise NotFound(f"{self.resource_type}/{id} is not known")
        ctx.require("careplans.view", plan)
        ctx.audit_read(person=plan.person, object_type=self.resource_type, object_id=id)
        return self._stored(plan)

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        status = params.first("status")
        return search_for_person(
            ctx,
            CarePlan.objects.select_related("person", "coordinator", "referral", "assessment"),
            params,
            resource_type=self.resource_type,
            action="careplans.view",
            object_id=lambda plan: str(getattr(plan, self.id_field)),
            to_stored=self._stored,
            filters=lambda queryset: queryset.filter(status=status) if status else queryset,
            id_field=self.id_field,
        )

    def export_rows(
        self,
        ctx: FhirContext,
        person_ids: list[int],
        since: datetime | None,
        *,
        secondary_use: bool = False,
    ) -> Iterator[tuple[int, dict]]:
        """The plans of these people (the search's rule: the people the client may read)."""
        return export_for_people(
            ctx,
            CarePlan.objects.select_related(
                "person", "coordinator", "referral", "assessment"
            ).prefetch_related(*fhir.export_prefetch()),
            person_ids,
            since,
            action="careplans.view",
            to_stored=self._stored,
            secondary_use=secondary_use,
        )


class CarePlanHandler(_PlanHandler):
    resource_type = "CarePlan"
    documentation = (
        "The person's one shared care plan: goals in their words, services from both sectors."
    )


class CareTeamHandler(_PlanHandler):
    resource_type = "CareTeam"
    id_field = "care_team_uuid"
    search_params = {
        "patient": "reference",
        "subject": "reference",
        "_id": "token",
        "_lastUpdated": "date",
    }
    documentation = "The care team of a shared care plan, across organisations."

    def render(self, plan: CarePlan):
        return fhir.care_team(plan)

"""FHIR API handler: the joint assessment as QuestionnaireResponse (read, search by patient)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

from caretrust.assessments import fhir
from caretrust.assessments.models import Assessment
from caretrust.fhir.handlers import export_for_people, search_for_person
from caretrust.fhir.registry import (
    FhirContext,
    NotFound,
    ResourceHandler,
    SearchParams,
    SearchResult,
    Stored,
)


def _stored(assessment: Assessment) -> Stored:
    return Stored(
        resource=fhir.to_fhir(assessment).model_dump(mode="json", exclude_none=True),
        version_id=str(assessment.version),
        last_updated=assessment.updated_at,
    )


class QuestionnaireResponseHandler(ResourceHandler):
    resource_type = "QuestionnaireResponse"
    search_params = {
        "patient": "reference",
        "subject": "reference",
        "_id": "token",
        "_lastUpdated": "date",
    }
    counts = True
    chains = True  # search_for_person honours SearchParams.people (ADR 0121)
    documentation = "The joint health and Care Act assessment, with its eligibility decision."

    def read(self, ctx: FhirContext, id: str) -> Stored:
        try:
            assessment = (
                Assessment.objects.select_related("person", "referral")
                .filter(uuid=uuid.UUID(id))
                .first()
            )
        except ValueError:
            assessment = None
        if assessment is None:
            raise NotFound(f"QuestionnaireResponse/{id} is not known")
        ctx.require("assessments.view", assessment)
        ctx.audit_read(person=assessment.person, object_type=self.resource_type, object_id=id)
        return _stored(assessment)

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        return search_for_person(
            ctx,
            Assessment.objects.select_related("person", "referral", "started_by"),
            params,
            resource_type=self.resource_type,
            action="assessments.view",
            object_id=lambda assessment: str(assessment.uuid),
            to_stored=_stored,
        )

    def export_rows(
        self,
        ctx: FhirContext,
        person_ids: list[int],
        since: datetime | None,
        *,
        secondary_use: bool = False,
    ) -> Iterator[tuple[int, dict]]:
        """The assessments of these people (the search's rule: the people the client may read)."""
        return export_for_people(
            ctx,
            Assessment.objects.select_related("person", "referral", "started_by").prefetch_related(
                *fhir.export_prefetch()
            ),
            person_ids,
            since,
            action="assessments.view",
            to_stored=_stored,
            secondary_use=secondary_use,
        )

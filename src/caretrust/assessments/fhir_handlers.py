"""FHIR API handler: the joint assessment as QuestionnaireResponse (read, search by patient)."""

from __future__ import annotations

import uuid

from caretrust.access import policy
from caretrust.assessments import fhir
from caretrust.assessments.models import Assessment
from caretrust.fhir.handlers import page_of, person_for_reference
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
    search_params = {"patient": "reference", "subject": "reference"}
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
        queryset = Assessment.objects.select_related("person", "referral", "started_by")
        reference = params.first("patient") or params.first("subject")
        if reference:
            person = person_for_reference(reference)
            if person is None:
                return SearchResult(matches=[])
            queryset = queryset.filter(person=person)
        rows, cursor = page_of(
            ctx, queryset, params, lambda a: policy.decide(ctx.user, "assessments.view", a).allowed
        )
        for row in rows:
            ctx.audit_read(
                person=row.person, object_type=self.resource_type, object_id=str(row.uuid)
            )
        return SearchResult(matches=[_stored(a) for a in rows], next_cursor=cursor)

"""Writes of the feedback area: a survey response (one per person, survey and month; answering
again in the same month replaces the earlier answers). Each write is audited."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.feedback.models import SurveyResponse
from caretrust.feedback.surveys import SURVEYS

ACTION = {"experience": "feedback.experience_survey", "pulse": "feedback.pulse_survey"}


@transaction.atomic
def submit_response(*, actor, survey: str, answers: dict[str, str]) -> SurveyResponse:
    policy.require(actor, ACTION[survey])
    definition = SURVEYS[survey]
    clean: dict[str, str] = {}
    for question in definition.questions:
        value = answers.get(question.key) or ""
        if value and value not in {v for v, _ in question.answers}:
            raise ValidationError({question.key: "Choose one of the answers"})
        if value:
            clean[question.key] = value
    if not clean:
        raise ValidationError("Answer at least one question, or leave the survey")
    period = clock.today().replace(day=1)
    response, created = SurveyResponse.objects.update_or_create(
        survey=survey,
        respondent=actor,
        period=period,
        defaults={"answers": clean, "respondent_role": actor.role},
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        obj=response,
        details={"survey": survey, "period": period.isoformat(), "questions": len(clean)},
    )
    return response

"""Writes of the funding area that concern a person: recording a financial assessment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from caretrust import guard
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.funding.charging import ChargingError
from caretrust.funding.engine import means_with_council_figures
from caretrust.funding.models import FinancialAssessment
from caretrust.people import demographics


def age_on(birth_date: date | None, on: date) -> int:
    if birth_date is None:
        raise ValidationError("The person's date of birth is needed for a financial assessment.")
    return demographics.age_on(birth_date, on)


@transaction.atomic
@guard.service_writes(FinancialAssessment)
def record_financial_assessment(*, actor, person, inputs: dict) -> FinancialAssessment:
    """Check the means with the engine (no services yet) and record the assessment, audited."""
    policy.require(actor, "funding.assess", person)
    # The engine works out the maximum weekly contribution directly from the person's means.
    request = {**inputs, "services": []}
    try:
        result = means_with_council_figures(request, date.fromisoformat(inputs["date"]))
    except ChargingError as error:
        raise ValidationError({error.field.split(".")[0].split("[")[0]: error.message}) from None
    assessment = FinancialAssessment.objects.create(
        person=person,
        setting=inputs["setting"],
        assessed_on=date.fromisoformat(inputs["date"]),
        inputs=inputs,
        result=result,
        full_cost_payer=result["full_cost_payer"],
        maximum_weekly_contribution=(
            None if result["maximum_weekly"] is None else Decimal(result["maximum_weekly"])
        ),
        rule_set=result["rule_set"]["name"],
        unconfirmed_figures=result["unconfirmed_figures"],
        recorded_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=assessment,
        person_ref=person.audit_ref,
        details={"rule_set": assessment.rule_set, "setting": assessment.setting},
    )
    return assessment

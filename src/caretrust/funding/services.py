"""Writes of the funding area that concern a person: recording a financial assessment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.funding.charging import ChargingError
from caretrust.funding.engine import assess_with_council_figures
from caretrust.funding.models import FinancialAssessment

MAXIMUM_PROBE = {
    "id": "maximum",
    "description": "Any council-arranged care (to find the maximum weekly contribution)",
    "funding": "council",
    "weekly_cost": "99999.99",
}


def age_on(birth_date: date | None, on: date) -> int:
    if birth_date is None:
        raise ValidationError("The person's date of birth is needed for a financial assessment.")
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


@transaction.atomic
def record_financial_assessment(*, actor, person, inputs: dict) -> FinancialAssessment:
    """Check the means with the engine (no services yet) and record the assessment, audited."""
    policy.require(actor, "funding.assess", person)
    # One notional council-arranged service dearer than any real plan: the engine's charge for it
    # is the person's maximum weekly contribution (what they would pay whatever the plan costs).
    request = {**inputs, "services": [MAXIMUM_PROBE]}
    try:
        result = assess_with_council_figures(request, date.fromisoformat(inputs["date"]))
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
            None if result["full_cost_payer"] else Decimal(result["person_weekly"])
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

"""Who pays for each service in a care plan: the plan's services priced from the catalogue and
charged by the engine against the person's latest financial assessment.

NHS-funded services (`nhs`) are free at the point of delivery; services the person arranges and pays
for themselves (`person_self_funded`) are theirs in full. Everything else goes through the Care Act
engine, which applies the free-service rules (CHC, reablement weeks 1–6, s117, minor adaptations,
NHS-funded nursing care) and the one weekly cap across the plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone

from caretrust.funding import catalogue
from caretrust.funding.charging import ChargingError
from caretrust.funding.engine import assess_with_council_figures
from caretrust.funding.models import FinancialAssessment

ZERO = Decimal("0.00")
OUTSIDE_THE_ENGINE = {"nhs", "person_self_funded"}
# Support given to the carer directly is the carer's, not the cared-for person's: it is never
# charged against the person's means (Care Act 2014 s.14(3); pathways.md "Carers"). Any charge for
# it is the carer's, after the carer's own assessment.
CARER_KIND = "carer_support"
CARER_REASON = (
    "support for the carer: never charged against this person's means (Care Act 2014 s.14(3))"
)
NHS_REASON = "NHS-funded care: free at the point of delivery"
SELF_FUNDED_REASON = "arranged and paid for by the person"
AWAITING = "awaiting a financial assessment"


@dataclass(frozen=True)
class ChargeLine:
    service_id: str
    description: str
    funding_stream: str
    weekly_cost: Decimal | None
    one_off_cost: Decimal | None
    price_explanation: str
    person: Decimal | None  # None until a financial assessment decides it
    council: Decimal | None
    nhs: Decimal | None
    reason: str


@dataclass(frozen=True)
class PlanCharges:
    lines: list[ChargeLine]
    assessment: FinancialAssessment | None
    person_weekly: Decimal | None
    explanation: list[dict] = field(default_factory=list)
    unconfirmed_figures: list[dict] = field(default_factory=list)
    full_cost_payer: bool = False
    problem: str = ""  # why the charge could not be worked out (e.g. a figure nobody has supplied)


def current_plan_for(person):
    """The person's current (proposed or agreed) care plan, through the reverse relation so that
    funding does not import the care-plan area; None if there is none."""
    return person.care_plans.filter(status__in=["draft", "active"]).order_by("-created_at").first()


def reablement_week(start: date, on: date) -> int:
    """Week 1 is the first seven days of the service."""
    return max(1, (on - start).days // 7 + 1)


def _priced(service) -> catalogue.Price:
    return catalogue.load().price(
        kind=service.kind,
        frequency=service.frequency,
        per=service.per,
        hours_per_visit=service.hours_per_visit,
        # A double-handed service is two workers at every visit: it costs (and is charged) as
        # two (ADR 105).
        workers=service.workers_needed,
    )


def _engine_funding(service) -> str:
    """The engine's funding kind: equipment under the aids-and-adaptations stream is an aid, free
    whatever it costs; only adaptations carry the £1,000 limit (SI 2014/2673 reg 3)."""
    if service.funding_stream == "minor_adaptation" and service.kind == "equipment":
        return "equipment"
    return service.funding_stream


def _engine_service(service, price: catalogue.Price, on: date) -> dict:
    line: dict = {
        "id": str(service.pk),
        "description": service.get_kind_display(),
        "funding": _engine_funding(service),
    }
    if price.one_off is not None:
        line["one_off_cost"] = f"{price.one_off:.2f}"
    else:
        line["weekly_cost"] = f"{price.weekly:.2f}"
    if service.funding_stream == "reablement":
        line["reablement_week"] = reablement_week(service.start, on)
    return line


def plan_charges(plan, *, on: date | None = None) -> PlanCharges:
    """Who pays for each service of `plan` on `on` (default today)."""
    on = on or timezone.localdate()
    services = list(plan.services.all().order_by("pk"))
    prices = {service.pk: _priced(service) for service in services}
    assessment = (
        FinancialAssessment.objects.filter(person=plan.person)
        .order_by("-assessed_on", "-recorded_at")
        .first()
    )
    engine_lines, result = {}, None
    engine_services = [
        s for s in services if s.funding_stream not in OUTSIDE_THE_ENGINE and s.kind != CARER_KIND
    ]
    if assessment is not None:
        request = dict(assessment.inputs)
        request["date"] = on.isoformat()
        request["services"] = [_engine_service(s, prices[s.pk], on) for s in engine_services]
        try:
            result = assess_with_council_figures(request, on)
        except ChargingError as error:
            lines = [_line(s, prices[s.pk], None) for s in services]
            return PlanCharges(lines, assessment, None, problem=str(error))
        engine_lines = {line["id"]: line for line in result["lines"]}
    lines = [_line(s, prices[s.pk], engine_lines.get(str(s.pk))) for s in services]
    return PlanCharges(
        lines=lines,
        assessment=assessment,
        person_weekly=None if result is None else _weekly_person(lines),
        explanation=[] if result is None else result["explanation"],
        unconfirmed_figures=[] if result is None else result["unconfirmed_figures"],
        full_cost_payer=bool(result and result["full_cost_payer"]),
    )


def _weekly_person(lines: list[ChargeLine]) -> Decimal:
    return sum((line.person or ZERO for line in lines if line.weekly_cost is not None), ZERO)


def _line(service, price: catalogue.Price, engine_line: dict | None) -> ChargeLine:
    cost = price.weekly if price.weekly is not None else price.one_off
    base = {
        "service_id": str(service.pk),
        "description": service.description or service.get_kind_display(),
        "funding_stream": service.funding_stream,
        "weekly_cost": price.weekly,
        "one_off_cost": price.one_off,
        "price_explanation": price.explanation,
    }
    if service.funding_stream == "nhs":
        return ChargeLine(**base, person=ZERO, council=ZERO, nhs=cost, reason=NHS_REASON)
    if service.funding_stream == "person_self_funded":
        return ChargeLine(**base, person=cost, council=ZERO, nhs=ZERO, reason=SELF_FUNDED_REASON)
    if service.kind == CARER_KIND:
        return ChargeLine(**base, person=ZERO, council=cost, nhs=ZERO, reason=CARER_REASON)
    if engine_line is None:
        return ChargeLine(**base, person=None, council=None, nhs=None, reason=AWAITING)
    return ChargeLine(
        **base,
        person=Decimal(engine_line["person"]),
        council=Decimal(engine_line["council"]),
        nhs=Decimal(engine_line["nhs"]),
        reason=engine_line["reason"],
    )

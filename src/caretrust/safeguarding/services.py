"""Writes of safeguarding records: raise a concern, decide s42, record the enquiry (MSP,
capacity, risk), add to the plan, conclude. Each is authorised, audited in the same
transaction, and moves the concern only along `states.CONCERN_STATES` with a conditional
update on the state it read (a raced or invalid move changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from caretrust import clock
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.organisations.models import User
from caretrust.people.models import Person
from caretrust.safeguarding import states
from caretrust.safeguarding.models import (
    ABUSE_TYPES,
    Concern,
    DecisionTimescale,
    Enquiry,
    Location,
    PlanAction,
    RaisedFrom,
    SafeguardingAdultsReview,
    SourceOfRisk,
)

S42, OTHER, NFA = "s42", "other", "nfa"
ROUTES = {S42: states.S42_ENQUIRY, OTHER: states.OTHER_ENQUIRY, NFA: states.NO_FURTHER_ACTION}


def _audit(actor: User, obj, action: str, **details: Any) -> None:
    audit.record(actor=actor, action=action, obj=obj, person_ref=obj.audit_ref, details=details)


def _move(actor: User, concern: Concern, target: str, **details: Any) -> None:
    """Change state only along an allowed transition, conditionally on the state read."""
    states.CONCERN_STATES.check(concern.status, target)
    changed = Concern.objects.filter(pk=concern.pk, status=concern.status).update(status=target)
    if not changed:
        raise ValidationError("Someone else has just changed this concern: open it again.")
    before, concern.status = concern.status, target
    _audit(actor, concern, AuditEvent.Action.UPDATE, status=[before, target], **details)


@dataclass(frozen=True)
class ConcernDetails:
    facts: str
    abuse_types: list[str]
    location: str
    source_of_risk: str
    immediate_actions: str = ""
    person_wishes: str = ""
    raised_from: str = RaisedFrom.PERSON
    raised_from_label: str = ""
    extra: dict = field(default_factory=dict)


@transaction.atomic
def raise_concern(*, actor: User, person: Person, details: ConcernDetails) -> Concern:
    """Record a concern; it goes to the council's safeguarding team with the s42 decision due
    within the council's timescale (`DecisionTimescale`, held as data)."""
    policy.require(actor, "safeguarding.raise", person)
    problems = {}
    if not details.facts.strip():
        problems["facts"] = "Say what has happened or what you have seen."
    unknown = set(details.abuse_types) - set(ABUSE_TYPES)
    if not details.abuse_types or unknown:
        problems["abuse_types"] = "Choose at least one type of abuse or neglect suspected."
    if details.location not in Location.values:
        problems["location"] = "Choose where the abuse or neglect happened or may happen."
    if details.source_of_risk not in SourceOfRisk.values:
        problems["source_of_risk"] = "Choose who the source of risk is."
    if details.raised_from not in RaisedFrom.values:
        problems["raised_from"] = "Unknown place the concern was raised from."
    if problems:
        raise ValidationError(problems)
    received = clock.today()
    rule = DecisionTimescale.current(received)
    concern = Concern.objects.create(
        person=person,
        raised_by=actor,
        raised_at=clock.now(),
        received_on=received,
        raised_from=details.raised_from,
        raised_from_label=details.raised_from_label[:200],
        facts=details.facts.strip(),
        immediate_actions=details.immediate_actions.strip(),
        person_wishes=details.person_wishes.strip(),
        abuse_types=[code for code in ABUSE_TYPES if code in details.abuse_types],
        location=details.location,
        source_of_risk=details.source_of_risk,
        responsible_team=rule.team,
        decision_due=rule.due(received),
        timescale_text=rule.text,
    )
    _audit(
        actor,
        concern,
        AuditEvent.Action.CREATE,
        raised_from=details.raised_from,
        decision_due=concern.decision_due.isoformat(),
        **details.extra,
    )
    return concern


@dataclass(frozen=True)
class Criteria:
    """s42(1)(a)-(c), each yes or no with its evidence."""

    care_and_support_needs: bool | None
    abuse_or_neglect: bool | None
    unable_to_protect: bool | None
    care_and_support_needs_evidence: str = ""
    abuse_or_neglect_evidence: str = ""
    unable_to_protect_evidence: str = ""

    @property
    def all_met(self) -> bool:
        return bool(
            self.care_and_support_needs and self.abuse_or_neglect and self.unable_to_protect
        )


def check_route(criteria: Criteria, route: str) -> None:
    """The s42 rule (Care Act 2014 s42(1)-(2); pathways.md §1): all three criteria met means the
    council must make, or cause, enquiries (an s42 enquiry); otherwise an "other" enquiry (where
    necessary and proportionate [S]) or no further safeguarding action. Each criterion must be
    answered with its evidence: "s42 met" as free text is a mistake the reference names."""
    problems = {}
    for name in ("care_and_support_needs", "abuse_or_neglect", "unable_to_protect"):
        if getattr(criteria, name) is None:
            problems[name] = "Answer yes or no."
        elif not getattr(criteria, f"{name}_evidence").strip():
            problems[f"{name}_evidence"] = "Give the evidence for this answer."
    if route not in ROUTES:
        problems["route"] = "Choose what happens next."
    if problems:
        raise ValidationError(problems)
    if criteria.all_met and route != S42:
        raise ValidationError(
            {
                "route": "All three section 42(1) criteria are met: the council must make "
                "enquiries (a section 42 enquiry)."
            }
        )
    if not criteria.all_met and route == S42:
        raise ValidationError(
            {
                "route": "A section 42 enquiry needs all three criteria met; choose an other "
                "safeguarding enquiry or no further safeguarding action."
            }
        )


@transaction.atomic
def decide(
    *,
    actor: User,
    concern: Concern,
    criteria: Criteria,
    route: str,
    reasons: str,
    lead: User | None = None,
    caused_to_enquire: str = Enquiry.CausedBy.COUNCIL,
    caused_body_name: str = "",
) -> Concern:
    """The s42 decision: each criterion, who decided (name and role), when, and the route. An
    enquiry route opens the enquiry with its lead (the decider unless another is named)."""
    policy.require(actor, "safeguarding.decide", concern)
    check_route(criteria, route)
    if not reasons.strip():
        raise ValidationError({"reasons": "Give the reasons for the decision."})
    if caused_to_enquire not in Enquiry.CausedBy.values:
        raise ValidationError({"caused_to_enquire": "Choose who makes the enquiries."})
    target = ROUTES[route]
    states.CONCERN_STATES.check(concern.status, target)
    now = clock.now()
    for name in (
        "care_and_support_needs",
        "abuse_or_neglect",
        "unable_to_protect",
    ):
        setattr(concern, name, getattr(criteria, name))
        setattr(concern, f"{name}_evidence", getattr(criteria, f"{name}_evidence").strip())
    concern.decision_reasons = reasons.strip()
    concern.decided_by = actor
    concern.decided_role = actor.role_label[:120]
    concern.decided_at = now
    concern.decided_on = clock.local_date(now)
    _move(actor, concern, target, route=route, in_time=concern.decided_in_time)
    concern.save()
    if route != NFA:
        enquiry = Enquiry.objects.create(
            concern=concern,
            kind=Enquiry.Kind.S42 if route == S42 else Enquiry.Kind.OTHER,
            lead=lead or actor,
            caused_to_enquire=caused_to_enquire,
            caused_body_name=caused_body_name.strip(),
            started_on=concern.decided_on,
        )
        _audit(actor, enquiry, AuditEvent.Action.CREATE, kind=enquiry.kind, lead=enquiry.lead_id)
    return concern


def _open_enquiry(actor: User, concern: Concern) -> Enquiry:
    policy.require(actor, "safeguarding.enquire", concern)
    if concern.status not in states.ENQUIRY_STATES:
        raise ValidationError(
            "The enquiry is concluded: it can no longer change."
            if concern.status == states.CONCLUDED
            else "There is no enquiry open for this concern."
        )
    return Enquiry.objects.select_for_update().get(concern=concern)


@transaction.atomic
def record_personal_outcomes(
    *,
    actor: User,
    concern: Concern,
    asked: str,
    desired_outcomes: str = "",
    not_asked_reason: str = "",
    lacked_capacity: str = "",
    advocate: bool | None = None,
) -> Enquiry:
    """Making Safeguarding Personal at the start: were the person (or their representative)
    asked what they want to happen; their outcomes in their own words; if not asked, why not
    [G 14.15; S SG4a]. Capacity (SG3a) and advocacy (s68) alongside."""
    enquiry = _open_enquiry(actor, concern)
    problems = {}
    if asked not in Enquiry.MspAsked.values:
        problems["asked"] = "Say whether the person was asked what they want to happen."
    elif asked == Enquiry.MspAsked.EXPRESSED and not desired_outcomes.strip():
        problems["desired_outcomes"] = "Write the outcomes the person wants, in their words."
    elif asked == Enquiry.MspAsked.NOT_ASKED and not not_asked_reason.strip():
        problems["not_asked_reason"] = "Say why the person was not asked."
    if lacked_capacity and lacked_capacity not in Enquiry.Capacity.values:
        problems["lacked_capacity"] = "Choose whether they lacked capacity."
    if problems:
        raise ValidationError(problems)
    enquiry.msp_asked = asked
    enquiry.desired_outcomes = desired_outcomes.strip() if asked == "expressed" else ""
    enquiry.not_asked_reason = not_asked_reason.strip() if asked == "not_asked" else ""
    enquiry.lacked_capacity = lacked_capacity
    enquiry.advocate = advocate
    enquiry.save()
    _audit(actor, enquiry, AuditEvent.Action.UPDATE, msp_asked=asked, capacity=lacked_capacity)
    return enquiry


@transaction.atomic
def record_risk(*, actor: User, concern: Concern, assessment: str, risk_found: str) -> Enquiry:
    enquiry = _open_enquiry(actor, concern)
    problems = {}
    if not assessment.strip():
        problems["assessment"] = "Write the risk assessment."
    if risk_found not in Enquiry.RiskFound.values:
        problems["risk_found"] = "Choose what the assessment found."
    if problems:
        raise ValidationError(problems)
    enquiry.risk_assessment = assessment.strip()
    enquiry.risk_found = risk_found
    enquiry.save()
    _audit(actor, enquiry, AuditEvent.Action.UPDATE, risk_found=risk_found)
    return enquiry


@transaction.atomic
def add_plan_action(
    *, actor: User, concern: Concern, action: str, owner: str, due: date | None
) -> PlanAction:
    enquiry = _open_enquiry(actor, concern)
    problems = {}
    if not action.strip():
        problems["action"] = "Say what will be done."
    if not owner.strip():
        problems["owner"] = "Say who will do it."
    if due is None:
        problems["due"] = "Enter the date it will be done by."
    if problems:
        raise ValidationError(problems)
    line = PlanAction.objects.create(
        enquiry=enquiry, action=action.strip(), owner=owner.strip(), due=due, created_by=actor
    )
    _audit(actor, enquiry, AuditEvent.Action.UPDATE, plan_action=line.pk)
    return line


@dataclass(frozen=True)
class Conclusion:
    action_taken: bool | None
    risk_result: str = ""
    msp_achieved: str = ""
    outcome_summary: str = ""
    ceased_at_request: bool = False


@transaction.atomic
def conclude(*, actor: User, concern: Concern, conclusion: Conclusion) -> Concern:
    """Close the enquiry (enquiry → concluded) with the SAC case details: action and result
    (SG2c), the risk result where a risk was identified and action taken (SG2e), and whether
    the person's outcomes were achieved where they expressed some (SG4a)."""
    enquiry = _open_enquiry(actor, concern)
    problems = {}
    if not enquiry.msp_asked:
        problems["__all__"] = "Record whether the person was asked what they want to happen."
    if not conclusion.ceased_at_request and not enquiry.risk_found:
        problems["__all__"] = "Record the risk assessment before concluding."
    if conclusion.action_taken is None and not conclusion.ceased_at_request:
        problems["action_taken"] = "Say whether action was taken."
    risk_result = ""
    if enquiry.risk_found == Enquiry.RiskFound.IDENTIFIED and conclusion.action_taken:
        if conclusion.risk_result not in Enquiry.RiskResult.values:
            problems["risk_result"] = "Choose whether the risk remained, was reduced or removed."
        if not enquiry.plan.exists():
            problems["__all__"] = "Add the safeguarding plan's actions before concluding."
        risk_result = conclusion.risk_result
    msp_achieved = ""
    if enquiry.msp_asked == Enquiry.MspAsked.EXPRESSED:
        if conclusion.msp_achieved not in Enquiry.Achieved.values:
            problems["msp_achieved"] = "Say whether the person's outcomes were achieved."
        msp_achieved = conclusion.msp_achieved
    if not conclusion.outcome_summary.strip():
        problems["outcome_summary"] = "Summarise the outcome of the enquiry."
    if problems:
        raise ValidationError(problems)
    enquiry.ceased_at_request = conclusion.ceased_at_request
    enquiry.action_taken = False if conclusion.ceased_at_request else conclusion.action_taken
    enquiry.risk_result = risk_result
    enquiry.msp_achieved = msp_achieved
    enquiry.outcome_summary = conclusion.outcome_summary.strip()
    enquiry.concluded_on = clock.today()
    enquiry.concluded_by = actor
    enquiry.save()
    _move(actor, concern, states.CONCLUDED, risk_result=risk_result, msp_achieved=msp_achieved)
    return concern


@transaction.atomic
def record_review(
    *,
    actor: User,
    concern: Concern,
    basis: str,
    decided_on: date | None,
    adult_died: bool | None,
    sab_reference: str = "",
) -> SafeguardingAdultsReview:
    """Record the Safeguarding Adults Board's decision to hold a SAR (s44) about the adult in
    this concern. In any state of the concern: a review may follow a concluded enquiry."""
    policy.require(actor, "safeguarding.review", concern)
    problems = {}
    if basis not in SafeguardingAdultsReview.Basis.values:
        problems["basis"] = "Choose whether the review is mandatory or discretionary."
    if decided_on is None:
        problems["decided_on"] = "Enter the date the board decided to hold the review."
    elif decided_on > clock.today():
        problems["decided_on"] = "The date the board decided must be today or in the past."
    if adult_died is None:
        problems["adult_died"] = "Say whether the adult died."
    if problems:
        raise ValidationError(problems)
    review = SafeguardingAdultsReview.objects.create(
        concern=concern,
        basis=basis,
        decided_on=decided_on,
        adult_died=adult_died,
        sab_reference=" ".join(sab_reference.split()),
        recorded_by=actor,
    )
    _audit(actor, review, AuditEvent.Action.CREATE, basis=basis, concern=str(concern.uuid))
    return review

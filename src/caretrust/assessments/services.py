"""Writes of the joint assessment. Findings are saved with optimistic concurrency (a version number),
contributions are appended, and the eligibility decision is computed from what is recorded."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from caretrust import clock, guard
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.assessments import eligibility
from caretrust.assessments.models import (
    Assessment,
    Contribution,
    EligibilityDecider,
    OutcomeFinding,
)
from caretrust.assessments.states import TRANSITIONS
from caretrust.organisations.models import User
from caretrust.people.models import Person

FINDING_FIELDS = (
    "health_needs",
    "what_matters",
    "impairment",
    "impairment_details",
    "significant_impact",
    "wellbeing_details",
    "desired_outcomes",
    "strengths",
    "community_resources",
    "needs_fluctuate",
    "fluctuation_period",
    "substantial_difficulty",
    "appropriate_person",
    "advocate",
    "has_carer",
    "carer_name",
    "carer_needs",
    "carer_willing_and_able",
)


class AssessmentChanged(ValidationError):
    def __init__(self, assessment: Assessment) -> None:
        super().__init__(
            "Someone else saved this assessment while you were editing it. Their changes are "
            "shown below: check them and save yours again."
        )
        self.assessment = assessment


def _audit(actor: User, assessment: Assessment, action: str, **details: Any) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=assessment,
        person_ref=assessment.person.audit_ref,
        details=details,
    )


@transaction.atomic
@guard.service_writes(Assessment)
def start_assessment(
    *, actor: User, person: Person, referral=None, started_because: str = ""
) -> Assessment:
    """Start the person's joint assessment, or return the one already in progress (done once).

    Starting it from a referral routed to the actor's team moves that referral to in-progress.
    Without a referral (s9: on the appearance of need, e.g. a review found new needs) the reason
    it started is kept."""
    policy.require(actor, "assessments.contribute", person)
    existing = Assessment.objects.filter(
        person=person, status=Assessment.Status.IN_PROGRESS
    ).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                person=person,
                referral=referral,
                started_by=actor,
                started_because=started_because.strip()[:300],
                created_at=clock.now(),
                what_matters=referral.what_matters if referral else "",
            )
    except IntegrityError:  # someone started it at the same moment: use theirs
        return Assessment.objects.get(person=person, status=Assessment.Status.IN_PROGRESS)
    _audit(actor, assessment, AuditEvent.Action.CREATE)
    if referral is not None and referral.status == "accepted":
        from caretrust.referrals import services as referral_services

        if policy.decide(actor, "referrals.progress", referral):
            referral_services.record_progress(
                actor=actor,
                referral=referral,
                to_status="in-progress",
                business_status="Joint assessment under way",
            )
    return assessment


@transaction.atomic
def contribute(*, actor: User, assessment: Assessment, section: str, text: str) -> Contribution:
    policy.require(actor, "assessments.contribute", assessment)
    if assessment.status != Assessment.Status.IN_PROGRESS:
        raise ValidationError("This assessment is completed.")
    if section not in Contribution.Section.values:
        raise ValidationError({"section": "Choose the part of the assessment this is about."})
    if not text.strip():
        raise ValidationError({"text": "Enter your contribution."})
    contribution = Contribution.objects.create(
        assessment=assessment,
        author=actor,
        organisation=actor.organisation,
        section=section,
        text=text.strip(),
    )
    _audit(actor, assessment, AuditEvent.Action.UPDATE, contribution=section)
    return contribution


@transaction.atomic
@guard.service_writes(Assessment)
def record_findings(
    *,
    actor: User,
    assessment: Assessment,
    expected_version: int,
    outcomes: dict[str, tuple[str, str]] | None = None,
    **fields: Any,
) -> Assessment:
    """Save findings only if nobody saved since `expected_version` was read; else AssessmentChanged."""
    policy.require(actor, "assessments.contribute", assessment)
    if assessment.status != Assessment.Status.IN_PROGRESS:
        raise ValidationError("This assessment is completed.")
    unknown = set(fields) - set(FINDING_FIELDS)
    if unknown:
        raise ValueError(f"not assessment findings: {sorted(unknown)}")
    for code, (difficulty, *_notes) in (outcomes or {}).items():
        if code not in eligibility.OUTCOMES or difficulty not in eligibility.DIFFICULTIES:
            raise ValidationError({f"outcome_{code}": "Choose how the person manages this."})
    updated = Assessment.objects.filter(pk=assessment.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=clock.now(), **fields
    )
    if updated != 1:
        assessment.refresh_from_db()
        raise AssessmentChanged(assessment)
    for code, (difficulty, notes, *evidence) in (outcomes or {}).items():
        OutcomeFinding.objects.update_or_create(
            assessment=assessment,
            outcome=code,
            defaults={
                "difficulty": difficulty,
                "notes": notes.strip(),
                "evidence": (evidence[0] if evidence else "").strip(),
                "recorded_by": actor,
            },
        )
    assessment.refresh_from_db()
    _audit(
        actor,
        assessment,
        AuditEvent.Action.UPDATE,
        fields=sorted(fields),
        outcomes=sorted(outcomes or {}),
    )
    return assessment


TRI_FIELDS = (
    "impairment",
    "significant_impact",
    "needs_fluctuate",
    "substantial_difficulty",
    "has_carer",
    "carer_willing_and_able",
)
_TRI_TEXT = {True: "yes", False: "no", None: ""}
_TRI_VALUE = {"yes": True, "no": False, "": None}


def finding_values(assessment: Assessment) -> dict[str, str]:
    """Every part of the findings a person edits, as the text the form shows: the ten outcomes
    (`outcome_<code>`, "" when not assessed) and each finding field (yes/no/"" for the yes-no ones).
    The form sends these back as its `base`, so a save can tell what *this* person changed."""
    values = {
        name: _TRI_TEXT[getattr(assessment, name)]
        if name in TRI_FIELDS
        else getattr(assessment, name) or ""
        for name in FINDING_FIELDS
    }
    found = {f.outcome: f for f in assessment.findings.all()}
    for code in eligibility.OUTCOMES:
        values[f"outcome_{code}"] = found[code].difficulty if code in found else ""
        values[f"notes_{code}"] = found[code].notes if code in found else ""
    return values


@dataclass(frozen=True)
class FieldConflict:
    """One part both people changed since the second one opened the page."""

    name: str
    theirs: str  # what is saved now (the first person's)
    mine: str  # what the second person typed (kept in their form, not saved)


@transaction.atomic
@guard.service_writes(Assessment)
def merge_findings(
    *, actor: User, assessment: Assessment, base: dict[str, str], mine: dict[str, str]
) -> tuple[Assessment, list[FieldConflict]]:
    """Save each part this person changed on its own (a three-way merge per field and per outcome):
    a part nobody else changed since `base` was read is saved; a part someone else changed to a
    different value is a conflict, not saved, and returned with both values. Two people editing
    different parts never lose input; the row lock makes the comparison and the write one step."""
    policy.require(actor, "assessments.contribute", assessment)
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.status != Assessment.Status.IN_PROGRESS:
        raise ValidationError("This assessment is completed.")
    current = finding_values(locked)
    unknown = set(mine) - set(current)
    if unknown:
        raise ValueError(f"not assessment findings: {sorted(unknown)}")
    changed: dict[str, str] = {}
    conflicts: list[FieldConflict] = []
    for name, value in mine.items():
        value = value or ""
        before = base.get(name, current[name]) or ""
        if value == before or value == current[name]:
            continue  # not changed by this person, or already what they want
        if current[name] != before:
            conflicts.append(FieldConflict(name, current[name], value))
            continue
        changed[name] = value
    for name, value in changed.items():
        if name.startswith("outcome_") and value and value not in eligibility.DIFFICULTIES:
            raise ValidationError({name: "Choose how the person manages this."})
        if name.startswith("notes_") and value.strip():
            code = name.removeprefix("notes_")
            if not (mine.get(f"outcome_{code}") or current[f"outcome_{code}"]):
                raise ValidationError(
                    {
                        name: f"Choose how the person manages {eligibility.OUTCOMES[code].lower()} "
                        "before adding notes about it."
                    }
                )
    per_outcome = ("outcome_", "notes_")
    fields = {
        name: _TRI_VALUE[value] if name in TRI_FIELDS else value
        for name, value in changed.items()
        if not name.startswith(per_outcome)
    }
    if changed:
        Assessment.objects.filter(pk=locked.pk).update(
            version=F("version") + 1, updated_at=clock.now(), **fields
        )
    for name, value in changed.items():
        if not name.startswith("outcome_"):
            continue
        code = name.removeprefix("outcome_")
        if value:
            OutcomeFinding.objects.update_or_create(
                assessment=locked,
                outcome=code,
                defaults={"difficulty": value, "recorded_by": actor},
            )
        else:
            OutcomeFinding.objects.filter(assessment=locked, outcome=code).delete()
    for name, value in changed.items():
        if name.startswith("notes_"):
            OutcomeFinding.objects.filter(
                assessment=locked, outcome=name.removeprefix("notes_")
            ).update(notes=value.strip(), recorded_by=actor)
    locked.refresh_from_db()
    if changed:
        _audit(
            actor,
            locked,
            AuditEvent.Action.UPDATE,
            fields=sorted(n for n in changed if not n.startswith(per_outcome)),
            outcomes=sorted({n.split("_", 1)[1] for n in changed if n.startswith(per_outcome)}),
            conflicts=sorted(c.name for c in conflicts),
        )
    return locked, conflicts


@transaction.atomic
@guard.service_writes(Assessment)
def decide_eligibility(
    *, actor: User, assessment: Assessment, expected_version: int, notes: str = ""
) -> Assessment:
    """Apply the regulation to what is recorded, keep the reasons, and complete the assessment.

    Refused (nothing changes) unless every outcome, both conditions and fluctuation are recorded,
    the actor may decide under council policy, and the assessment is still in progress."""
    policy.require(actor, "assessments.decide", assessment)
    TRANSITIONS.check(assessment.status, Assessment.Status.COMPLETED)
    result = eligibility.decide(
        impairment=assessment.impairment,
        outcomes=assessment.outcome_map(),
        significant_impact=assessment.significant_impact,
        needs_fluctuate=assessment.needs_fluctuate,
        fluctuation_period=assessment.fluctuation_period,
    )
    if result.eligible is None:
        raise ValidationError(" ".join(result.reasons))
    now = clock.now()
    updated = Assessment.objects.filter(
        pk=assessment.pk, version=expected_version, status=Assessment.Status.IN_PROGRESS
    ).update(
        version=F("version") + 1,
        eligible=result.eligible,
        decision_reasons="\n".join(result.reasons),
        decision_notes=notes.strip(),
        decided_by=actor,
        decided_at=now,
        status=Assessment.Status.COMPLETED,
        updated_at=now,
    )
    if updated != 1:
        assessment.refresh_from_db()
        raise AssessmentChanged(assessment)
    assessment.refresh_from_db()
    _audit(
        actor,
        assessment,
        AuditEvent.Action.UPDATE,
        status={"from": "in-progress", "to": "completed"},
        eligible=result.eligible,
        decider_role=actor.role_label,
        outcomes_not_achieved=list(result.outcomes_not_achieved),
    )
    from caretrust.record.services import note_care_event

    note_care_event(
        person=assessment.person,
        kind="Assessment decided",
        summary="Joint assessment: "
        + ("eligible needs" if result.eligible else "no eligible needs")
        + f" (decided by {actor.get_full_name()})",
    )
    return assessment


@transaction.atomic
@guard.service_writes(Assessment)
def end_assessment(*, actor: User, assessment: Assessment, reason: str) -> Assessment:
    """End an assessment without a decision (the person refused, s11; died; moved away), with the
    reason. Only an assessment in progress can end; anything else changes nothing."""
    policy.require(actor, "assessments.end", assessment)
    TRANSITIONS.check(assessment.status, Assessment.Status.CANCELLED)
    if not reason.strip():
        raise ValidationError({"reason": "Say why the assessment ends without a decision."})
    updated = Assessment.objects.filter(
        pk=assessment.pk, status=Assessment.Status.IN_PROGRESS
    ).update(
        status=Assessment.Status.CANCELLED,
        ended_reason=reason.strip(),
        version=F("version") + 1,
        updated_at=clock.now(),
    )
    assessment.refresh_from_db()
    if updated != 1:
        TRANSITIONS.check(assessment.status, Assessment.Status.CANCELLED)
    _audit(
        actor,
        assessment,
        AuditEvent.Action.UPDATE,
        status={"from": "in-progress", "to": "cancelled"},
        reason=reason.strip(),
    )
    return assessment


@transaction.atomic
def add_decider_rule(
    *, actor: User, profession: str = "", user: User | None = None, note: str = ""
) -> EligibilityDecider:
    """Council policy: let a profession, or one named practitioner, decide eligibility."""
    policy.require(actor, "assessments.manage_deciders")
    if bool(profession) == (user is not None):
        raise ValidationError({"profession": "Choose a profession or a named practitioner"})
    if profession and profession not in User.Profession.values:
        raise ValidationError({"profession": "Choose a profession"})
    if EligibilityDecider.objects.filter(profession=profession, user=user).exists():
        raise ValidationError({"profession": "That rule is already there"})
    rule = EligibilityDecider.objects.create(
        profession=profession, user=user, note=note.strip()[:300], created_at=clock.now()
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=rule,
        details={"profession": profession, "user": user.username if user else ""},
    )
    return rule


@transaction.atomic
def remove_decider_rule(*, actor: User, rule: EligibilityDecider) -> None:
    policy.require(actor, "assessments.manage_deciders")
    details = {"profession": rule.profession, "user": rule.user.username if rule.user else ""}
    audit.record(actor=actor, action=AuditEvent.Action.DELETE, obj=rule, details=details)
    rule.delete()

"""Writes of care plans and visits. Every plan change is a conditional UPDATE on the plan's version:
if someone saved since the editor read the plan, nothing is written and `CarePlanConflict` carries
what the other person changed. Each save keeps a snapshot (version history) and an audit event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from caretrust import clock, guard
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.careplans import funding_authority
from caretrust.careplans.models import (
    CarePlan,
    CarePlanVersion,
    CareTeamMember,
    DuplicateDismissal,
    Goal,
    PlannedService,
    Visit,
)
from caretrust.careplans.snapshots import differences, snapshot
from caretrust.organisations.models import Organisation, Team, User
from caretrust.people.models import Person
from caretrust.statemachine import Transitions

DEFAULT_REVIEW_WEEKS = 6
# Draft → agreed → ended; an agreed plan changes by new versions, not by going back to draft.
PLAN_TRANSITIONS = Transitions(
    "care plan", {"draft": {"active", "completed"}, "active": {"completed"}, "completed": set()}
)
DEFAULT_VISIT_HORIZON_DAYS = 14
DEFAULT_DUPLICATE_WINDOW_DAYS = 7


# Called in the transaction that agrees a plan, with the first review's window: areas above care
# plans register here from their AppConfig.ready() (reviews schedules the first review), so care
# plans never imports them (ADR 75).
_on_agreed: list = []


def register_on_agreed(callback) -> None:
    if callback not in _on_agreed:
        _on_agreed.append(callback)


def duplicate_window() -> timedelta:
    return timedelta(
        days=getattr(
            settings, "CARETRUST_DUPLICATE_VISIT_WINDOW_DAYS", DEFAULT_DUPLICATE_WINDOW_DAYS
        )
    )


@dataclass(frozen=True)
class OtherChange:
    who: str
    when: str
    summary: str
    lines: list[str]


class CarePlanConflict(ValidationError):
    """The plan changed since it was read. `changes` says who changed what; nothing was written."""

    def __init__(self, plan: CarePlan, since_version: int) -> None:
        versions = list(plan.versions.filter(number__gt=since_version).select_related("saved_by"))
        base = plan.versions.filter(number=since_version).first()
        before = base.snapshot if base else {}
        self.changes = []
        for version in versions:
            self.changes.append(
                OtherChange(
                    who=version.saved_by.get_full_name() or version.saved_by.username,
                    when=timezone.localtime(version.saved_at).strftime("%H:%M on %d %B %Y"),
                    summary=version.summary,
                    lines=differences(before, version.snapshot),
                )
            )
            before = version.snapshot
        who = ", ".join(sorted({c.who for c in self.changes})) or "Someone"
        super().__init__(
            f"{who} changed this care plan after you opened it. Your change was not saved: "
            "check their change and make yours again."
        )
        self.plan = plan


def _save_version(plan: CarePlan, actor: User, summary: str) -> None:
    CarePlanVersion.objects.create(
        plan=plan, number=plan.version, snapshot=snapshot(plan), summary=summary, saved_by=actor
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE if plan.version > 1 else AuditEvent.Action.CREATE,
        obj=plan,
        person_ref=plan.person.audit_ref,
        details={"version": plan.version, "summary": summary},
    )


@guard.service_writes(CarePlan)
def _claim_version(plan: CarePlan, expected_version: int, **fields: Any) -> CarePlan:
    """The optimistic lock: bump the version only if it is still the one the editor read."""
    now = timezone.now()
    updated = CarePlan.objects.filter(pk=plan.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=now, **fields
    )
    if updated != 1:
        plan.refresh_from_db()
        raise CarePlanConflict(plan, expected_version)
    plan.refresh_from_db()
    return plan


@transaction.atomic
@guard.service_writes(CarePlan)
def create_plan(
    *,
    actor: User,
    person: Person,
    referral=None,
    assessment=None,
    coordinator: User | None = None,
    review_date: date | None = None,
) -> CarePlan:
    """Start the person's one shared plan (or return the current one), with its first care team:
    the named co-ordinator, the team the referral was routed to, and the assessors."""
    policy.require(actor, "careplans.edit", person)
    current = CarePlan.objects.filter(person=person, status__in=["draft", "active"]).first()
    if current is not None:
        return current
    coordinator = coordinator or (
        referral.claimed_by if referral and referral.claimed_by_id else actor
    )
    try:
        with transaction.atomic():
            plan = CarePlan.objects.create(
                person=person,
                referral=referral,
                assessment=assessment,
                coordinator=coordinator,
                review_date=review_date or (clock.today() + timedelta(weeks=DEFAULT_REVIEW_WEEKS)),
                created_by=actor,
            )
    except IntegrityError:
        return CarePlan.objects.get(person=person, status__in=["draft", "active"])
    CareTeamMember.objects.create(
        plan=plan,
        user=coordinator,
        organisation=coordinator.organisation,
        role="Named co-ordinator",
    )
    if referral is not None and referral.routed_team_id:
        CareTeamMember.objects.create(
            plan=plan,
            team=referral.routed_team,
            organisation=referral.routed_team.host_organisation,
            role="Locality team",
        )
    if assessment is not None:
        assessors = {
            c.author for c in assessment.contributions.select_related("author__organisation")
        }
        for user in sorted(assessors, key=lambda u: u.pk):
            CareTeamMember.objects.create(
                plan=plan, user=user, organisation=user.organisation, role=user.role_label
            )
        if assessment.what_matters:
            Goal.objects.create(plan=plan, text=assessment.what_matters, position=0)
    elif referral is not None and referral.what_matters:
        Goal.objects.create(plan=plan, text=referral.what_matters, position=0)
    _save_version(plan, actor, "Plan started")
    return plan


@transaction.atomic
def update_plan(
    *,
    actor: User,
    plan: CarePlan,
    expected_version: int,
    goals: list[str] | None = None,
    review_date: date | None = None,
    coordinator: User | None = None,
    summary: str = "Plan details changed",
) -> CarePlan:
    policy.require(actor, "careplans.edit", plan)
    fields: dict[str, Any] = {}
    if review_date is not None:
        fields["review_date"] = review_date
    if coordinator is not None:
        if coordinator.role not in (User.Role.COORDINATOR, User.Role.PRACTITIONER):
            raise ValidationError(
                {"coordinator": "The named co-ordinator must be a member of staff."}
            )
        fields["coordinator"] = coordinator
    plan = _claim_version(plan, expected_version, **fields)
    if goals is not None:
        cleaned = [g.strip() for g in goals if g.strip()]
        plan.goals.all().delete()
        Goal.objects.bulk_create(
            [Goal(plan=plan, text=text, position=i) for i, text in enumerate(cleaned)]
        )
    _save_version(plan, actor, summary)
    return plan


@transaction.atomic
def add_service(
    *,
    actor: User,
    plan: CarePlan,
    expected_version: int,
    kind: str,
    provider_organisation: Organisation,
    start: date,
    funding_stream: str,
    provider_team: Team | None = None,
    frequency: int = 1,
    per: str = PlannedService.Period.WEEK,
    hours_per_visit: Decimal | None = None,
    end: date | None = None,
    visit_kind: str = "",
    description: str = "",
    provider_practitioner: User | None = None,
    workers_needed: int = 1,
    second_worker_team: Team | None = None,
) -> PlannedService:
    policy.require(actor, "careplans.edit", plan)
    _check_who_visits(provider_practitioner, workers_needed, provider_team, second_worker_team)
    if kind not in PlannedService.Kind.values:
        raise ValidationError({"kind": "Choose the kind of service."})
    if funding_stream not in PlannedService.FundingStream.values:
        raise ValidationError({"funding_stream": "Choose who funds this service."})
    refused = funding_authority.missing(plan.person, funding_stream, start)
    if refused:
        label = PlannedService.FundingStream(funding_stream).label
        raise ValidationError({"funding_stream": f"{label} {refused}."})
    if end is not None and end < start:
        raise ValidationError({"end": "The end date must be on or after the start date."})
    if per not in PlannedService.Period.values or frequency < 1:
        raise ValidationError({"frequency": "Enter how often the service is provided."})
    plan = _claim_version(plan, expected_version)
    service = PlannedService.objects.create(
        plan=plan,
        kind=kind,
        description=description.strip(),
        provider_organisation=provider_organisation,
        provider_team=provider_team,
        provider_practitioner=provider_practitioner,
        workers_needed=workers_needed,
        second_worker_team=second_worker_team if workers_needed > 1 else None,
        frequency=frequency,
        per=per,
        hours_per_visit=hours_per_visit,
        start=start,
        end=end,
        visit_kind=visit_kind or PlannedService.DEFAULT_VISIT_KIND[PlannedService.Kind(kind)],
        funding_stream=funding_stream,
    )
    _save_version(
        plan, actor, f"Added {service.get_kind_display().lower()} from {provider_organisation.name}"
    )
    return service


def _check_who_visits(
    practitioner: User | None, workers_needed: int, team: Team | None, second_team: Team | None
) -> None:
    if practitioner is not None and (
        not practitioner.is_active
        or practitioner.role not in (User.Role.PRACTITIONER, User.Role.COORDINATOR)
    ):
        raise ValidationError({"provider_practitioner": "Choose a practitioner who can visit."})
    if workers_needed not in (1, 2):
        raise ValidationError({"workers_needed": "Choose one worker or two (double-handed)."})
    if workers_needed == 2 and team is None and second_team is None:
        raise ValidationError(
            {"second_worker_team": "Choose the team the second worker comes from."}
        )


@transaction.atomic
def name_who_visits(
    *,
    actor: User,
    plan: CarePlan,
    expected_version: int,
    service: PlannedService,
    team: Team | None = None,
    practitioner: User | None = None,
) -> PlannedService:
    """Name the team or practitioner who delivers a service (an orphaned one, or a change of
    worker). Its planned visits from today move to them, so they appear on their visit list."""
    policy.require(actor, "careplans.edit", plan)
    if service.plan_id != plan.pk:
        raise ValidationError("That service is not on this plan.")
    if (team is None) == (practitioner is None):
        raise ValidationError({"provider_team": "Choose a team or a named practitioner."})
    _check_who_visits(practitioner, 1, team, None)
    plan = _claim_version(plan, expected_version)
    service.provider_team = team
    service.provider_practitioner = practitioner
    service.save(update_fields=["provider_team", "provider_practitioner"])
    moved = service.visits.filter(
        status=Visit.Status.PLANNED, worker=1, date__gte=timezone.localdate()
    ).update(team=team, practitioner=practitioner)
    who = practitioner.get_full_name() if practitioner else team.name
    _save_version(plan, actor, f"{service.get_kind_display()}: visits by {who}")
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=service,
        person_ref=plan.person.audit_ref,
        details={"who_visits": who, "visits_moved": moved},
    )
    return service


@transaction.atomic
def remove_service(
    *, actor: User, plan: CarePlan, expected_version: int, service: PlannedService
) -> CarePlan:
    policy.require(actor, "careplans.edit", plan)
    if service.plan_id != plan.pk:
        raise ValidationError("That service is not on this plan.")
    plan = _claim_version(plan, expected_version)
    label = str(service)
    service.visits.filter(status=Visit.Status.PLANNED).update(status=Visit.Status.CANCELLED)
    service.delete()
    _save_version(plan, actor, f"Removed {label}")
    return plan


@transaction.atomic
def add_care_team_member(
    *,
    actor: User,
    plan: CarePlan,
    expected_version: int,
    role: str,
    user: User | None = None,
    team: Team | None = None,
    organisation: Organisation | None = None,
) -> CareTeamMember:
    policy.require(actor, "careplans.edit", plan)
    if sum(x is not None for x in (user, team)) != 1 and organisation is None:
        raise ValidationError({"member": "Choose a practitioner, a team or an organisation."})
    if not role.strip():
        raise ValidationError({"role": "Enter their role in the person's care."})
    plan = _claim_version(plan, expected_version)
    member = CareTeamMember.objects.create(
        plan=plan,
        user=user,
        team=team,
        organisation=organisation
        or (user.organisation if user else team.host_organisation if team else None),
        role=role.strip(),
    )
    _save_version(plan, actor, f"{member.display_name} joined the care team")
    return member


@transaction.atomic
def agree_plan(*, actor: User, plan: CarePlan, expected_version: int) -> CarePlan:
    """The person and the care team agree the plan: it becomes active, its visits are generated,
    its first review is scheduled (6 to 8 weeks on, s27) and the referral that led to it is
    completed (the referrer sees it: the closed loop). Refused, with everything still missing,
    unless the agreement checklist is complete (a current "eligible" decision; each free line's
    authority)."""
    from caretrust.careplans.selectors import agreement_checklist

    policy.require(actor, "careplans.edit", plan)
    PLAN_TRANSITIONS.check(plan.status, CarePlan.Status.ACTIVE)
    missing = [item.text for item in agreement_checklist(plan) if not item.done]
    if missing:
        raise ValidationError("Before the plan can be agreed: " + "; ".join(missing) + ".")
    from caretrust.careplans import review_schedule as scheduling

    agreed_at = clock.now()
    first_review = scheduling.first_review_window(clock.local_date(agreed_at))
    plan = _claim_version(
        plan,
        expected_version,
        status=CarePlan.Status.ACTIVE,
        agreed_at=agreed_at,
        review_date=first_review.latest,
    )
    _save_version(plan, actor, "Plan agreed")
    for on_agreed in _on_agreed:  # the reviews area schedules the first review (ADR 73)
        on_agreed(actor=actor, plan=plan, window=first_review)
    from caretrust.record.services import note_care_event

    note_care_event(
        person=plan.person,
        kind="Care plan agreed",
        summary=f"Care plan agreed (co-ordinator {actor.get_full_name()}); review by "
        f"{plan.review_date:%d %b %Y}",
    )
    generate_visits(actor=actor, plan=plan)
    referral = plan.referral
    if referral is not None and referral.status in ("accepted", "in-progress"):
        from caretrust.referrals import services as referrals

        if policy.decide(actor, "referrals.progress", referral):
            referrals.record_progress(
                actor=actor,
                referral=referral,
                to_status="completed",
                business_status="Care plan agreed",
            )
    return plan


def _dates(service: PlannedService, first: date, last: date) -> list[tuple[date, int]]:
    """The (date, sequence) slots of a service between `first` and `last`.

    Daily services have `frequency` slots each day; weekly ones spread `frequency` days evenly over each
    week from the service's start; a one-off happens on its start date."""
    if service.per == PlannedService.Period.ONCE:
        return [(service.start, 1)] if first <= service.start <= last else []
    start = max(service.start, first)
    end = min(service.end or last, last)
    weekly_offsets = {
        round(i * 7 / min(service.frequency, 7)) for i in range(min(service.frequency, 7))
    }
    slots: list[tuple[date, int]] = []
    day = start
    while day <= end:
        if service.per == PlannedService.Period.DAY:
            slots += [(day, n) for n in range(1, service.frequency + 1)]
        elif (day - service.start).days % 7 in weekly_offsets:
            slots.append((day, 1))
        day += timedelta(days=1)
    return slots


# The usual times of a day's calls: one a day is mid-morning; more are spread over the day.
CALL_TIMES = {1: time(8, 30), 2: time(12, 30), 3: time(17, 0), 4: time(20, 0)}


def visit_time(service: PlannedService, sequence: int) -> time:
    if service.per == "day" and service.frequency > 1:
        return CALL_TIMES.get(sequence, time(20, 0))
    return time(10, 0)


@transaction.atomic
def record_visit(*, actor: User, visit: Visit, outcome: str, reason: str = "") -> Visit:
    """The worker records what happened: done, missed or cancelled (the last two with a reason).
    A missed visit raises an urgent task for the plan's named co-ordinator (or the visiting team)."""
    policy.require(actor, "careplans.record_visit", visit)
    if outcome not in (Visit.Status.DONE, Visit.Status.MISSED, Visit.Status.CANCELLED):
        raise ValidationError("Record a visit as done, missed or cancelled.")
    reason = (reason or "").strip()
    if outcome != Visit.Status.DONE and not reason:
        raise ValidationError({"reason": f"Say why the visit was {outcome}."})
    now = timezone.now()
    updated = Visit.objects.filter(pk=visit.pk, status=Visit.Status.PLANNED).update(
        status=outcome, outcome_reason=reason, outcome_by=actor, outcome_at=now
    )
    if updated != 1:
        visit.refresh_from_db()
        raise ValidationError(
            f"This visit is already recorded as {visit.get_status_display().lower()}."
        )
    visit.refresh_from_db()
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=visit,
        person_ref=visit.person.audit_ref,
        reason=reason,
        details={"visit": str(visit.uuid), "status": outcome},
    )
    from caretrust.record.services import note_care_event

    label = f"{visit.get_kind_display()} on {visit.date:%d %b %Y}"
    note_care_event(
        person=visit.person,
        kind=f"Visit {visit.get_status_display().lower()}",
        summary=f"{label}: {visit.get_status_display().lower()}"
        + (f" ({reason})" if reason else "")
        + f", recorded by {actor.get_full_name()}",
    )
    if outcome == Visit.Status.MISSED:
        from caretrust.workspace.services import raise_task

        coordinator = visit.plan.coordinator if visit.plan_id else None
        raise_task(
            actor=actor,
            person=visit.person,
            code="missed-visit",
            title=f"Missed visit: {label}",
            description=f"Recorded by {actor.get_full_name()}: {reason}",
            due_date=clock.today(),
            assigned_user=coordinator,
            assigned_team=None if coordinator else visit.team,
            raised_by=f"careplans.visit:{visit.uuid}",
        )
    return visit


def _who_visits(service: PlannedService, worker: int) -> dict[str, Any]:
    """The first worker is the named practitioner or the service's team; the second worker of a
    double-handed call comes from the second worker's team (or the same team)."""
    if worker == 1 or service.second_worker_team_id is None:
        return {
            "organisation_id": service.provider_organisation_id,
            "team": service.provider_team,
            "practitioner": service.provider_practitioner if worker == 1 else None,
        }
    team = service.second_worker_team
    return {"organisation_id": team.host_organisation_id, "team": team, "practitioner": None}


@transaction.atomic
def generate_visits(*, actor: User, plan: CarePlan, horizon_days: int | None = None) -> int:
    """Create the planned visits for the next `horizon_days` (idempotent: existing slots are kept)."""
    policy.require(actor, "careplans.edit", plan)
    horizon = horizon_days or getattr(
        settings, "CARETRUST_VISIT_HORIZON_DAYS", DEFAULT_VISIT_HORIZON_DAYS
    )
    first = clock.today()
    last = first + timedelta(days=horizon)
    created = 0
    for service in plan.services.select_related("provider_team", "second_worker_team"):
        existing = set(service.visits.values_list("date", "sequence", "worker"))
        new = [
            Visit(
                person=plan.person,
                plan=plan,
                planned_service=service,
                sequence=sequence,
                worker=worker,
                kind=service.visit_kind,
                date=day,
                time=visit_time(service, sequence),
                **_who_visits(service, worker),
            )
            for day, sequence in _dates(service, first, last)
            for worker in range(1, service.workers_needed + 1)
            if (day, sequence, worker) not in existing
        ]
        Visit.objects.bulk_create(new)
        created += len(new)
    if created:
        audit.record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=plan,
            person_ref=plan.person.audit_ref,
            details={"visits_generated": created},
        )
    return created


@dataclass(frozen=True)
class DuplicateGroup:
    """Visits of the same kind for the same person by different organisations, close in time."""

    visits: tuple[Visit, ...]

    @property
    def organisations(self) -> list[str]:
        return sorted({v.organisation.name for v in self.visits})


def _same_service(visit: Visit, other: Visit) -> bool:
    return (
        visit.planned_service_id is not None
        and visit.planned_service_id == other.planned_service_id
    )


def find_duplicate_visits(person: Person, window: timedelta | None = None) -> list[DuplicateGroup]:
    window = window or duplicate_window()
    visits = list(
        Visit.objects.filter(person=person, status=Visit.Status.PLANNED)
        .select_related("organisation", "team", "practitioner")
        .order_by("kind", "date", "id")
    )
    dismissed = {
        frozenset((d.first_id, d.second_id))
        for d in DuplicateDismissal.objects.filter(first__person=person)
    }
    groups: list[DuplicateGroup] = []
    used: set[int] = set()
    for i, visit in enumerate(visits):
        if visit.pk in used:
            continue
        group = [visit]
        for other in visits[i + 1 :]:
            if other.kind != visit.kind or other.pk in used:
                continue
            if abs((other.date - visit.date).days) > window.days:
                continue
            if any(other.organisation_id == g.organisation_id for g in group):
                continue  # same organisation: a repeat visit, not a duplicate
            if any(_same_service(other, g) for g in group):
                continue  # one service's own calls, or the two workers of a double-handed call
            if frozenset((visit.pk, other.pk)) in dismissed:
                continue
            group.append(other)
        if len(group) > 1:
            used.update(v.pk for v in group)
            groups.append(DuplicateGroup(tuple(group)))
    return groups


@transaction.atomic
def merge_visits(*, actor: User, keep: Visit, merge: list[Visit]) -> Visit:
    """Make `keep` one joint visit; the others point at it. Audited with every visit involved."""
    policy.require(actor, "careplans.merge_visits", keep.person)
    if not merge:
        raise ValidationError("Choose the visits to merge.")
    ids = [v.pk for v in merge]
    locked = list(Visit.objects.select_for_update().filter(pk__in=[keep.pk, *ids]).order_by("pk"))
    by_id = {v.pk: v for v in locked}
    keep = by_id[keep.pk]
    if any(by_id[pk].status != Visit.Status.PLANNED for pk in [keep.pk, *ids]):
        raise ValidationError("One of these visits has already been merged, done or cancelled.")
    if any(by_id[pk].person_id != keep.person_id or by_id[pk].kind != keep.kind for pk in ids):
        raise ValidationError("Only visits of the same kind for the same person can be merged.")
    partners = list(keep.joint_with)
    for pk in ids:
        other = by_id[pk]
        name = other.organisation.name
        if other.practitioner_id:
            name = f"{other.practitioner.get_full_name()}, {name}"
        if name not in partners:
            partners.append(name)
    Visit.objects.filter(pk__in=ids).update(status=Visit.Status.MERGED, merged_into=keep)
    keep.joint_with = partners
    keep.save(update_fields=["joint_with"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=keep,
        person_ref=keep.person.audit_ref,
        details={"merged_visits": [str(by_id[pk].uuid) for pk in ids], "joint_with": partners},
    )
    return keep


@transaction.atomic
def dismiss_duplicate(
    *, actor: User, first: Visit, second: Visit, reason: str
) -> DuplicateDismissal:
    policy.require(actor, "careplans.merge_visits", first.person)
    if not reason.strip():
        raise ValidationError({"reason": "Say why these are not duplicates."})
    dismissal = DuplicateDismissal.objects.create(
        first=first, second=second, dismissed_by=actor, reason=reason.strip()
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=dismissal,
        person_ref=first.person.audit_ref,
        reason=reason.strip(),
    )
    return dismissal

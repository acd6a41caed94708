"""Reads of care plans and visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from caretrust import clock
from caretrust.careplans.models import CarePlan, Visit
from caretrust.organisations.models import User
from caretrust.people.models import Person
from caretrust.referrals.selectors import user_team_ids


def team_visits(user: User, day: date) -> list[Visit]:
    """The visits on `day` for the user's teams, or assigned to the user (merged ones excluded)."""
    return list(team_visits_query(user, day))


def team_visits_query(user: User, day: date) -> QuerySet[Visit]:
    """`team_visits` as a query, so a summary can count them and show the first few. Audits
    itself (ADR 89): the visits fetched record a read of each person visited."""
    from django.db.models import Q

    from caretrust.access import audit

    return audit.audited(
        Visit.objects.filter(Q(team_id__in=user_team_ids(user)) | Q(practitioner=user), date=day)
        .exclude(status__in=[Visit.Status.MERGED, Visit.Status.CANCELLED])
        .select_related("person", "organisation", "team", "practitioner", "planned_service")
        .order_by("time", "person__family_name", "kind", "sequence"),
        actor=user,
        object_type="careplans.visits",
    )


def next_planned_visits(person_ids: set[int], start: date, days: int = 14) -> dict[int, Visit]:
    """Each person's first planned visit from `start` to `days` later, for many people in one
    query (what a list of people shows beside each: "next visit")."""
    from datetime import timedelta

    from django.db.models import OuterRef, Subquery

    if not person_ids:
        return {}
    first = (
        Visit.objects.filter(
            person=OuterRef("pk"),
            status=Visit.Status.PLANNED,
            date__gte=start,
            date__lte=start + timedelta(days=days),
        )
        .order_by("date", "sequence", "id")
        .values("pk")[:1]
    )
    firsts = Person.objects.filter(pk__in=person_ids).annotate(visit=Subquery(first))
    return {
        visit.person_id: visit
        # What a caseload row shows of it: the date and the kind (no team, organisation or
        # practitioner built for each; ADR 130).
        for visit in Visit.objects.filter(pk__in=firsts.values("visit")).only(
            "person_id", "date", "kind"
        )
    }


def plan_for(
    viewer: User,
    uuid,
    *,
    purpose: str,
    details: dict | None = None,
    action: str = "careplans.view",
) -> CarePlan:
    """One plan for a page about it: Http404 if there is none, PermissionDenied (the refusal
    noted) if the page's rule (`careplans.view`, the record rule; a form that changes the plan
    passes `careplans.edit`) refuses `viewer`, else the plan with the read recorded (ADR 107).
    The decision is kept for the page's other per-person selectors."""
    from django.shortcuts import get_object_or_404

    from caretrust.access import audit

    plan = get_object_or_404(
        CarePlan.objects.select_related("person", "coordinator", "referral"), uuid=uuid
    )
    decision = audit.authorised_read(
        viewer,
        action,
        plan,
        person=plan.person,
        purpose=purpose,
        obj=plan,
        details=details,
    )
    audit.remember_read_decision(viewer, plan.person, decision)
    return plan


def current_plan(person: Person, *, viewer: User) -> CarePlan | None:
    """The person's current (draft or agreed) plan, when `viewer` may read the person's record
    (the read recorded, ADR 101); else None."""
    from caretrust.access import audit

    if not audit.person_read(viewer, person, purpose="careplans.current_plan"):
        return None
    return (
        CarePlan.objects.filter(person=person, status__in=["draft", "active"])
        .select_related("coordinator", "person")
        .first()
    )


def upcoming_visits(person: Person, start: date, days: int = 14, *, viewer: User) -> list[Visit]:
    """The person's visits from `start` for `days` days, when `viewer` may read the person's
    record (the read recorded, ADR 101); else none."""
    from datetime import timedelta

    from caretrust.access import audit

    if not audit.person_read(viewer, person, purpose="careplans.upcoming_visits"):
        return []
    return list(
        Visit.objects.filter(person=person, date__gte=start, date__lte=start + timedelta(days=days))
        .exclude(status__in=[Visit.Status.MERGED, Visit.Status.CANCELLED])
        .select_related("organisation", "team", "practitioner", "planned_service")
        .order_by("date", "sequence")
    )


def means_tested_plans():
    """Current (proposed or agreed) plans with a line the person may be charged for, as the
    finance officer's worklist reads them (registered with funding.worklist)."""
    from caretrust.funding.worklist import MEANS_TESTED_STREAMS, MeansTestedPlan

    plans = (
        CarePlan.objects.filter(
            status__in=["draft", "active"], services__funding_stream__in=MEANS_TESTED_STREAMS
        )
        .distinct()
        .values_list("person_id", "uuid", "status", "created_at")
    )
    for person_id, uuid, status, created_at in plans:
        yield MeansTestedPlan(person_id, str(uuid), status, clock.local_date(created_at))


def orphaned_services(coordinator: User):
    """Services on the plans this user co-ordinates that name no team and no practitioner: their
    visits are on nobody's list until someone is named (ADR 72)."""
    from caretrust.careplans.models import PlannedService

    return (
        PlannedService.objects.filter(
            plan__coordinator=coordinator,
            plan__status__in=[CarePlan.Status.DRAFT, CarePlan.Status.ACTIVE],
            provider_team__isnull=True,
            provider_practitioner__isnull=True,
        )
        .select_related("plan__person", "provider_organisation")
        .order_by("plan__person__family_name", "start", "id")
    )


def orphaned_services_shown(viewer: User) -> list:
    """`orphaned_services` for the page that lists them: the services of the plans `viewer`
    co-ordinates (their relationship with each person), recording a read of each person listed
    (ADR 107; the home page's count records nothing)."""
    from caretrust.access import audit

    found = list(orphaned_services(viewer))
    audit.people_shown(
        actor=viewer, objects=[s.plan for s in found], object_type="careplans.services"
    )
    return found


@dataclass(frozen=True)
class ChecklistItem:
    text: str
    done: bool


def agreement_checklist(plan: CarePlan) -> list[ChecklistItem]:
    """What a plan needs before it is agreed, each item done or not (shown on the plan page;
    `services.agree_plan` refuses while any is not done)."""
    from caretrust.assessments.selectors import eligibility_decision_of
    from caretrust.careplans import funding_authority
    from caretrust.funding.worklist import MEANS_TESTED_STREAMS

    decision = eligibility_decision_of(plan.person)
    care_act = plan.services.filter(funding_stream__in=MEANS_TESTED_STREAMS).exists()
    if not care_act and plan.services.exists() and (decision is None or not decision.eligible):
        # NHS care alone (community nursing, therapy) is not arranged under the Care Act: it
        # needs no eligibility decision, so an integrated team can agree a health-only plan.
        eligibility = ChecklistItem(
            "no council-arranged services: a Care Act eligibility decision is not needed", True
        )
    elif decision is None:
        eligibility = ChecklistItem(
            "a Care Act eligibility decision that the person has eligible needs (none is recorded)",
            False,
        )
    elif not decision.eligible:
        eligibility = ChecklistItem(
            "a current eligibility decision of eligible needs (the latest, "
            f"{decision.decided_at:%d %B %Y}, found no eligible needs)",
            False,
        )
    else:
        eligibility = ChecklistItem(
            f"eligible needs decided on {decision.decided_at:%d %B %Y} by "
            f"{decision.decided_by.get_full_name()}",
            True,
        )
    items = [
        eligibility,
        ChecklistItem("at least one goal in the person's own words", plan.goals.exists()),
        ChecklistItem("at least one service", plan.services.exists()),
    ]
    for service in plan.services.select_related("provider_organisation"):
        if not funding_authority.needs_authority(service.funding_stream):
            continue
        refused = funding_authority.missing(plan.person, service.funding_stream, service.start)
        label = f"{service.get_kind_display()} ({service.get_funding_stream_display()})"
        items.append(
            ChecklistItem(
                f"{label} {refused}" if refused else f"{label}: its authority is recorded",
                refused is None,
            )
        )
    return items

"""The finance officer's work: people waiting for a financial assessment and reassessments due.

Funding does not import the care-plan area (care plans import funding to say who pays), so the
care-plan area registers a *source*: the current (proposed or agreed) plans with council-funded,
means-tested lines. This module decides who is waiting and whose assessment is due:

- waiting: such a plan and no financial assessment since the plan was made, oldest plan first;
- due: the latest assessment is a year old within four weeks (reassessed at least yearly), or was
  made under figures no longer in force (the national figures change each April: MIG, personal
  expenses allowance), oldest assessment first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from caretrust.access import audit, relationships
from caretrust.funding.charging import ChargingError, default_rule_book
from caretrust.funding.models import FinancialAssessment

# Funding streams of plan lines the person may be charged for (council-arranged care, reablement
# after its free weeks, adaptations over the limit, care-home fees).
MEANS_TESTED_STREAMS = ("council", "reablement", "minor_adaptation", "nursing_home_fee")
REASSESS_AFTER = timedelta(days=365)
DUE_SOON = timedelta(days=28)


@dataclass(frozen=True)
class MeansTestedPlan:
    person_id: int
    plan_ref: str
    status: str  # "draft" (proposed) or "active" (agreed)
    since: date  # when the plan was made


PlanSource = Callable[[], Iterable[MeansTestedPlan]]
_sources: dict[str, PlanSource] = {}


def register_source(name: str, source: PlanSource) -> None:
    _sources[name] = source


@dataclass(frozen=True)
class WorkRow:
    person: object  # people.Person
    plan_ref: str
    plan_status: str
    since: date
    reason: str
    assessment: FinancialAssessment | None


@dataclass(frozen=True)
class FinanceWork:
    waiting: list[WorkRow]
    due: list[WorkRow]


def _rule_set_today(nation: str, today: date) -> str | None:
    try:
        return default_rule_book().rule_set_for(nation, today).name
    except ChargingError:
        return None


def finance_work(user, today: date) -> FinanceWork:
    """Waiting and due lists for `user`, limited to the people whose record they may read (in the
    query), each person returned recorded as read ("funding.worklist", ADR 108)."""
    from caretrust.people.models import Person

    visible = relationships.visible_person_ids(user)
    plans: dict[int, MeansTestedPlan] = {}
    for source in _sources.values():
        for plan in source():
            if plan.person_id in visible and (
                plan.person_id not in plans or plan.since < plans[plan.person_id].since
            ):
                plans[plan.person_id] = plan
    if not plans:
        return FinanceWork([], [])
    people = Person.objects.in_bulk(list(plans))
    latest: dict[int, FinancialAssessment] = {}
    for assessment in FinancialAssessment.objects.filter(person_id__in=list(plans)).order_by(
        "person_id", "-assessed_on", "-recorded_at"
    ):
        latest.setdefault(assessment.person_id, assessment)
    waiting, due = [], []
    for person_id, plan in plans.items():
        person = people.get(person_id)
        if person is None:
            continue
        assessment = latest.get(person_id)
        if assessment is None or assessment.assessed_on < plan.since - REASSESS_AFTER:
            reason = "no financial assessment"
            waiting.append(WorkRow(person, plan.plan_ref, plan.status, plan.since, reason, None))
            continue
        nation = (assessment.inputs or {}).get("nation", "england")
        in_force = _rule_set_today(nation, today)
        if assessment.assessed_on + REASSESS_AFTER <= today + DUE_SOON:
            reason = f"yearly reassessment: last assessed {assessment.assessed_on:%-d %B %Y}"
        elif in_force and in_force != assessment.rule_set:
            reason = f"figures changed: assessed under {assessment.rule_set}, now {in_force}"
        else:
            continue
        due.append(
            WorkRow(person, plan.plan_ref, plan.status, assessment.assessed_on, reason, assessment)
        )
    waiting.sort(key=lambda row: (row.since, row.person.pk))
    due.sort(key=lambda row: (row.since, row.person.pk))
    audit.people_shown(
        actor=user,
        objects=[row.person for row in (*waiting, *due)],
        object_type="funding.worklist",
    )
    return FinanceWork(waiting, due)

"""The demo's story, told through the same services staff use (so every step is authorised and
audited): Edith Smith's journey from her GP's referral (accepted by the Torquay team from its
in-tray and allocated to the OT) to an agreed plan that says who pays, and a worklist with referrals
waiting for the co-ordinators, one of them routed and waiting in the Torquay team's in-tray. Runs once; skipped when Edith has a referral."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from caretrust.assessments import services as assessments
from caretrust.assessments.eligibility import OUTCOMES
from caretrust.careplans import services as plans
from caretrust.funding.services import age_on, record_financial_assessment
from caretrust.organisations.models import Organisation, Team, User
from caretrust.people.models import Person
from caretrust.portal.demo import EDITH_NHS_NUMBER
from caretrust.referrals import services as referrals
from caretrust.referrals.models import Referral

WAITING = [  # (source, urgency, reason) for people at the top of the risk list
    ("hospital_discharge", "urgent", "Discharged after a fall; needs help at home from tomorrow."),
    ("ambulance", "soon", "Third call-out this month for falls; no injury today."),
    ("gp", "routine", "Struggling with shopping and meals since her husband died."),
    ("community_team", "soon", "Leg ulcer dressings; carer finding it hard to cope."),
    ("council_contact_centre", "routine", "Daughter asks about equipment for the bathroom."),
]


def _user(name: str) -> User:
    return User.objects.get(username=name)


@transaction.atomic
def load_demo_scenario() -> bool:
    """Tell the story once. Returns False when it was already told."""
    edith = Person.objects.with_nhs_number(EDITH_NHS_NUMBER).first()
    if edith is None or Referral.objects.filter(person=edith).exists():
        return False
    _edith_journey(edith)
    _waiting_referrals(exclude=edith)
    return True


def _edith_journey(edith: Person) -> None:
    gp, coordinator, ot, sw = _user("gp"), _user("coordinator"), _user("ot"), _user("socialworker")
    today = timezone.localdate()
    referral = referrals.submit_professional_referral(
        actor=gp,
        person=edith,
        source="gp",
        reason="85, lives alone with heart failure; fell at home last week. Struggling to wash and cook.",
        what_matters="To stay in my own home, near my daughter.",
        lives_alone=True,
        consent=True,
        requested_urgency="urgent",
    )
    referrals.claim(actor=coordinator, referral=referral)
    referrals.triage(actor=coordinator, referral=referral, urgency="urgent")
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    # The Torquay team accepts it from its in-tray; the OT takes it on (ADR 70).
    referrals.accept(actor=ot, referral=referral, allocate_to=ot)
    assessment = assessments.start_assessment(actor=ot, person=edith, referral=referral)
    assessments.contribute(
        actor=ot,
        assessment=assessment,
        section="therapy",
        text="Cannot get in or out of the bath safely; needs grab rails and a perching stool.",
    )
    assessments.contribute(
        actor=sw,
        assessment=assessment,
        section="social_care",
        text="Not eating regular meals; would like help morning and evening.",
    )
    assessment.refresh_from_db()
    assessments.record_findings(
        actor=sw,
        assessment=assessment,
        expected_version=assessment.version,
        outcomes={
            **{code: ("able", "") for code in OUTCOMES},
            "nutrition": ("needs_assistance", "Skips meals"),
            "hygiene": ("endangers_safety", "Fell in the bath"),
        },
        impairment=True,
        significant_impact=True,
        needs_fluctuate=False,
        what_matters="To stay at home, near my daughter Susan.",
    )
    assessment.refresh_from_db()
    assessments.decide_eligibility(
        actor=sw, assessment=assessment, expected_version=assessment.version
    )
    plan = plans.create_plan(
        actor=coordinator, person=edith, referral=referral, assessment=assessment
    )
    plan = plans.update_plan(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        goals=[
            "I want to wash safely without falling",
            "I want a hot meal every day",
            "I want to stay in my own home",
        ],
        review_date=today + timedelta(weeks=6),
    )
    home_care = Organisation.objects.get(code="DEMO-HOMECARE")
    council, trust = (
        Organisation.objects.get(code="DEMO-COUNCIL"),
        Organisation.objects.get(code="DEMO-TRUST"),
    )
    for service in (
        {
            "kind": "home_care",
            "provider_organisation": home_care,
            "provider_team": Team.objects.get(code="coastline-carers"),
            "frequency": 2,
            "per": "day",
            "hours_per_visit": Decimal("0.5"),
            "funding_stream": "council",
            "description": "Morning and evening calls: washing and a hot meal",
        },
        {
            "kind": "equipment",
            "provider_organisation": council,
            "provider_team": Team.objects.get(code="council-equipment"),
            "frequency": 1,
            "per": "once",
            "funding_stream": "minor_adaptation",
            "description": "Grab rails and a perching stool",
        },
        {
            "kind": "community_nursing",
            "provider_organisation": trust,
            # Named team: the Torquay nurses see these visits on their list (issue #15).
            "provider_team": Team.objects.get(code="torquay-mdt"),
            "frequency": 1,
            "per": "week",
            "funding_stream": "nhs",
            "description": "Heart failure review",
        },
    ):
        plan.refresh_from_db()
        plans.add_service(
            actor=coordinator, plan=plan, expected_version=plan.version, start=today, **service
        )
    plan.refresh_from_db()
    plans.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)
    record_financial_assessment(
        actor=_user("finance"),
        person=edith,
        inputs={
            "nation": "england",
            "date": today.isoformat(),
            "setting": "community",
            "person": {"age": age_on(edith.birth_date, today), "couple": False, "premiums": []},
            "capital": [
                {"kind": "savings", "value": "16000.00", "joint_owners": 1},
                {
                    "kind": "main_home",
                    "value": "210000.00",
                    "joint_owners": 1,
                    "qualifying_relative_lives_there": False,
                },
            ],
            "income": [
                {"kind": "state_pension", "weekly": "230.25"},
                {"kind": "attendance_allowance_lower", "weekly": "73.90"},
            ],
            "night_care_provided": False,
            "housing_costs_weekly": "0.00",
            "dre_weekly": None,
        },
    )


def _signpost_to_directory(coordinator: User, referral: Referral, text: str) -> None:
    from caretrust.directory.selectors import services as directory_services

    service = directory_services(text=text, active_only=True).first()
    if service is not None:
        referrals.claim(actor=coordinator, referral=referral)
        referrals.signpost_to_service(actor=coordinator, referral=referral, service=service)


def _waiting_referrals(*, exclude: Person) -> None:
    """New referrals for the Torquay co-ordinators, for people at the top of the risk list."""
    from caretrust.outcomes.models import RiskScore

    practices = Organisation.objects.filter(code__in=["DEMO-GP1", "DEMO-GP2"])
    people = [
        score.person
        for score in RiskScore.objects.filter(
            person__gp_practice__in=practices, person__death_date=None
        )
        .exclude(person=exclude)
        .select_related("person")
        .order_by("-risk")[: len(WAITING)]
    ]
    from caretrust import clock

    gp, coordinator = _user("gp"), _user("coordinator")
    for index, (person, (source, urgency, reason)) in enumerate(zip(people, WAITING, strict=False)):
        # The hospital's discharge team refers with the discharge-ready date (yesterday) and the
        # pathway (1: home with reablement), so the co-ordinators' discharge list has someone.
        hospital = source == "hospital_discharge"
        referral = referrals.submit_professional_referral(
            actor=_user("discharge") if hospital else gp,
            person=person,
            source=source,
            reason=reason,
            requested_urgency=urgency,
            consent=True,
            extra={"discharge": {"ready_date": clock.today() - timedelta(days=1), "pathway": 1}}
            if hospital
            else None,
        )
        if index == 2:
            # One (meals since her husband died) is signposted to the directory's lunch club
            # and waits for the voluntary organisation that runs it to accept (ADR 110).
            _signpost_to_directory(coordinator, referral, "lunch club")
        if index == 0:
            # One is already routed and waits in the Torquay team's in-tray (ADR 70).
            referrals.claim(actor=coordinator, referral=referral)
            referrals.route(
                actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt")
            )

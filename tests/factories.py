"""Test data made the way the application makes it: through the services, so each object has
its versions and audit rows like the real thing. Plain functions; pass what a test cares about."""

from __future__ import annotations

from datetime import date
from typing import Any

from caretrust.organisations.models import Team, User
from caretrust.people.fhir_patient import Demographics
from caretrust.people.models import Person


def demo_user(username: str) -> User:
    """A user of the demo directory (the `demo_directory` fixture loads it)."""
    return User.objects.get(username=username)


def make_person(
    *,
    actor: User | None = None,
    given_name: str = "Mary",
    family_name: str = "Jones",
    birth_date: date | None = date(1941, 5, 12),
    sex: str = "female",
    gp_practice_code: str = "DEMO-GP1",
    **demographics: Any,
) -> Person:
    """A person in the index through `people.services.create_person` (first version and audit
    row), added by `actor` (default: the demo co-ordinator)."""
    from caretrust.people.services import create_person

    return create_person(
        actor=actor or demo_user("coordinator"),
        demographics=Demographics(
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
            sex=sex,
            gp_practice_code=gp_practice_code,
            **demographics,
        ),
        source="test",
    )


def make_referral(
    *,
    person: Person | None = None,
    actor: User | None = None,
    reason: str = "Fell at home; lives alone with heart failure.",
    what_matters: str = "To stay in my own home with my cat.",
    **fields: Any,
):
    """A professional referral for `person` (default: a new `make_person()`), from the demo GP."""
    from caretrust.referrals import services as referrals

    return referrals.submit_professional_referral(
        actor=actor or demo_user("gp"),
        person=person or make_person(),
        source=fields.pop("source", "gp"),
        reason=reason,
        what_matters=what_matters,
        consent=fields.pop("consent", True),
        **fields,
    )


def routed_referral(
    *, person: Person | None = None, team_code: str = "torquay-mdt", **referral_fields: Any
):
    """A referral claimed by the co-ordinator, routed to `team_code` and accepted by the OT, who
    holds it (the state assessments and care plans start from)."""
    from caretrust.referrals import services as referrals

    referral = make_referral(person=person, **referral_fields)
    coordinator, ot = demo_user("coordinator"), demo_user("ot")
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code=team_code))
    referrals.accept(actor=ot, referral=referral, allocate_to=ot)
    return referral


def make_plan(*, referral=None):
    """A care plan made from a joint assessment (therapy by the OT, social care by the social
    worker) of a routed referral (default: a new `routed_referral()`)."""
    from caretrust.assessments import services as assessments
    from caretrust.careplans import services as careplans

    referral = referral or routed_referral()
    ot, sw = demo_user("ot"), demo_user("socialworker")
    assessment = assessments.start_assessment(actor=ot, person=referral.person, referral=referral)
    assessments.contribute(actor=ot, assessment=assessment, section="therapy", text="Bath unsafe")
    assessments.contribute(actor=sw, assessment=assessment, section="social_care", text="Meals")
    return careplans.create_plan(
        actor=demo_user("coordinator"),
        person=referral.person,
        referral=referral,
        assessment=assessment,
    )

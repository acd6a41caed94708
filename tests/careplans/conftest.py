from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from caretrust.assessments import services as assessments
from caretrust.careplans import services
from caretrust.organisations.models import Organisation, Team
from caretrust.people.models import Person
from caretrust.referrals import services as referrals


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def routed(user_for):
    person = Person.objects.create(
        given_name="Mary",
        family_name="Jones",
        birth_date=date(1941, 5, 12),
        sex="female",
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )
    referral = referrals.submit_professional_referral(
        actor=user_for("gp"),
        person=person,
        source="gp",
        reason="Fell at home; lives alone with heart failure.",
        what_matters="To stay in my own home with my cat.",
        consent=True,
    )
    coordinator = user_for("coordinator")
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    referrals.accept(actor=user_for("ot"), referral=referral, allocate_to=user_for("ot"))
    return referral


@pytest.fixture
def plan(user_for, routed):
    ot, sw = user_for("ot"), user_for("socialworker")
    assessment = assessments.start_assessment(actor=ot, person=routed.person, referral=routed)
    assessments.contribute(actor=ot, assessment=assessment, section="therapy", text="Bath unsafe")
    assessments.contribute(actor=sw, assessment=assessment, section="social_care", text="Meals")
    return services.create_plan(
        actor=user_for("coordinator"), person=routed.person, referral=routed, assessment=assessment
    )


@pytest.fixture
def org():
    return lambda code: Organisation.objects.get(code=code)


@pytest.fixture
def team():
    return lambda code: Team.objects.get(code=code)


@pytest.fixture
def in_days(today):
    return lambda n: today + timedelta(days=n)

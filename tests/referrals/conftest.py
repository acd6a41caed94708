from __future__ import annotations

from datetime import date

import pytest

from caretrust.organisations.models import Organisation
from caretrust.people.models import Person
from caretrust.referrals import services


@pytest.fixture
def mrs_jones(demo_directory) -> Person:
    return Person.objects.create(
        given_name="Mary",
        family_name="Jones",
        birth_date=date(1941, 5, 12),
        sex=Person.Sex.FEMALE,
        postcode="TQ1 1AA",
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )


@pytest.fixture
def referral(user_for, mrs_jones):
    return services.submit_professional_referral(
        actor=user_for("gp"),
        person=mrs_jones,
        source="gp",
        reason="Fell at home last night; lives alone with heart failure.",
        requested_urgency="urgent",
        lives_alone=True,
        consent=True,
    )

from __future__ import annotations

import pytest

from caretrust.people.models import Person
from caretrust.referrals import services
from tests.factories import make_person


@pytest.fixture
def mrs_jones(demo_directory) -> Person:
    return make_person(postcode="TQ1 1AA")


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

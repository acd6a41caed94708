from __future__ import annotations

from datetime import date

import pytest

from caretrust.organisations.models import Organisation, Team
from caretrust.referrals import services as referrals
from tests.factories import person_row


@pytest.fixture
def accepted(user_for):
    """Mary Jones's referral, accepted by the Torquay team and allocated to the OT."""
    person = person_row(
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
        consent=True,
    )
    coordinator, ot = user_for("coordinator"), user_for("ot")
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    referrals.accept(actor=ot, referral=referral, allocate_to=ot)
    return referral

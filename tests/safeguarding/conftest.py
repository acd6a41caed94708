from __future__ import annotations

import pytest

from caretrust.safeguarding import services
from tests.factories import make_person, routed_referral


@pytest.fixture
def person(demo_directory):
    return make_person(given_name="Ada", family_name="Lovell")


@pytest.fixture
def referral(person):
    """Ada referred by her GP and accepted by the Torquay team (nurse, OT, social worker)."""
    return routed_referral(person=person)


def details(**overrides) -> services.ConcernDetails:
    values = {
        "facts": "Bruises on both arms; says her nephew grabs her when he wants money.",
        "abuse_types": ["physical", "financial"],
        "location": "own_home",
        "source_of_risk": "known",
        "immediate_actions": "Told the GP.",
        "person_wishes": "I want him to stop coming round.",
    }
    values.update(overrides)
    return services.ConcernDetails(**values)


ALL_MET = services.Criteria(
    care_and_support_needs=True,
    abuse_or_neglect=True,
    unable_to_protect=True,
    care_and_support_needs_evidence="Home care twice a day for heart failure.",
    abuse_or_neglect_evidence="Bruising, and money missing from her purse.",
    unable_to_protect_evidence="Cannot get to the door quickly or refuse him.",
)

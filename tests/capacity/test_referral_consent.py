"""A referral "in the person's best interests" needs a recorded capacity assessment finding they
cannot decide about being referred (MCA 2005 ss1–4); otherwise who agreed is recorded."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from caretrust.capacity import services as capacity
from caretrust.capacity.models import ReferralConsent
from caretrust.referrals import services as referrals
from caretrust.referrals.models import Referral


@pytest.fixture
def edith(demo_directory):
    from caretrust.portal.demo import load_demo_people

    return load_demo_people()


def _refer(gp, person, **consent):
    return referrals.submit_professional_referral(
        actor=gp,
        person=person,
        source="gp",
        reason="Confused at night, wandering; daughter exhausted.",
        **consent,
    )


def _capacity(gp, person, *, lacks: bool, category: str = "referral"):
    return capacity.record_capacity_assessment(
        actor=gp,
        person=person,
        decision="Whether to be referred to the community team",
        category=category,
        impairment=True,
        impairment_details="Alzheimer's disease",
        unable_to={"retain"} if lacks else set(),
        functional_details="Forgot the conversation within minutes",
    )


def test_best_interests_referral_without_a_capacity_assessment_is_refused(edith, user_for):
    gp = user_for("gp")
    with pytest.raises(ValidationError) as refused:
        _refer(gp, edith, best_interests=True)
    assert "capacity assessment" in refused.value.message_dict["best_interests"][0]
    assert not Referral.objects.filter(person=edith).exists()
    # A capacity assessment for another decision does not count: capacity is decision-specific.
    _capacity(gp, edith, lacks=True, category="money")
    with pytest.raises(ValidationError):
        _refer(gp, edith, best_interests=True)
    # Nor does one finding she can decide.
    _capacity(gp, edith, lacks=False)
    with pytest.raises(ValidationError):
        _refer(gp, edith, best_interests=True)


def test_best_interests_referral_rests_on_the_capacity_assessment(edith, user_for):
    gp = user_for("gp")
    finding = _capacity(gp, edith, lacks=True)
    referral = _refer(gp, edith, best_interests=True)
    record = ReferralConsent.objects.get(referral=referral)
    assert record.basis == "best_interests"
    assert record.capacity_assessment == finding


def test_who_agreed_and_how_is_recorded(edith, user_for):
    gp = user_for("gp")
    referral = _refer(
        gp,
        edith,
        consent_given=capacity.ConsentGiven(
            basis="agreed", given_by="Edith herself", method="in_person", given_on=date(2026, 12, 1)
        ),
    )
    assert referral.consent_record.given_by == "Edith herself"
    assert referral.consent_record.get_method_display() == "In person"
    with pytest.raises(ValidationError) as refused:
        _refer(
            gp,
            edith,
            consent_given=capacity.ConsentGiven(
                basis="agreed", given_by="", method="smoke signal", given_on=date(2026, 12, 1)
            ),
        )
    assert set(refused.value.message_dict) == {"given_by", "method"}


def test_a_referral_needs_one_basis_or_the_other(edith, user_for):
    with pytest.raises(ValidationError, match="Confirm the person agrees"):
        _refer(user_for("gp"), edith)

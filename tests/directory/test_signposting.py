"""Signposting to a directory service, with the closed loop (ADR 110): the co-ordinator finds a
service and signposts to it; the voluntary organisation that runs it (on caretrust) accepts or
declines from its in-tray; the referrer sees the answer on their referral."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from caretrust.access import policy, relationships
from caretrust.directory import selectors as directory
from caretrust.directory.models import DirectoryService
from caretrust.referrals import selectors, services
from caretrust.referrals.models import Referral
from tests.factories import make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(user_for):
    referral = make_referral(reason="Lonely since her husband died; not eating well.")
    services.claim(actor=user_for("coordinator"), referral=referral)
    return referral


def _befriending() -> DirectoryService:
    return directory.services(text="befriending").get()


def test_the_co_ordinator_finds_services_by_text_and_category(demo_directory) -> None:
    assert [s.name for s in directory.services(text="lonely")] == ["Telephone and home befriending"]
    assert [s.name for s in directory.services(category="Loneliness and isolation")] == [
        "Harbourside lunch club",
        "Telephone and home befriending",
    ]
    assert [s.name for s in directory.services(text="lunch", category="Falls prevention")] == []
    assert "Carers' support" in directory.categories()


def test_signposting_puts_it_in_the_voluntary_organisations_in_tray(user_for, claimed) -> None:
    coordinator, voluntary, ot = user_for("coordinator"), user_for("voluntary"), user_for("ot")

    services.signpost_to_service(actor=coordinator, referral=claimed, service=_befriending())

    claimed.refresh_from_db()
    assert claimed.status == Referral.Status.RECEIVED
    assert claimed.outcome == Referral.Outcome.SIGNPOSTED
    assert claimed.directory_service == _befriending()
    assert claimed.signposted_to.code == "DEMO-VOLUNTARY"
    assert claimed.routed_team.code == "age-friendly-team"
    assert claimed.business_status == (
        "Signposted to Telephone and home befriending (Bayside Age Friendly Network): "
        "waiting for them to accept"
    )
    assert list(selectors.in_tray(voluntary)) == [claimed]
    assert list(selectors.in_tray(ot)) == []
    # The organisation answers it as a service, not as a locality team taking on the record.
    assert policy.decide(voluntary, "referrals.answer_signpost", claimed)
    assert not policy.decide(voluntary, "referrals.accept", claimed)
    assert not policy.decide(ot, "referrals.answer_signpost", claimed)


def test_the_organisation_accepts_and_the_referrer_sees_it(user_for, claimed) -> None:
    coordinator, voluntary, gp = user_for("coordinator"), user_for("voluntary"), user_for("gp")
    services.signpost_to_service(actor=coordinator, referral=claimed, service=_befriending())

    services.answer_signpost(actor=voluntary, referral=claimed, accept=True)

    claimed.refresh_from_db()
    assert claimed.status == Referral.Status.COMPLETED
    assert claimed.accepted_by == voluntary
    assert claimed.responded_at is not None
    # The referrer's view: their referral, its status and the step that answered it.
    assert policy.decide(gp, "referrals.view", claimed)
    assert list(selectors.referrals_made_by(gp)) == [claimed]
    last = claimed.events.last()
    assert (last.from_status, last.to_status) == ("received", "completed")
    assert last.business_status == (
        "Accepted by Bayside Age Friendly Network for Telephone and home befriending"
    )
    assert last.actor == voluntary
    # Accepting does not open the person's record to the voluntary organisation.
    assert relationships.legitimate_relationship(voluntary, claimed.person) is None
    # Answered once: it cannot be answered again.
    with pytest.raises(PermissionDenied):
        services.answer_signpost(actor=voluntary, referral=claimed, accept=True)


def test_declining_returns_it_to_the_co_ordinators_with_the_reason(user_for, claimed) -> None:
    coordinator, voluntary = user_for("coordinator"), user_for("voluntary")
    services.signpost_to_service(actor=coordinator, referral=claimed, service=_befriending())

    with pytest.raises(ValidationError):
        services.answer_signpost(actor=voluntary, referral=claimed, accept=False, reason="No")
    services.answer_signpost(
        actor=voluntary,
        referral=claimed,
        accept=False,
        reason="No volunteers in Brixham until the new year.",
    )

    claimed.refresh_from_db()
    assert claimed.status == Referral.Status.RECEIVED
    assert claimed.claimed_by == coordinator
    assert (claimed.outcome, claimed.directory_service, claimed.routed_team) == ("", None, None)
    assert claimed.return_reason == "No volunteers in Brixham until the new year."
    assert claimed.business_status.startswith("Declined by Bayside Age Friendly Network")
    assert list(selectors.in_tray(voluntary)) == []
    # Back with the co-ordinator, who signposts elsewhere.
    lunch = directory.services(text="lunch").get()
    services.signpost_to_service(actor=coordinator, referral=claimed, service=lunch)
    assert claimed.directory_service == lunch


def test_a_service_whose_organisation_is_not_on_caretrust_completes_on_signposting(
    user_for, claimed
) -> None:
    carers = directory.services(text="carers breaks").get()

    services.signpost_to_service(actor=user_for("coordinator"), referral=claimed, service=carers)

    claimed.refresh_from_db()
    assert claimed.status == Referral.Status.COMPLETED
    assert claimed.directory_service == carers
    assert claimed.routed_team is None and claimed.signposted_to is None
    assert claimed.business_status == (
        "Signposted to Carers' support and breaks (Bayside Carers Centre)"
    )


def test_only_the_co_ordinator_who_claimed_it_signposts_and_only_to_active_services(
    user_for, claimed
) -> None:
    befriending = _befriending()
    with pytest.raises(PermissionDenied):
        services.signpost_to_service(actor=user_for("gp"), referral=claimed, service=befriending)
    DirectoryService.objects.filter(pk=befriending.pk).update(status="temporarily closed")
    befriending.refresh_from_db()
    with pytest.raises(ValidationError, match="temporarily closed"):
        services.signpost_to_service(
            actor=user_for("coordinator"), referral=claimed, service=befriending
        )


def test_the_demo_story_leaves_a_referral_signposted_to_the_lunch_club(user_for) -> None:
    from datetime import date

    from caretrust.demo.scenario import load_demo_scenario
    from caretrust.organisations.models import Organisation
    from caretrust.outcomes.models import RiskScore
    from tests.factories import person_row

    for n in range(3):
        RiskScore.objects.create(
            person=person_row(
                given_name=f"Risk{n}",
                family_name="Person",
                birth_date=date(1935, 1, 1 + n),
                gp_practice=Organisation.objects.get(code="DEMO-GP1"),
            ),
            score_date=date(2026, 11, 1),
            model="test",
            risk=0.9 - n / 10,
            rank_percentile=99.0,
        )
    assert load_demo_scenario()

    [waiting] = selectors.in_tray(user_for("voluntary"))
    assert waiting.person.given_name == "Risk2"
    assert waiting.directory_service.name == "Harbourside lunch club"

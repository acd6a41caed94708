"""The CLD events selector: per person and period, the requests, assessments and reviews
caretrust's records produce, and a contract test: every field name and code it emits is in the
CLD specification (docs/reference/cld-specification.md, copied from records.md)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from caretrust.assessments.cld_events import UNCONFIRMED_VALUES, cld_events, sources
from tests.factories import person_row

SPEC = (Path(__file__).parents[2] / "docs/reference/cld-specification.md").read_text()


def _spec_fields() -> set[str]:
    return set(re.findall(r"`([A-Za-z0-9_]+)`", SPEC))


def _listed(after: str) -> set[str]:
    """The values in the parentheses after a field name, e.g. Event_Type (Request, ...)."""
    match = re.search(re.escape(f"`{after}`") + r" \(([^)]*)\)", SPEC)
    assert match, after
    return {v.strip().strip('"').rstrip("…").strip().lower() for v in match.group(1).split(",")}


def _event_outcomes() -> set[str]:
    block = SPEC.split("Event_Outcome (Release 2):", 1)[1].split("DHSC rules", 1)[0]
    return {v.strip().rstrip(".") for v in " ".join(block.split()).split(";")}


SPEC_VALUES = {
    "Event_Type": _listed("Event_Type"),
    "Assessment_Type": _listed("Assessment_Type"),
    "Client_Type": _listed("Client_Type"),
}


@pytest.fixture
def story(user_for, decide_eligible, settings):
    """Mary: referred 10 Feb 2026, assessed and decided eligible the same day, plan agreed, first
    review done on 30 March 2026."""
    from caretrust.careplans import services as plans
    from caretrust.organisations.models import Organisation, Team
    from caretrust.referrals import services as referrals
    from caretrust.reviews import services as reviews
    from caretrust.reviews.models import Review

    settings.CARETRUST_TODAY = "2026-02-10"
    person = person_row(
        given_name="Mary",
        family_name="Jones",
        birth_date=date(1941, 5, 12),
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )
    referral = referrals.submit_professional_referral(
        actor=user_for("gp"),
        person=person,
        source="hospital_discharge",
        reason="Fell at home, now in hospital",
        consent=True,
    )
    coordinator = user_for("coordinator")
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    referrals.accept(actor=user_for("ot"), referral=referral, allocate_to=user_for("ot"))
    from caretrust.assessments import services as assessments

    assessments.start_assessment(actor=user_for("ot"), person=person, referral=referral)
    decide_eligible(person)
    plan = plans.create_plan(actor=coordinator, person=person, referral=referral)
    plans.update_plan(
        actor=coordinator, plan=plan, expected_version=plan.version, goals=["Stay home"]
    )
    plan.refresh_from_db()
    plans.add_service(
        actor=coordinator,
        plan=plan,
        expected_version=plan.version,
        kind="home_care",
        provider_organisation=Organisation.objects.get(code="DEMO-HOMECARE"),
        start=date(2026, 2, 11),
        funding_stream="council",
    )
    plan.refresh_from_db()
    plans.agree_plan(actor=coordinator, plan=plan, expected_version=plan.version)
    settings.CARETRUST_TODAY = "2026-03-30"
    reviews.record_review(
        actor=user_for("socialworker"),
        review=Review.objects.get(plan=plan),
        done_on=date(2026, 3, 30),
        method="face_to_face",
        participants="Mary",
        person_took_part=True,
        outcomes_met="fully",
    )
    return person


def test_each_record_gives_its_event_in_the_period_it_concluded(story) -> None:
    events = list(cld_events([story.pk], date(2026, 1, 1), date(2026, 3, 31)))
    by_type = {e.fields["Event_Type"]: e.fields for e in events}
    assert set(by_type) == {"Request", "Assessment", "Review", "Service"}
    # The plan's council-arranged home care is a service, open (only services may be, records.md).
    assert by_type["Service"]["Service_Type"] == "Long term support: Community"
    assert by_type["Service"]["Event_Start_Date"] == "2026-02-11"
    assert "Event_End_Date" not in by_type["Service"]
    assert by_type["Request"]["Event_Outcome"] == "Progress to assessment, review or reassessment"
    assert by_type["Request"]["Request_Route_of_Access"] == "Discharge from Hospital"
    assert by_type["Assessment"]["Eligible_Needs_Identified"] == "Yes"
    assert by_type["Assessment"]["Event_Outcome"] == "Progress to support planning or services"
    assert by_type["Assessment"]["Event_End_Date"] == "2026-02-10"
    assert by_type["Review"]["Event_Start_Date"] == "2026-03-30"
    assert by_type["Review"]["Review_Outcomes_Achieved"] == "Fully Achieved"
    assert all(e.fields["LA_Person_Unique_Identifier"] == str(story.ref) for e in events)
    # The next quarter has none of them (each is reported once, when it concluded) but for the
    # service, still open.
    later = list(cld_events(None, date(2026, 4, 1), date(2026, 6, 30)))
    assert [e.fields["Event_Type"] for e in later] == ["Service"]
    assert later[0].fields["Event_Outcome"] == "Continuation of support or services"
    assert {"requests", "assessments", "reviews", "services", "imported"} <= set(sources())


def test_every_field_name_and_code_is_in_the_specification(story) -> None:
    """The contract: field names from the specification; codes from its value sets; values of
    fields whose sets it does not list only from the flagged UNCONFIRMED_VALUES."""
    fields, outcomes = _spec_fields(), _event_outcomes()
    events = list(cld_events(None, date(2026, 1, 1), date(2026, 12, 31)))
    assert events
    for event in events:
        for name, value in event.fields.items():
            assert name in fields, f"{name} is not a CLD field"
            if name == "Event_Outcome":
                assert value in outcomes, value
            elif name in SPEC_VALUES:
                assert value.lower() in SPEC_VALUES[name], (name, value)
            elif name in UNCONFIRMED_VALUES:
                assert value in UNCONFIRMED_VALUES[name], (name, value)
    assert set(UNCONFIRMED_VALUES) <= fields


def test_the_contract_reads_the_specification() -> None:
    assert "Progress to support planning or services" in _event_outcomes()
    assert len(_event_outcomes()) == 16
    assert SPEC_VALUES["Event_Type"] == {"request", "assessment", "service", "review"}

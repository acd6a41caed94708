"""No lost work on the joint assessment (issue #15): each professional's part and each outcome is
saved on its own, so two people editing different parts both keep their input; the same part is a
conflict screen showing both values that keeps what the second person typed. Two clients run on
SQLite and PostgreSQL; real threads on PostgreSQL."""

from __future__ import annotations

import html
import json
import re
import threading
from datetime import date

import pytest
from django.db import connection, connections
from django.test import Client

from caretrust.assessments import services
from caretrust.assessments.models import Assessment
from caretrust.organisations.models import Organisation, Team
from caretrust.referrals import services as referrals
from tests.factories import person_row


def _accepted_referral(user_for):
    person = person_row(
        given_name="Mary",
        family_name="Jones",
        birth_date=date(1941, 5, 12),
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


def _open_form(client: Client, assessment: Assessment) -> dict:
    """What the page's form would send back unchanged: every field as shown, plus the base."""
    page = client.get(f"/assessments/{assessment.uuid}/").content.decode()
    base = json.loads(html.unescape(re.search(r'name="base" value="([^"]*)"', page).group(1)))
    return {"version": str(assessment.version), "base": json.dumps(base), **base}


@pytest.fixture
def two_people(user_for):
    referral = _accepted_referral(user_for)
    ot, sw = Client(), Client()
    ot.force_login(user_for("ot"))
    sw.force_login(user_for("socialworker"))
    ot.post(f"/assessments/start/{referral.reference}/")
    return Assessment.objects.get(), ot, sw


@pytest.mark.django_db
def test_two_people_editing_different_parts_both_keep_their_input(two_people) -> None:
    assessment, ot, sw = two_people
    ot_form, sw_form = _open_form(ot, assessment), _open_form(sw, assessment)
    ot.post(
        f"/assessments/{assessment.uuid}/findings/",
        {**ot_form, "outcome_hygiene": "endangers_safety", "health_needs": "Breathless on stairs"},
    )
    response = sw.post(
        f"/assessments/{assessment.uuid}/findings/",
        {**sw_form, "outcome_nutrition": "needs_assistance", "carer_name": "Susan (daughter)"},
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.outcome_map() == {
        "hygiene": "endangers_safety",
        "nutrition": "needs_assistance",
    }
    assert assessment.health_needs == "Breathless on stairs"
    assert assessment.carer_name == "Susan (daughter)"


@pytest.mark.django_db
def test_the_same_part_shows_both_values_and_keeps_what_the_second_person_typed(
    two_people,
) -> None:
    assessment, ot, sw = two_people
    ot_form, sw_form = _open_form(ot, assessment), _open_form(sw, assessment)
    ot.post(
        f"/assessments/{assessment.uuid}/findings/",
        {**ot_form, "outcome_hygiene": "endangers_safety"},
    )
    page = sw.post(
        f"/assessments/{assessment.uuid}/findings/",
        {
            **sw_form,
            "outcome_hygiene": "needs_assistance",
            "outcome_nutrition": "significantly_longer",
        },
    ).content.decode()
    assert "Someone else changed the same parts" in page, re.sub(
        r"\s+", " ", re.sub(r"<[^>]+>", " ", page.split("maincontent")[-1])
    )[:1500]
    assert "Saved by someone else: <strong>Can, but it endangers" in page
    # The second person's value is kept in their form (selected), not saved.
    hygiene = page.split('id="outcome_hygiene"', 1)[1].split("</select>", 1)[0]
    assert re.search(r'value="needs_assistance"\s+selected', hygiene), hygiene
    assessment.refresh_from_db()
    assert assessment.outcome_map()["hygiene"] == "endangers_safety"
    assert (
        assessment.outcome_map()["nutrition"] == "significantly_longer"
    )  # the other part was saved
    # Saving again (the base is now what is saved) replaces it deliberately.
    again = _open_form(sw, assessment)
    sw.post(
        f"/assessments/{assessment.uuid}/findings/",
        {**again, "outcome_hygiene": "needs_assistance"},
    )
    assessment.refresh_from_db()
    assert assessment.outcome_map()["hygiene"] == "needs_assistance"


@pytest.mark.django_db(transaction=True)
def test_simultaneous_saves_in_threads_lose_nothing(user_for) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs a database shared between threads (PostgreSQL)")
    referral = _accepted_referral(user_for)
    ot, sw = user_for("ot"), user_for("socialworker")
    assessment = services.start_assessment(actor=ot, person=referral.person, referral=referral)
    base = services.finding_values(assessment)
    edits = {
        ot: {"outcome_hygiene": "endangers_safety", "health_needs": "Breathless"},
        sw: {"outcome_nutrition": "needs_assistance", "carer_name": "Susan"},
    }
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def save(user) -> None:
        try:
            stale = Assessment.objects.get(pk=assessment.pk)
            barrier.wait()
            _, conflicts = services.merge_findings(
                actor=user, assessment=stale, base=base, mine={**base, **edits[user]}
            )
            assert conflicts == []
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(user,)) for user in edits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assessment.refresh_from_db()
    assert assessment.outcome_map() == {
        "hygiene": "endangers_safety",
        "nutrition": "needs_assistance",
    }
    assert (assessment.health_needs, assessment.carer_name) == ("Breathless", "Susan")

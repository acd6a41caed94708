"""Assessment pages: start from the referral, two practitioners save, conflicts are shown."""

from __future__ import annotations

import pytest

from caretrust.assessments.eligibility import OUTCOMES
from caretrust.assessments.models import Assessment
from tests.factories import make_person, routed_referral


@pytest.fixture
def routed(user_for):
    return routed_referral(
        person=make_person(sex="unknown"), reason="Fell at home last night.", what_matters=""
    )


def _findings(version: int, **changes) -> dict:
    return {
        "version": version,
        "impairment": "yes",
        "significant_impact": "yes",
        "needs_fluctuate": "no",
        **{f"outcome_{code}": "able" for code in OUTCOMES},
        "outcome_hygiene": "needs_assistance",
        "outcome_nutrition": "needs_assistance",
        **changes,
    }


def test_start_save_and_decide_through_the_pages(client, user_for, routed) -> None:
    client.force_login(user_for("ot"))
    response = client.post(f"/assessments/start/{routed.reference}/")
    assessment = Assessment.objects.get()
    assert response.url == f"/assessments/{assessment.uuid}/"
    client.post(
        f"/assessments/{assessment.uuid}/findings/",
        _findings(assessment.version, health_needs="Breathless"),
    )
    client.force_login(user_for("socialworker"))
    assessment.refresh_from_db()
    client.post(f"/assessments/{assessment.uuid}/decision/", {"version": assessment.version})
    assessment.refresh_from_db()
    assert assessment.eligible is True
    page = client.get(f"/assessments/{assessment.uuid}/").content.decode()
    assert "Eligible needs" in page and "Condition 2 met" in page
    data = client.get(f"/assessments/{assessment.uuid}/fhir/").json()
    assert data["resourceType"] == "QuestionnaireResponse"


def test_the_second_saver_sees_a_conflict_and_the_first_change(client, user_for, routed) -> None:
    client.force_login(user_for("ot"))
    client.post(f"/assessments/start/{routed.reference}/")
    assessment = Assessment.objects.get()
    stale = assessment.version
    client.post(
        f"/assessments/{assessment.uuid}/findings/",
        _findings(stale, health_needs="OT: breathless on stairs"),
    )
    client.force_login(user_for("socialworker"))
    page = client.post(
        f"/assessments/{assessment.uuid}/findings/", _findings(stale, health_needs="SW: fine")
    ).content.decode()
    assert "Someone else saved this assessment first" in page
    assert "OT: breathless on stairs" in page
    assessment.refresh_from_db()
    assert assessment.health_needs == "OT: breathless on stairs"

"""Capacity assessments, best-interests decisions (only on a finding of incapacity for that
decision), LPAs and deputies, and what an attorney or deputy may do in the portal."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from caretrust.access import policy
from caretrust.access.models import AuditEvent
from caretrust.capacity import services
from caretrust.organisations.models import User
from caretrust.people.models import Person


@pytest.fixture
def edith(demo_directory) -> Person:
    from caretrust.portal.demo import load_demo_people

    return load_demo_people()  # Edith, her own portal account and Susan's (authorised carer)


def _capacity(actor, person, category, lacks=True):
    return services.record_capacity_assessment(
        actor=actor,
        person=person,
        decision=f"Whether to accept the {category} proposed",
        category=category,
        practicable_steps="Explained with pictures, twice, in the morning when she is brightest",
        impairment=True,
        impairment_details="Vascular dementia (diagnosed 2025)",
        unable_to={"retain", "use_or_weigh"} if lacks else set(),
        functional_details="Could not recall the options after five minutes",
    )


def test_capacity_then_best_interests(edith, user_for) -> None:
    gp = user_for("gp")
    found = _capacity(gp, edith, "care_plan")
    assert found.lacks_capacity is True
    assert found.unable_to == {"retain", "use_or_weigh"}
    decision = services.record_best_interests(
        actor=gp,
        capacity_assessment=found,
        decision="Carers twice a day rather than a move to a care home",
        wishes_and_feelings="Has always said she wants to stay at home",
        consulted="Susan (daughter): agrees; the district nurse",
        less_restrictive_options="Telecare alone: not enough for her medication",
    )
    assert decision.person == edith
    assert AuditEvent.objects.filter(
        object_type="capacity.bestinterestsdecision", action="create"
    ).exists()


def test_no_best_interests_decision_for_someone_who_can_decide(edith, user_for) -> None:
    gp = user_for("gp")
    capable = _capacity(gp, edith, "care_plan", lacks=False)
    with pytest.raises(ValidationError, match="decide for themselves"):
        services.record_best_interests(
            actor=gp,
            capacity_assessment=capable,
            decision="A move to a care home",
            wishes_and_feelings="x",
            consulted="x",
            less_restrictive_options="x",
        )


def test_best_interests_needs_every_part_of_the_checklist(edith, user_for) -> None:
    gp = user_for("gp")
    with pytest.raises(ValidationError) as refused:
        services.record_best_interests(
            actor=gp,
            capacity_assessment=_capacity(gp, edith, "care_plan"),
            decision="Carers twice a day",
            wishes_and_feelings="",
            consulted=" ",
            less_restrictive_options="",
        )
    assert set(refused.value.message_dict) == {
        "wishes_and_feelings",
        "consulted",
        "less_restrictive_options",
    }


def test_no_relationship_no_capacity_record(edith, user_for) -> None:
    with pytest.raises(PermissionDenied):
        _capacity(user_for("nurse"), edith, "care_plan")


def test_only_a_health_and_welfare_lpa_covers_life_sustaining_treatment(edith, user_for) -> None:
    with pytest.raises(ValidationError, match="life-sustaining"):
        services.record_authority(
            actor=user_for("gp"),
            person=edith,
            kind="lpa_pf",
            holder_name="Susan Smith",
            registered_on=date(2023, 2, 14),
            reference="7000-1234-5678",
            life_sustaining_treatment=True,
        )


def _lpa(actor, person, kind):
    return services.record_authority(
        actor=actor,
        person=person,
        kind=kind,
        holder_name="Susan Smith",
        holder_relationship="daughter",
        registered_on=date(2023, 2, 14),
        reference="7000-1234-5678",
        holder_user=User.objects.get(username="susan"),
    )


def test_attorney_acts_in_the_portal_only_within_scope_and_only_when_capacity_lacks(
    edith, user_for
) -> None:
    gp, susan, me = user_for("gp"), user_for("susan"), user_for("edith")
    # Edith decides for herself, always.
    assert policy.decide(me, "portal.act_on_care_plan", edith)
    assert policy.decide(me, "portal.act_on_money", edith)
    # Susan, authorised only to see Edith's care, may not act for her.
    refused = policy.decide(susan, "portal.act_on_care_plan", edith)
    assert not refused and "not recorded as Edith's attorney" in refused.reason

    _lpa(gp, edith, "lpa_hw")
    # An attorney, but Edith has not been found to lack capacity for care plan decisions.
    refused = policy.decide(susan, "portal.act_on_care_plan", edith)
    assert not refused and "they make these decisions themselves" in refused.reason
    _capacity(gp, edith, "care_plan")
    assert policy.decide(susan, "portal.act_on_care_plan", edith)
    # Health and welfare does not reach money, even though capacity for money also lacks.
    _capacity(gp, edith, "money")
    assert not policy.decide(susan, "portal.act_on_money", edith)

    # A property and finance deputy: money, and only while capacity for money is lacking.
    _lpa(gp, edith, "deputy_pf")
    assert policy.decide(susan, "portal.act_on_money", edith)
    _capacity(gp, edith, "money", lacks=False)  # regained (a newer finding)
    assert not policy.decide(susan, "portal.act_on_money", edith)
    # Staff never act through the portal.
    assert not policy.decide(gp, "portal.act_on_care_plan", edith)


def test_the_portal_tells_the_attorney_what_they_may_decide(client, edith, user_for) -> None:
    gp = user_for("gp")
    client.force_login(user_for("susan"))
    page = client.get("/my-care/").content.decode()
    assert "you cannot decide. You are not recorded as Edith" in page
    _lpa(gp, edith, "lpa_hw")
    _capacity(gp, edith, "care_plan")
    page = client.get("/my-care/").content.decode()
    assert "care plan</strong>: you can decide. You act as Edith" in page
    assert "Money, and letters about it</strong>: you cannot decide." in page
    # Edith's own page does not show the section.
    client.force_login(user_for("edith"))
    assert "Deciding for" not in client.get("/my-care/").content.decode()

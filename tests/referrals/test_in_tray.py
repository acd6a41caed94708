"""The team in-tray (ADR 70): routing puts a referral in the team's in-tray without opening the
record; a team member accepts it and allocates a named worker, or returns it with a reason; the
referrer sees each step; the clock runs until acceptance; a caseload moves in one step."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from caretrust.access import policy
from caretrust.access.models import AuditEvent
from caretrust.fhir import registry
from caretrust.fhir.registry import FhirContext
from caretrust.organisations.models import Team, TeamMembership
from caretrust.referrals import selectors, services
from caretrust.referrals.models import Referral
from caretrust.referrals.selectors import WorklistQuery
from tests.factories import force_update, person_row


@pytest.fixture
def team():
    return Team.objects.get(code="torquay-mdt")


@pytest.fixture
def routed(user_for, referral, team):
    coordinator = user_for("coordinator")
    services.claim(actor=coordinator, referral=referral)
    services.route(actor=coordinator, referral=referral, team=team)
    return referral


def test_a_routed_referral_waits_in_the_team_in_tray(user_for, routed) -> None:
    ot, gp = user_for("ot"), user_for("gp")
    assert list(selectors.in_tray(ot)) == [routed]
    assert list(selectors.in_tray(gp)) == []
    assert routed.status == "received" and routed.responded_at is None
    task = registry.get("Task").read(
        FhirContext(user=ot, base_url="http://t/fhir"), str(routed.uuid)
    )
    assert task.resource["status"] == "received"
    assert task.resource["businessStatus"]["text"].startswith("Routed to Torquay locality team")
    assert task.resource["owner"]["display"] == "Torquay locality team"


def test_accepting_allocates_a_named_colleague_who_gets_the_record(user_for, routed) -> None:
    ot, nurse = user_for("ot"), user_for("nurse")
    services.accept(actor=ot, referral=routed, allocate_to=nurse)
    assert routed.status == "accepted" and routed.allocated_to == nurse
    assert routed.business_status == (
        "Accepted by Torquay locality team; allocated to Priya Shah (Community nurse)"
    )
    assert list(selectors.caseload(nurse)) == [routed]
    assert list(selectors.in_tray(ot)) == []
    assert policy.decide(nurse, "people.view_record", routed.person).allowed
    task = registry.get("Task").read(
        FhirContext(user=ot, base_url="http://t/fhir"), str(routed.uuid)
    )
    assert task.resource["status"] == "accepted"
    assert task.resource["owner"]["display"] == "Priya Shah, Torquay locality team"


def test_only_the_routed_team_accepts_and_only_to_its_practitioners(
    user_for, routed, django_user_model
) -> None:
    outsider = django_user_model.objects.create_user(
        "physio2", role="practitioner", profession="physiotherapist"
    )
    with pytest.raises(PermissionDenied):
        services.accept(actor=outsider, referral=routed, allocate_to=outsider)
    # The co-ordinator who routed it is in the team too, but acceptance is the team's act.
    with pytest.raises(PermissionDenied):
        services.accept(actor=user_for("coordinator"), referral=routed, allocate_to=user_for("ot"))
    with pytest.raises(ValidationError):
        services.accept(actor=user_for("ot"), referral=routed, allocate_to=outsider)
    routed.refresh_from_db()
    assert routed.status == "received" and routed.allocated_to is None


def test_two_members_accepting_at_once_one_wins(user_for, routed) -> None:
    stale = Referral.objects.get(pk=routed.pk)
    services.accept(actor=user_for("ot"), referral=routed, allocate_to=user_for("ot"))
    with pytest.raises(services.ReferralChanged):
        # The stale copy still looks routed; the conditional update refuses it.
        services.accept(actor=user_for("nurse"), referral=stale, allocate_to=user_for("nurse"))
    routed.refresh_from_db()
    assert routed.allocated_to == user_for("ot")


def test_returning_puts_it_back_on_the_worklist_with_the_reason(user_for, routed) -> None:
    ot, coordinator = user_for("ot"), user_for("coordinator")
    with pytest.raises(ValidationError):
        services.return_to_coordinators(actor=ot, referral=routed, reason="")
    services.return_to_coordinators(
        actor=ot, referral=routed, reason="Needs the hospital's frailty team, not ours."
    )
    assert routed.status == "received" and routed.routed_team is None
    assert routed.business_status == "Returned by Torquay locality team to the co-ordinators"
    returned = selectors.worklist(coordinator, WorklistQuery(view="returned"))
    assert list(returned) == [routed]
    assert routed in selectors.worklist(coordinator, WorklistQuery(view="mine"))
    event = routed.events.last()
    assert event.reason == "Needs the hospital's frailty team, not ours."
    # The team no longer sees it; the co-ordinator can route it again.
    assert not policy.decide(ot, "referrals.view", routed)
    services.route(actor=coordinator, referral=routed, practitioner=user_for("socialworker"))
    assert routed.returned_at is None and routed.waiting_for_team


def test_the_clock_runs_until_acceptance_and_breaches_show(user_for, routed) -> None:
    coordinator = user_for("coordinator")
    earlier = timezone.now() - timedelta(days=6)
    force_update(
        Referral.objects.filter(pk=routed.pk),
        created_at=earlier,
        due_by=earlier + timedelta(days=5),
    )
    breached = selectors.worklist(coordinator, WorklistQuery(view="breached"))
    assert list(breached) == [routed]
    routed.refresh_from_db()
    services.accept(actor=user_for("ot"), referral=routed, allocate_to=user_for("ot"))
    assert routed.is_breached()  # answered, but late
    assert not selectors.worklist(coordinator, WorklistQuery(view="breached")).exists()


def test_caseload_transfer_moves_every_open_referral_in_one_step(
    user_for, routed, team, referral
) -> None:
    ot, nurse = user_for("ot"), user_for("nurse")
    services.accept(actor=ot, referral=routed, allocate_to=ot)
    moved = services.transfer_caseload(actor=nurse, team=team, from_worker=ot, to_worker=nurse)
    assert moved == 1
    assert list(selectors.caseload(ot)) == [] and list(selectors.caseload(nurse)) == [routed]
    audit = AuditEvent.objects.filter(object_type="organisations.team").latest("id")
    assert audit.details["caseload_transfer"] and audit.details["referrals"] == 1
    with pytest.raises(ValidationError):
        services.transfer_caseload(
            actor=nurse, team=team, from_worker=nurse, to_worker=user_for("gp")
        )
    with pytest.raises(PermissionDenied):
        services.transfer_caseload(actor=user_for("gp"), team=team, from_worker=nurse, to_worker=ot)


def test_allocating_to_another_worker(user_for, routed) -> None:
    ot, sw = user_for("ot"), user_for("socialworker")
    services.accept(actor=ot, referral=routed, allocate_to=ot)
    services.allocate(actor=ot, referral=routed, worker=sw)
    assert routed.allocated_to == sw and routed.business_status.startswith("Allocated to")


def test_in_tray_page_accept_and_caseload_pages(client, user_for, routed) -> None:
    ot = user_for("ot")
    client.force_login(ot)
    page = client.get("/referrals/in-tray/").content.decode()
    assert routed.reference in page and routed.subject_name in page
    assert AuditEvent.objects.filter(
        action="read", object_type="referrals.in_tray", person_ref=routed.person.audit_ref
    ).exists()
    detail = client.get(f"/referrals/{routed.reference}/").content.decode()
    assert "Accept and allocate" in detail
    bad = client.post(f"/referrals/{routed.reference}/accept/", {"allocate_to": ""})
    assert "Choose who will take this on" in bad.content.decode()
    client.post(f"/referrals/{routed.reference}/accept/", {"allocate_to": str(ot.pk)})
    routed.refresh_from_db()
    assert routed.status == "accepted" and routed.allocated_to == ot
    caseload = client.get("/referrals/caseload/").content.decode()
    assert routed.reference in caseload and "Move caseload" in caseload
    nurse = user_for("nurse")
    team = Team.objects.get(code="torquay-mdt")
    client.post(
        "/referrals/caseload/",
        {"team": str(team.pk), "from_worker": str(ot.pk), "to_worker": str(nurse.pk)},
    )
    routed.refresh_from_db()
    assert routed.allocated_to == nurse
    # The referrer sees the acceptance (the closed loop).
    client.force_login(user_for("gp"))
    gp_page = client.get(f"/referrals/{routed.reference}/").content.decode()
    assert "Accepted by Torquay locality team" in gp_page


def test_return_through_the_page_shows_on_the_worklist(client, user_for, routed) -> None:
    client.force_login(user_for("ot"))
    client.post(f"/referrals/{routed.reference}/return/", {"reason": "Not for this locality team"})
    client.force_login(user_for("coordinator"))
    page = client.get("/referrals/worklist/?view=returned").content.decode()
    assert routed.reference in page and "Not for this locality team" in page
    detail = client.get(f"/referrals/{routed.reference}/").content.decode()
    assert "Returned by the team" in detail


def test_a_former_member_is_not_offered(user_for, routed, team) -> None:
    TeamMembership.objects.filter(team=team, user=user_for("nurse")).delete()
    assert user_for("nurse") not in services.allocatable(routed)


def test_the_demo_story_leaves_a_referral_in_the_torquay_in_tray(user_for) -> None:
    from datetime import date

    from caretrust.demo.scenario import load_demo_scenario
    from caretrust.organisations.models import Organisation
    from caretrust.outcomes.models import RiskScore

    for n in range(2):
        person = person_row(
            given_name=f"Risk{n}",
            family_name="Person",
            birth_date=date(1935, 1, 1 + n),
            gp_practice=Organisation.objects.get(code="DEMO-GP1"),
        )
        RiskScore.objects.create(
            person=person,
            score_date=date(2026, 11, 1),
            model="test",
            risk=0.9 - n / 10,
            rank_percentile=99.0,
        )
    assert load_demo_scenario()
    waiting = list(selectors.in_tray(user_for("nurse")))
    assert len(waiting) == 1 and waiting[0].person.given_name == "Risk0"
    edith_referral = Referral.objects.get(person__given_name="Edith")
    assert edith_referral.accepted_by == user_for("ot")


def test_the_query_filter_agrees_a_routed_referral_opens_nothing_until_accepted(
    user_for, routed
) -> None:
    """Scoping in the data layer (people_visible_to, FHIR searches) follows the same rule."""
    from caretrust.access.relationships import people_visible_to

    ot, nurse = user_for("ot"), user_for("nurse")
    assert not people_visible_to(ot).filter(pk=routed.person_id).exists()
    services.accept(actor=ot, referral=routed, allocate_to=nurse)
    assert people_visible_to(ot).filter(pk=routed.person_id).exists()
    assert people_visible_to(nurse).filter(pk=routed.person_id).exists()


def test_my_work_counts_each_worklist_view_as_its_list_does(user_for, routed) -> None:
    coordinator = user_for("coordinator")
    force_update(Referral.objects.filter(pk=routed.pk), due_by=timezone.now() - timedelta(days=1))
    views = ["new", "mine", "open", "breached", "waiting_team", "returned"]
    counts = selectors.worklist_counts(coordinator, views)
    assert counts == {
        view: selectors.worklist(coordinator, WorklistQuery(view=view)).count() for view in views
    }
    assert counts["mine"] == counts["breached"] == counts["waiting_team"] == 1

"""Issue #14, part b (ADR 108): the selectors of budgets, discharge, CHC, capacity, funding,
outcomes and people that return a person's data take the viewer, authorise by the page's own rule
and record the read themselves, so their views no longer call `audit.record_read`.

For each: (a) a viewer allowed to see it gets the data and a read row naming the person; (b) a
viewer without a relationship with the person (or, where the rule is the role's, without the role
or the practice) gets nothing (an empty list) or the refusal the page always gave
(PermissionDenied: its 403), and no read row is written."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from caretrust.access.models import AuditEvent
from caretrust.budgets import selectors as budgets
from caretrust.capacity import selectors as capacity
from caretrust.careplans.models import CarePlan
from caretrust.chc import selectors as chc
from caretrust.chc import services as chc_services
from caretrust.discharge import selectors as discharge
from caretrust.funding import selectors as funding
from caretrust.funding.worklist import finance_work
from caretrust.outcomes import selectors as outcomes
from caretrust.outcomes.services import load_scores
from caretrust.people import selectors as people
from tests.budgets.test_budgets import (  # noqa: F401  (fixtures)
    CARE_HOME,
    _assess,
    agreed_plan,
    care_home_resident,
)
from tests.capacity.test_services import _capacity, _lpa, edith  # noqa: F401
from tests.chc.conftest import POSITIVE
from tests.discharge.test_discharge import discharge_referral
from tests.factories import force_update, make_person
from tests.outcomes.test_outcomes import registered, write_scores  # noqa: F401
from tests.people.test_unmerge_page import wrongly_joined  # noqa: F401

pytestmark = pytest.mark.django_db


def reads_of(viewer, person, object_type: str | None = None) -> int:
    rows = AuditEvent.objects.filter(
        action=AuditEvent.Action.READ, actor=viewer, person_ref=person.audit_ref
    )
    if object_type is not None:
        rows = rows.filter(object_type=object_type)
    return rows.count()


def nothing_read_by(viewer) -> bool:
    return not AuditEvent.objects.filter(action=AuditEvent.Action.READ, actor=viewer).exists()


def no_longer_current(plan) -> None:
    """End the plan: the council's finance officer's relationship (a current means-tested plan)
    ends with it, so the finance officer becomes a viewer without a relationship."""
    force_update(CarePlan.objects.filter(pk=plan.pk), status=CarePlan.Status.COMPLETED)


# ------------------------------------------------------------------------------- budgets


@pytest.fixture
def direct_payment(agreed_plan, user_for):  # noqa: F811
    from tests.budgets.test_direct_payment_changes import _set_up

    _assess(user_for, agreed_plan.person)
    return _set_up(agreed_plan, user_for("finance"))


def test_plan_budget_records_the_read(agreed_plan, user_for) -> None:  # noqa: F811
    finance = user_for("finance")
    budget = budgets.plan_budget(finance, agreed_plan)
    assert budget.lines
    row = AuditEvent.objects.get(action="read", actor=finance, object_type="careplans.careplan")
    assert row.person_ref == agreed_plan.person.audit_ref and row.object_id == str(agreed_plan.pk)
    assert row.details["purpose"] == "budgets.plan" and row.details["page"] == "budget"


def test_plan_budget_refuses_a_viewer_without_a_relationship(agreed_plan, user_for) -> None:  # noqa: F811
    no_longer_current(agreed_plan)
    finance = user_for("finance")
    with pytest.raises(PermissionDenied):
        budgets.plan_budget(finance, agreed_plan)
    assert nothing_read_by(finance)


def test_direct_payment_records_the_read(direct_payment, user_for) -> None:
    socialworker = user_for("socialworker")
    assert budgets.direct_payment(socialworker, direct_payment.pk) == direct_payment
    assert reads_of(socialworker, direct_payment.person, "budgets.directpaymentagreement") == 1


def test_direct_payment_refuses_a_viewer_without_a_relationship(direct_payment, user_for) -> None:
    no_longer_current(direct_payment.plan)
    finance = user_for("finance")
    with pytest.raises(PermissionDenied):
        budgets.direct_payment(finance, direct_payment.pk)
    assert nothing_read_by(finance)


@pytest.fixture
def deferred(care_home_resident, user_for):  # noqa: F811
    from caretrust.budgets import services

    _assess(user_for, care_home_resident, **CARE_HOME)
    return services.make_deferred_payment_agreement(
        actor=user_for("finance"),
        person=care_home_resident,
        agreed_on=date(2024, 6, 17),
        deferral_start=date(2024, 6, 17),
        care_home_weekly_fee=900,
        property_address="4 Quay Lane, Torquay",
        property_value=250000,
        encumbrances=0,
        land_registry_title="DN123456",
        charge_registered_on=date(2024, 6, 28),
        council_rate=None,
        valuation_fee=326,
        land_registry_fee=0,
    )


def test_deferred_payment_records_the_read(deferred, user_for) -> None:
    finance = user_for("finance")
    assert budgets.deferred_payment(finance, deferred.pk, on=date(2024, 7, 15)) == deferred
    row = AuditEvent.objects.get(
        action="read", actor=finance, object_type="budgets.deferredpaymentagreement"
    )
    assert row.person_ref == deferred.person.audit_ref and row.details["on"] == "2024-07-15"


def test_deferred_payment_refuses_a_viewer_without_a_relationship(deferred, user_for) -> None:
    for plan in CarePlan.objects.filter(person=deferred.person):
        no_longer_current(plan)
    finance = user_for("finance")
    with pytest.raises(PermissionDenied):
        budgets.deferred_payment(finance, deferred.pk, on=date(2024, 7, 15))
    assert nothing_read_by(finance)


def test_deferred_payment_assessment_records_the_read(care_home_resident, user_for) -> None:  # noqa: F811
    assessment = _assess(user_for, care_home_resident, **CARE_HOME)
    finance = user_for("finance")
    assert budgets.deferred_payment_assessment(finance, care_home_resident) == assessment
    assert reads_of(finance, care_home_resident, "people.person") == 1


def test_deferred_payment_assessment_refuses_a_stranger(user_for) -> None:
    stranger_to_finance = make_person(given_name="Nora", family_name="Plan")  # no plan at all
    finance = user_for("finance")
    with pytest.raises(PermissionDenied):
        budgets.deferred_payment_assessment(finance, stranger_to_finance)
    assert nothing_read_by(finance)


def test_budget_work_records_each_person_returned(agreed_plan, user_for) -> None:  # noqa: F811
    finance = user_for("finance")
    work = budgets.budget_work(finance)
    assert [row.plan for row in work.plans] == [agreed_plan]
    assert reads_of(finance, agreed_plan.person, "budgets.worklist") == 1


def test_budget_work_leaves_out_people_without_a_relationship(agreed_plan, user_for) -> None:  # noqa: F811
    no_longer_current(agreed_plan)
    finance = user_for("finance")
    work = budgets.budget_work(finance)
    assert work.plans == [] and work.care_home == []
    assert nothing_read_by(finance)


# ----------------------------------------------------------------------------- discharge


@pytest.fixture
def waiting(user_for, settings):
    settings.CARETRUST_TODAY = "2026-11-10"
    return discharge_referral(user_for, ready=date(2026, 11, 7), pathway=1)


def test_the_discharge_records_the_read(waiting, user_for) -> None:
    coordinator = user_for("coordinator")  # the locality's co-ordinator
    assert discharge.discharge(coordinator, waiting.uuid) == waiting
    row = AuditEvent.objects.get(
        action="read", actor=coordinator, object_type="discharge.discharge"
    )
    assert row.person_ref == waiting.person.audit_ref and row.details["as"] == "discharge"


def test_the_discharge_refuses_a_viewer_without_a_relationship(waiting, user_for) -> None:
    chc_nurse = user_for("chc")  # a practitioner, not on the person's care, not the locality's
    with pytest.raises(PermissionDenied):
        discharge.discharge(chc_nurse, waiting.uuid)
    assert nothing_read_by(chc_nurse)


def test_the_discharge_worklist_records_each_person_returned(waiting, user_for) -> None:
    coordinator = user_for("coordinator")
    _groups, shown = discharge.worklist(coordinator)
    assert shown == [waiting]
    assert reads_of(coordinator, waiting.person, "discharge.worklist") == 1


def test_the_discharge_worklist_leaves_out_other_localities(waiting, user_for) -> None:
    chc_nurse = user_for("chc")
    _groups, shown = discharge.worklist(chc_nurse)
    assert shown == []
    assert nothing_read_by(chc_nurse)


def test_the_person_page_rows_record_each_record_shown(waiting, user_for) -> None:
    coordinator = user_for("coordinator")
    discharges, _episodes = discharge.person_page_rows(coordinator, waiting.person)
    assert len(discharges) == 1
    row = AuditEvent.objects.get(
        action="read", actor=coordinator, object_type="discharge.discharge"
    )
    assert row.object_id == str(waiting.pk) and row.details["page"] == "person"


def test_the_person_page_rows_give_a_stranger_nothing(waiting, user_for) -> None:
    chc_nurse = user_for("chc")
    assert discharge.person_page_rows(chc_nurse, waiting.person) == ([], [])
    assert nothing_read_by(chc_nurse)


# ----------------------------------------------------------------------------------- CHC


@pytest.fixture
def chc_case(user_for, settings):
    from tests.factories import routed_referral

    settings.CARETRUST_TODAY = "2026-11-10"
    person = routed_referral().person  # routed to the Torquay team (the nurse's)
    return chc_services.record_checklist(
        actor=user_for("nurse"), person=person, levels=POSITIVE, completed_on=date(2026, 11, 10)
    )


def test_person_chc_records_the_read(chc_case, user_for) -> None:
    nurse = user_for("nurse")
    assert chc.person_chc(nurse, chc_case.person)["cases"] == [chc_case]
    row = AuditEvent.objects.get(action="read", actor=nurse, object_type="people.person")
    assert row.person_ref == chc_case.person.audit_ref and row.details["as"] == "chc"


def test_person_chc_refuses_a_viewer_without_a_relationship(chc_case, user_for) -> None:
    stranger = user_for("discharge")
    with pytest.raises(PermissionDenied):
        chc.person_chc(stranger, chc_case.person)
    assert nothing_read_by(stranger)


def test_a_chc_case_records_the_read(chc_case, user_for) -> None:
    nurse = user_for("nurse")
    assert chc.case(nurse, chc_case.uuid) == chc_case
    assert reads_of(nurse, chc_case.person, "chc.chccase") == 1


def test_a_chc_case_refuses_a_viewer_without_a_relationship(chc_case, user_for) -> None:
    stranger = user_for("discharge")
    with pytest.raises(PermissionDenied):
        chc.case(stranger, chc_case.uuid)
    assert nothing_read_by(stranger)


# ------------------------------------------------------------------------------ capacity


@pytest.fixture
def finding(edith, user_for):  # noqa: F811
    return _capacity(user_for("gp"), edith, "care_plan")


@pytest.fixture
def best_interests(finding, user_for):
    from caretrust.capacity import services

    return services.record_best_interests(
        actor=user_for("gp"),
        capacity_assessment=finding,
        decision="Carers twice a day rather than a move to a care home",
        wishes_and_feelings="Has always said she wants to stay at home",
        consulted="Susan (daughter): agrees; the district nurse",
        less_restrictive_options="Telecare alone: not enough for her medication",
    )


@pytest.fixture
def lpa(edith, user_for):  # noqa: F811
    return _lpa(user_for("gp"), edith, "lpa_hw")


CAPACITY_READS = [
    pytest.param("finding", capacity.assessment, "capacity.capacityassessment", id="assessment"),
    pytest.param(
        "best_interests", capacity.best_interests, "capacity.bestinterestsdecision", id="best"
    ),
    pytest.param("lpa", capacity.authority, "capacity.legalauthority", id="authority"),
]


@pytest.mark.parametrize(("fixture", "select", "object_type"), CAPACITY_READS)
def test_a_capacity_record_records_the_read(request, user_for, fixture, select, object_type):
    found = request.getfixturevalue(fixture)
    gp = user_for("gp")  # Edith is registered at the GP's practice
    assert select(gp, found.uuid) == found
    assert reads_of(gp, found.person, object_type) == 1


@pytest.mark.parametrize(("fixture", "select", "object_type"), CAPACITY_READS)
def test_a_capacity_record_refuses_a_viewer_without_a_relationship(
    request, user_for, fixture, select, object_type
):
    found = request.getfixturevalue(fixture)
    nurse = user_for("nurse")  # no relationship with Edith
    with pytest.raises(PermissionDenied):
        select(nurse, found.uuid)
    assert nothing_read_by(nurse)


def test_the_capacity_forms_person_records_the_read(edith, user_for) -> None:  # noqa: F811
    gp = user_for("gp")
    assert capacity.person_for_form(gp, edith.ref, "capacity.assess") == edith
    row = AuditEvent.objects.get(action="read", actor=gp, object_type="people.person")
    assert row.person_ref == edith.audit_ref and row.details["page"] == "capacity.assess"


def test_the_capacity_forms_person_refuses_a_stranger(edith, user_for) -> None:  # noqa: F811
    nurse = user_for("nurse")
    with pytest.raises(PermissionDenied):
        capacity.person_for_form(nurse, edith.ref, "capacity.assess")
    assert nothing_read_by(nurse)


# ------------------------------------------------------------------------------- funding


def test_the_assessment_forms_person_records_the_read(agreed_plan, user_for) -> None:  # noqa: F811
    finance = user_for("finance")
    assert funding.person_for_assessment(finance, agreed_plan.person.ref) == agreed_plan.person
    assert reads_of(finance, agreed_plan.person, "people.person") == 1


def test_the_assessment_forms_person_refuses_a_stranger(user_for) -> None:
    nobody = make_person(given_name="Nora", family_name="Plan")
    finance = user_for("finance")
    with pytest.raises(PermissionDenied):
        funding.person_for_assessment(finance, nobody.ref)
    assert nothing_read_by(finance)


def test_a_financial_assessment_records_the_read(agreed_plan, user_for) -> None:  # noqa: F811
    assessment = _assess(user_for, agreed_plan.person)
    finance = user_for("finance")
    assert funding.financial_assessment(finance, assessment.pk, page="letter") == assessment
    row = AuditEvent.objects.get(
        action="read", actor=finance, object_type="funding.financialassessment"
    )
    assert row.person_ref == agreed_plan.person.audit_ref and row.details["page"] == "letter"


def test_a_financial_assessment_refuses_a_viewer_without_a_relationship(
    agreed_plan,  # noqa: F811
    user_for,
) -> None:
    assessment = _assess(user_for, agreed_plan.person)
    no_longer_current(agreed_plan)
    finance = user_for("finance")
    with pytest.raises(PermissionDenied):
        funding.financial_assessment(finance, assessment.pk)
    assert nothing_read_by(finance)


def test_who_pays_records_the_read(agreed_plan, user_for) -> None:  # noqa: F811
    finance = user_for("finance")
    plan, charges = funding.who_pays(finance, agreed_plan.person)
    assert plan == agreed_plan and charges is not None
    assert reads_of(finance, agreed_plan.person, "people.person") == 1


def test_who_pays_refuses_a_viewer_without_a_relationship(agreed_plan, user_for) -> None:  # noqa: F811
    no_longer_current(agreed_plan)
    finance = user_for("finance")
    with pytest.raises(PermissionDenied):
        funding.who_pays(finance, agreed_plan.person)
    assert nothing_read_by(finance)


def test_the_finance_worklist_records_each_person_returned(agreed_plan, user_for) -> None:  # noqa: F811
    finance = user_for("finance")
    work = finance_work(finance, date(2026, 11, 2))
    assert [row.person for row in work.waiting] == [agreed_plan.person]
    assert reads_of(finance, agreed_plan.person, "funding.worklist") == 1


def test_the_finance_worklist_leaves_out_people_without_a_relationship(
    agreed_plan,  # noqa: F811
    user_for,
) -> None:
    no_longer_current(agreed_plan)
    finance = user_for("finance")
    work = finance_work(finance, date(2026, 11, 2))
    assert work.waiting == [] and work.due == []
    assert nothing_read_by(finance)


# ------------------------------------------------------------------------------ outcomes


@pytest.fixture
def scored(registered, tmp_path):  # noqa: F811
    write_scores(tmp_path, registered, [0.9, 0.2, 0.7, 0.4])
    load_scores(data_dir=tmp_path)
    return registered


def test_case_finding_records_each_person_listed(scored, user_for) -> None:
    coordinator = user_for("coordinator")  # Torquay: practices DEMO-GP1 and DEMO-GP2
    page, _practices = outcomes.case_finding(coordinator)
    assert {row.person_ref for row in page.rows} == {str(p.ref) for p in scored[:3]}
    assert all(reads_of(coordinator, p, "outcomes.case_finding") == 1 for p in scored[:3])
    assert reads_of(coordinator, scored[3]) == 0  # another locality's practice


def test_case_finding_gives_a_viewer_without_practices_nothing(scored, user_for) -> None:
    ot = user_for("ot")  # works for the trust, at no practice and in no locality's case finding
    try:
        page, _practices = outcomes.case_finding(ot)
    except PermissionDenied:
        pass  # the role does not case-find at all
    else:
        assert page.rows == []
    assert nothing_read_by(ot)


def test_the_score_to_refer_records_the_read(scored, user_for) -> None:
    from caretrust.outcomes.models import RiskScore

    coordinator = user_for("coordinator")
    score = RiskScore.objects.get(person=scored[0])
    assert outcomes.score_to_refer(coordinator, score.pk) == score
    row = AuditEvent.objects.get(action="read", actor=coordinator, object_type="people.person")
    assert row.person_ref == scored[0].audit_ref
    assert row.details["page"] == "refer from case finding"


def test_the_score_to_refer_refuses_another_practices_person(scored, user_for) -> None:
    from caretrust.outcomes.models import RiskScore

    coordinator = user_for("coordinator")
    score = RiskScore.objects.get(person=scored[3])  # DEMO-GP3: Paignton
    with pytest.raises(PermissionDenied):
        outcomes.score_to_refer(coordinator, score.pk)
    assert nothing_read_by(coordinator)


# -------------------------------------------------------------------------------- people


def test_merges_into_record_records_both_sides(wrongly_joined, user_for) -> None:  # noqa: F811
    coordinator = user_for("coordinator")  # reviews linkage
    assert people.merges_into_record(wrongly_joined.survivor, viewer=coordinator) == [
        wrongly_joined
    ]
    assert reads_of(coordinator, wrongly_joined.survivor, "people.merge") == 1
    assert reads_of(coordinator, wrongly_joined.merged, "people.merge") == 1


def test_merges_into_record_gives_a_non_reviewer_nothing(wrongly_joined, user_for) -> None:  # noqa: F811
    gp = user_for("gp")  # sees the record, does not review linkage
    assert people.merges_into_record(wrongly_joined.survivor, viewer=gp) == []
    assert nothing_read_by(gp)


def test_recent_merges_records_both_sides(wrongly_joined, user_for) -> None:  # noqa: F811
    coordinator = user_for("coordinator")
    assert people.recent_merges(10, viewer=coordinator) == [wrongly_joined]
    assert reads_of(coordinator, wrongly_joined.merged, "people.merge") == 1


def test_recent_merges_gives_a_non_reviewer_nothing(wrongly_joined, user_for) -> None:  # noqa: F811
    gp = user_for("gp")
    assert people.recent_merges(10, viewer=gp) == []
    assert nothing_read_by(gp)

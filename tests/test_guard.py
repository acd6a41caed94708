"""Guarded managers (ADR 89): Person, Referral, CarePlan, Assessment and FinancialAssessment are
written only by their service. A direct create, bulk create, queryset update or save of a new
instance is refused with an error that names the service to call; the services still work."""

from __future__ import annotations

import pytest

from caretrust import guard
from caretrust.access.models import AuditEvent
from caretrust.assessments.models import Assessment
from caretrust.careplans.models import CarePlan
from caretrust.funding.models import FinancialAssessment
from caretrust.people.models import Person
from caretrust.referrals.models import Referral
from tests.factories import make_assessment, make_person, make_plan, make_referral, person_row

pytestmark = pytest.mark.django_db

SERVICES = {
    Person: "caretrust.people.services.create_person",
    Referral: "caretrust.referrals.services.submit_professional_referral",
    CarePlan: "caretrust.careplans.services.create_plan",
    Assessment: "caretrust.assessments.services.start_assessment",
    FinancialAssessment: "caretrust.funding.services.record_financial_assessment",
}
GUARDED = list(SERVICES)


@pytest.mark.parametrize("model", GUARDED, ids=lambda m: m.__name__)
def test_a_direct_create_is_refused_naming_the_service(model) -> None:
    with pytest.raises(guard.DirectWriteRefused) as refused:
        model.objects.create()
    message = str(refused.value)
    assert f"{model.__name__}.objects.create() refused outside its service" in message
    assert SERVICES[model] in message
    assert model.writes_through.factory in message and "guard.bulk_load" in message
    assert not model.objects.exists()


@pytest.mark.parametrize("model", GUARDED, ids=lambda m: m.__name__)
def test_saving_a_new_instance_and_bulk_create_are_refused(model) -> None:
    with pytest.raises(guard.DirectWriteRefused, match=SERVICES[model]):
        model().save()
    with pytest.raises(guard.DirectWriteRefused, match="bulk_create"):
        model.objects.bulk_create([model()])
    with pytest.raises(guard.DirectWriteRefused, match="update_or_create"):
        model.objects.update_or_create(pk=1)
    assert not model.objects.exists()


@pytest.mark.parametrize("model", GUARDED, ids=lambda m: m.__name__)
def test_a_queryset_update_is_refused_even_when_it_matches_nothing(model) -> None:
    with pytest.raises(guard.DirectWriteRefused, match="queryset update"):
        model.objects.filter(pk=0).update(pk=0)
    with pytest.raises(guard.DirectWriteRefused, match="bulk_update"):
        model.objects.bulk_update([], ["pk"])


def test_a_related_manager_create_is_refused_too(demo_directory) -> None:
    person = make_person()
    with pytest.raises(guard.DirectWriteRefused, match="submit_professional_referral"):
        person.referrals.create(reason="skips the service")


def test_the_services_still_create_with_their_audit_rows(demo_directory) -> None:
    # FinancialAssessment's service is exercised in tests/funding/test_plan_charges.py
    # (test_the_finance_officer_records_an_audited_assessment and the worklist tests).
    plan = make_plan()
    assessment = Assessment.objects.get()
    for obj in (plan.person, plan.referral, assessment, plan):
        assert AuditEvent.objects.filter(
            object_type=obj._meta.label_lower, object_id=str(obj.pk), action="create"
        ).exists(), obj
    assert make_assessment(referral=make_referral(person=plan.person)) == assessment  # one open


def test_an_existing_row_can_still_be_saved_and_reads_are_untouched(demo_directory) -> None:
    person = make_person()
    person.postcode = "TQ1 1AA"
    person.save()  # services save rows they read (ADR 89: only new rows are refused)
    assert Person.objects.get(pk=person.pk).postcode == "TQ1 1AA"
    assert Person.objects.filter(pk=person.pk).count() == 1


def test_the_named_bulk_path_opens_the_gate_for_its_block_only(demo_directory) -> None:
    before = Person.objects.count()
    with guard.bulk_load(Person, why="test"):
        assert guard.is_open(Person) and not guard.is_open(Referral)
        Person.objects.bulk_create([Person(given_name="A", family_name="B")])
    assert not guard.is_open(Person)
    with pytest.raises(ValueError, match="reason"), guard.bulk_load(Person, why=" "):
        pass
    assert person_row(given_name="C", family_name="D").pk
    assert Person.objects.count() == before + 2

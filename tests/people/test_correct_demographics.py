"""Correctable, plausible data (issue #15, ADR 72): implausible dates of birth are refused on every
form that takes one; an authorised user corrects a person's demographics (a new version, audited);
the referral page shows who the person is and how to reach them and the referrer, with times
computed at each showing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from caretrust import clock
from caretrust.access.models import AuditEvent
from caretrust.organisations.models import Team
from caretrust.people import services
from caretrust.people.fhir_patient import Demographics
from caretrust.people.models import Person, PersonVersion
from caretrust.referrals import services as referrals
from caretrust.referrals.forms import ProfessionalReferralForm, SelfReferralForm
from tests.factories import force_update


@pytest.fixture
def person(user_for) -> Person:
    return services.create_person(
        actor=user_for("coordinator"),
        demographics=Demographics(
            given_name="Mary",
            family_name="Jonse",
            birth_date=date(1941, 5, 12),
            sex="female",
            address="3 Quay Street, Torquay",
            postcode="TQ1 1AA",
            phone="01803 000111",
            nhs_number="9990000026",
            gp_practice_code="DEMO-GP1",
        ),
    )


@pytest.fixture
def referral(user_for, person):
    referral = referrals.submit_professional_referral(
        actor=user_for("gp"),
        person=person,
        source="gp",
        reason="Fell at home; lives alone.",
        referrer_contact="Dr Moss, 01803 555123",
        consent=True,
    )
    coordinator = user_for("coordinator")
    referrals.claim(actor=coordinator, referral=referral)
    return referral


@pytest.mark.parametrize("form_class", [ProfessionalReferralForm, SelfReferralForm])
@pytest.mark.parametrize(
    ("born", "message"),
    [
        (lambda today: today + timedelta(days=1), "Date of birth must be today or in the past"),
        (
            lambda today: today.replace(year=today.year - 121),
            "Date of birth must be within the last 120 years",
        ),
    ],
)
def test_referral_forms_refuse_an_implausible_date_of_birth(
    demo_directory, form_class, born, message
):
    form = form_class(data={"birth_date": born(clock.today()).isoformat()})
    assert not form.is_valid()
    assert form.errors["birth_date"] == [message]
    plausible = form_class(data={"birth_date": "1941-05-12"})
    plausible.is_valid()
    assert "birth_date" not in plausible.errors


def test_the_referral_page_refuses_a_future_date_of_birth_and_keeps_the_input(client, user_for):
    client.force_login(user_for("gp"))
    future = (clock.today() + timedelta(days=30)).isoformat()
    page = client.post(
        "/referrals/new/", {"given_name": "Ann", "family_name": "Lee", "birth_date": future}
    ).content.decode()
    assert "There is a problem" in page
    assert "Date of birth must be today or in the past" in page and "#birth_date" in page
    assert f'value="{future}"' in page


def test_the_co_ordinator_corrects_a_name_as_a_new_audited_version(client, user_for, referral):
    person = referral.person
    coordinator = user_for("coordinator")
    client.force_login(coordinator)
    assert (
        f"/people/{person.ref}/correct-details/"
        in client.get(f"/people/{person.ref}/").content.decode()
    )
    url = f"/people/{person.ref}/correct-details/"
    form = {
        "version": person.version,
        "given_name": "Mary",
        "family_name": "Jones",
        "birth_date": "1941-05-12",
        "sex": "female",
        "address": "3 Quay Street, Torquay",
        "postcode": "TQ1 1AA",
        "phone": "01803 000111",
        "reason": "Surname misspelt at referral; checked with Mary",
    }
    refused = client.post(url, {**form, "birth_date": "2999-01-01"}).content.decode()
    assert "Date of birth must be today or in the past" in refused and 'value="Jones"' in refused
    assert client.post(url, form).status_code == 302
    person.refresh_from_db()
    assert person.family_name == "Jones" and person.version == 2
    assert list(PersonVersion.objects.filter(person=person).values_list("version", flat=True)) == [
        2,
        1,
    ]
    old = PersonVersion.objects.get(person=person, version=1).snapshot
    assert old["name"][0]["family"] == "Jonse"
    event = AuditEvent.objects.filter(
        action="update", object_type="people.person", actor=coordinator
    ).latest("pk")
    assert event.details["corrected"] == ["family_name"]
    assert event.reason == "Surname misspelt at referral; checked with Mary"
    stale = client.post(url, {**form, "family_name": "Jones-Smith"}).content.decode()
    assert "Someone changed these details after you opened the page" in stale


def test_only_the_named_co_ordinator_or_allocated_worker_may_correct(user_for, referral):
    person = referral.person
    referrals.route(
        actor=user_for("coordinator"), referral=referral, team=Team.objects.get(code="torquay-mdt")
    )
    nurse = user_for("nurse")
    referrals.accept(actor=user_for("ot"), referral=referral, allocate_to=user_for("ot"))
    correct = dict(expected_version=person.version, reason="Phone number changed")
    with pytest.raises(PermissionDenied):  # on the team, but not the allocated worker
        services.correct_demographics(actor=nurse, person=person, phone="07700 900001", **correct)
    with pytest.raises(PermissionDenied):  # the GP who referred: not theirs to correct
        services.correct_demographics(
            actor=user_for("gp"), person=person, phone="07700 900001", **correct
        )
    services.correct_demographics(
        actor=user_for("ot"), person=person, phone="07700 900001", **correct
    )
    person.refresh_from_db()
    assert person.phone == "07700 900001" and person.demographics_source == "caretrust"


def test_break_glass_never_opens_a_correction(user_for, person):
    from caretrust.access.services import break_glass

    stranger = user_for("nurse")
    break_glass(
        actor=stranger,
        person=person,
        justification="public_interest",
        reason="Safeguarding call from the police about a fall at home tonight",
    )
    with pytest.raises(PermissionDenied):
        services.correct_demographics(
            actor=stranger,
            person=person,
            expected_version=person.version,
            reason="Typo",
            given_name="May",
        )


def test_the_referral_page_shows_who_the_person_is_and_how_to_reach_them(
    client, user_for, referral
):
    client.force_login(user_for("coordinator"))
    page = client.get(f"/referrals/{referral.reference}/").content.decode()
    today = clock.today()
    age = today.year - 1941 - ((today.month, today.day) < (5, 12))
    assert "999 000 0026" in page
    assert f"{age} (born 12 May 1941)" in page
    assert "3 Quay Street, Torquay TQ1 1AA" in page
    assert "01803 000111" in page and "Dr Moss, 01803 555123" in page


def test_relative_times_are_computed_each_time_the_page_is_shown(client, user_for, referral):
    from caretrust.referrals.models import Referral

    client.force_login(user_for("coordinator"))
    url = f"/referrals/{referral.reference}/"
    force_update(
        Referral.objects.filter(pk=referral.pk), created_at=timezone.now() - timedelta(minutes=1)
    )
    assert "1 min ago" in client.get(url).content.decode()
    force_update(
        Referral.objects.filter(pk=referral.pk),
        created_at=timezone.now() - timedelta(hours=2, minutes=5),
    )
    assert "2 h 5 min ago" in client.get(url).content.decode()


def test_create_person_refuses_an_implausible_date_of_birth_too(user_for) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="within the last 120 years"):
        services.create_person(
            actor=user_for("coordinator"),
            demographics=Demographics(
                given_name="Old", family_name="Record", birth_date=date(1880, 1, 1)
            ),
        )
    assert not Person.objects.filter(family_name="Record").exists()

"""The records behind free care: s117 aftercare and reablement episodes, recorded on the person's
entitlements page (NHS.UK error pattern), audited, and current only within their dates."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from caretrust.access.models import AuditEvent
from caretrust.entitlements import selectors, services
from caretrust.organisations.models import Organisation, Team
from caretrust.referrals import services as referrals
from tests.factories import person_row


@pytest.fixture
def person(user_for):
    person = person_row(
        given_name="Ann",
        family_name="Lee",
        birth_date=date(1960, 1, 1),
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )
    referral = referrals.submit_professional_referral(
        actor=user_for("gp"),
        person=person,
        source="gp",
        reason="Discharged from a section 3",
        consent=True,
    )
    coordinator = user_for("coordinator")
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code="torquay-mdt"))
    referrals.accept(actor=user_for("ot"), referral=referral, allocate_to=user_for("ot"))
    return person


def test_current_only_within_their_dates(user_for, person) -> None:
    sw = user_for("socialworker")
    services.record_s117(
        actor=sw, person=person, start=date(2026, 1, 5), end=date(2026, 6, 30), detention="s3"
    )
    episode = services.start_reablement(actor=sw, person=person, start=date(2026, 2, 2))
    assert episode.end == date(2026, 3, 15)  # six weeks, last day included
    assert selectors.s117_in_force(person, date(2026, 6, 30))
    assert not selectors.s117_in_force(person, date(2026, 7, 1))
    assert selectors.reablement_in_force(person, date(2026, 3, 15))
    assert not selectors.reablement_in_force(person, date(2026, 3, 16))
    assert AuditEvent.objects.filter(object_type__startswith="entitlements.").count() == 2


def test_only_with_a_relationship(person, django_user_model) -> None:
    outsider = django_user_model.objects.create_user(
        "sw9", role="practitioner", profession="social_worker"
    )
    with pytest.raises(PermissionDenied):
        services.record_s117(actor=outsider, person=person, start=date(2026, 1, 5), detention="s3")


def test_the_page_records_with_the_error_pattern(client, user_for, person) -> None:
    client.force_login(user_for("ot"))
    url = f"/entitlements/person/{person.ref}/"
    assert "None recorded." in client.get(url).content.decode()
    page = client.post(url, {"kind": "s117", "detention": "", "s117_start": ""}).content.decode()
    assert "There is a problem" in page and 'href="#detention"' in page
    response = client.post(
        url, {"kind": "s117", "detention": "Section 3, Torbay Hospital", "s117_start": "2026-01-05"}
    )
    assert response.status_code == 302
    response = client.post(url, {"kind": "reablement", "reablement_start": "2026-02-02"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Section 3, Torbay Hospital" in page and "15 March 2026" in page

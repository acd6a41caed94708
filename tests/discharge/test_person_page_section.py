"""The person page's "Hospital discharge and reablement" section (ADR 104), registered into the
record hub by the discharge app: each discharge referral with its ready date, pathway, status
and days delayed (calendar days, pathways.md §2 [N]: delay = discharge date - ready date), and
each reablement episode; every record listed is an audited read.

By hand, today 20 December 2026:
- first discharge: pathway 1, ready 2 Nov, discharged 5 Nov -> 3 days delayed; reablement from
  6 Nov (within DHSC's -7/+3 days), ended 10 Dec "No services: no identified needs";
- second discharge: pathway 2, ready 17 Dec, waiting -> ready 3 days ago.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from caretrust.access.models import AuditEvent
from caretrust.discharge import services
from tests.discharge.test_discharge import discharge_referral
from tests.factories import make_person

pytestmark = pytest.mark.django_db
HEADING = "Hospital discharge and reablement"


@pytest.fixture(autouse=True)
def fixed_today(settings):
    settings.CARETRUST_TODAY = "2026-12-20"


@pytest.fixture
def two_discharges(user_for):
    coordinator = user_for("coordinator")
    person = make_person(given_name="Ivy", family_name="Hart")
    first = discharge_referral(user_for, ready=date(2026, 11, 2), pathway=1, person=person)
    services.record_discharge(
        actor=coordinator,
        discharge=first,
        discharged_on=date(2026, 11, 5),
        destination="usual_with_support",
        delay_reason="Waiting for a home care start",
    )
    services.start_reablement(actor=coordinator, discharge=first, start=date(2026, 11, 6))
    services.record_reablement_outcome(
        actor=coordinator,
        discharge=first,
        outcome="no_services_no_needs",
        ended_on=date(2026, 12, 10),
    )
    second = discharge_referral(user_for, ready=date(2026, 12, 17), pathway=2, person=person)
    return person, first, second


def test_the_section_lists_discharges_and_reablement(client, user_for, two_discharges) -> None:
    person, first, second = two_discharges
    coordinator = user_for("coordinator")
    client.force_login(coordinator)
    before = AuditEvent.objects.filter(action=AuditEvent.Action.READ).count()
    html = client.get(reverse("record:person", args=[person.ref])).content.decode()
    assert HEADING in html
    section = html[html.index(HEADING) :]
    # Newest ready date first; each links to its discharge page.
    assert section.index("Pathway 2 discharge, ready 17 December 2026") < section.index(
        "Pathway 1 discharge, ready 02 November 2026"
    )
    assert reverse("discharge:detail", args=[second.uuid]) in section
    assert "Waiting for discharge: ready 3 days ago" in section
    assert reverse("discharge:detail", args=[first.uuid]) in section
    assert "Discharged: 3 days delayed (discharged 05 November 2026)" in section
    assert "Reablement from 06 November 2026" in section
    assert "Ended 10 December 2026: No services: no identified needs" in section
    # Audited like the others: one read per discharge and per episode shown, naming the page.
    reads = AuditEvent.objects.filter(action=AuditEvent.Action.READ).order_by("pk")[before:]
    shown = [(e.object_type, e.details.get("page")) for e in reads if e.details.get("page")]
    assert shown.count(("discharge.discharge", "person")) == 2
    assert shown.count(("entitlements.reablementepisode", "person")) == 1


def test_no_section_without_discharges(client, user_for) -> None:
    person = make_person(given_name="Nell", family_name="Ward")
    discharge_referral(user_for, ready=date(2026, 12, 20), pathway=0)  # someone else's
    client.force_login(user_for("coordinator"))
    html = client.get(reverse("record:person", args=[person.ref])).content.decode()
    assert HEADING not in html

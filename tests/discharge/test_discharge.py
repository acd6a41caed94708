"""Hospital discharge (discharge to assess, pathways.md §2): a hospital discharge referral (web
form and FHIR ServiceRequest) records the discharge-ready date (with history) and pathway 0-3;
the co-ordinators see the wait by pathway in calendar days; the discharge date closes it; states
move only along the table; every write is audited."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from caretrust.access.models import AuditEvent
from caretrust.discharge import selectors, services
from caretrust.discharge.models import Discharge
from caretrust.discharge.states import DISCHARGE
from caretrust.fhir import registry
from caretrust.fhir.registry import FhirContext, Unprocessable
from caretrust.referrals import fhir
from caretrust.referrals.models import Referral
from caretrust.statemachine import InvalidTransition
from tests.factories import make_person, make_referral

TODAY = date(2026, 11, 10)


@pytest.fixture(autouse=True)
def fixed_today(settings):
    settings.CARETRUST_TODAY = TODAY.isoformat()


def discharge_referral(user_for, *, ready: date = date(2026, 11, 7), pathway: int = 1, person=None):
    referral = make_referral(
        person=person or make_person(),
        actor=user_for("discharge"),
        source="hospital_discharge",
        reason="Ready to leave the ward after a fall; needs help at home.",
        extra={"discharge": {"ready_date": ready, "pathway": pathway}},
    )
    return Discharge.objects.get(referral=referral)


def test_the_transition_table() -> None:
    assert DISCHARGE.allowed("awaiting") == {"discharged", "cancelled"}
    assert DISCHARGE.final("discharged") and DISCHARGE.final("cancelled")
    with pytest.raises(InvalidTransition, match="'discharged' and cannot become 'cancelled'"):
        DISCHARGE.check("discharged", "cancelled")


def test_a_discharge_referral_starts_the_wait_with_its_ready_date(user_for) -> None:
    d = discharge_referral(user_for)
    assert (d.status, d.pathway, d.ready_date) == ("awaiting", 1, date(2026, 11, 7))
    assert [h.ready_date for h in d.ready_dates.all()] == [date(2026, 11, 7)]
    assert AuditEvent.objects.filter(object_type="discharge.discharge", action="create").exists()
    assert selectors.days_since_ready(d) == 3


def test_the_form_asks_a_hospital_for_both(client, user_for) -> None:
    client.force_login(user_for("discharge"))
    response = client.post(
        reverse("referrals:new"),
        {
            "source": "hospital_discharge",
            "given_name": "Ada",
            "family_name": "Brown",
            "birth_date": "1938-02-03",
            "sex": "female",
            "postcode": "TQ1 1AA",
            "locality": "",
            "gp_practice": "",
            "reason": "Ready to go home after a stroke; needs support to wash.",
            "lives_alone": "yes",
            "requested_urgency": "urgent",
            "consent": "on",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Enter the date the person is ready for discharge" in text
    assert "Choose the discharge pathway" in text
    assert not Referral.objects.exists()


def test_a_ready_date_years_out_refuses_the_whole_referral(user_for) -> None:
    with pytest.raises(ValidationError, match="within the last year"):
        discharge_referral(user_for, ready=date(2020, 1, 1))
    assert not Referral.objects.exists() and not Discharge.objects.exists()


def test_fhir_service_request_with_ready_date_and_pathway(user_for) -> None:
    person = make_person()
    ctx = FhirContext(user=user_for("discharge"), base_url="http://testserver/fhir")
    resource = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "order",
        "subject": {"reference": f"Patient/{person.ref}"},
        "category": [
            {"coding": [{"system": fhir.SOURCE_SYSTEM, "code": "hospital_discharge"}]},
            {"coding": [{"system": fhir.DISCHARGE_PATHWAY_SYSTEM, "code": "2"}]},
        ],
        "extension": [{"url": fhir.DISCHARGE_READY_DATE_URL, "valueDate": "2026-11-09"}],
        "reasonCode": [{"text": "Medically optimised; needs a community bed to recover."}],
    }
    registry.get("ServiceRequest").create(ctx, resource)
    d = Discharge.objects.get()
    assert (d.pathway, d.ready_date, d.referral.source) == (
        2,
        date(2026, 11, 9),
        "hospital_discharge",
    )
    bad = {
        **resource,
        "category": [
            resource["category"][0],
            {"coding": [{"system": fhir.DISCHARGE_PATHWAY_SYSTEM, "code": "5"}]},
        ],
    }
    with pytest.raises(Unprocessable, match="pathway 0, 1, 2 or 3"):
        registry.get("ServiceRequest").create(ctx, bad)
    no_date = {
        **resource,
        "extension": [{"url": fhir.DISCHARGE_READY_DATE_URL, "valueDate": "soon"}],
    }
    with pytest.raises(Unprocessable, match="must be a date"):
        registry.get("ServiceRequest").create(ctx, no_date)
    assert Discharge.objects.count() == 1


def test_the_discharge_date_closes_the_wait_once(user_for) -> None:
    coordinator = user_for("coordinator")
    d = discharge_referral(user_for)
    with pytest.raises(ValidationError, match="after their ready date"):
        services.record_discharge(
            actor=coordinator,
            discharge=d,
            discharged_on=date(2026, 11, 9),
            destination="usual_residence",
        )
    with pytest.raises(ValidationError, match="in the future"):
        services.record_discharge(
            actor=coordinator,
            discharge=d,
            discharged_on=date(2026, 11, 11),
            destination="usual_residence",
        )
    services.record_discharge(
        actor=coordinator,
        discharge=d,
        discharged_on=date(2026, 11, 9),
        destination="usual_with_support",
        delay_reason="Waiting for a home care start",
    )
    assert (d.status, d.delay_days) == ("discharged", 2)
    assert not selectors.waiting(coordinator).exists()
    with pytest.raises(InvalidTransition):
        services.record_discharge(
            actor=coordinator,
            discharge=d,
            discharged_on=date(2026, 11, 9),
            destination="care_home",
            delay_reason="x",
        )
    with pytest.raises(InvalidTransition):
        services.cancel(actor=coordinator, discharge=d, reason="changed mind")
    stale = Discharge.objects.get(pk=d.pk)
    stale.status = "awaiting"  # a page read before the discharge was recorded
    with pytest.raises(InvalidTransition):
        services.cancel(actor=coordinator, discharge=stale, reason="went elsewhere")


def test_ready_date_history_and_who_may_change_it(user_for) -> None:
    d = discharge_referral(user_for)
    with pytest.raises(PermissionDenied):
        services.change_ready_date(
            actor=user_for("finance"), discharge=d, ready_date=date(2026, 11, 12), reason="x"
        )
    with pytest.raises(ValidationError, match="Say why"):
        services.change_ready_date(
            actor=user_for("coordinator"), discharge=d, ready_date=date(2026, 11, 12), reason=" "
        )
    services.change_ready_date(
        actor=user_for("coordinator"),
        discharge=d,
        ready_date=date(2026, 11, 12),
        reason="New infection",
    )
    assert [h.ready_date for h in d.ready_dates.all()] == [date(2026, 11, 7), date(2026, 11, 12)]
    assert selectors.days_since_ready(d) == -2


def test_worklists_show_the_wait_by_pathway(client, user_for) -> None:
    discharge_referral(user_for, ready=date(2026, 11, 7), pathway=1)
    discharge_referral(
        user_for, ready=date(2026, 11, 10), pathway=3, person=make_person(given_name="Bea")
    )
    coordinator = user_for("coordinator")
    groups, _shown = selectors.worklist(coordinator)
    assert [(g.pathway, [r.days for r in g.rows]) for g in groups] == [
        (0, []),
        (1, [3]),
        (2, []),
        (3, [0]),
    ]
    client.force_login(coordinator)
    # The selector called above recorded its two people (ADR 108): count the page's own rows.
    before = AuditEvent.objects.filter(object_type="discharge.worklist").count()
    page = client.get(reverse("discharge:worklist") + "?pathway=1").content.decode()
    assert "ready 3 days ago" in page and "Bea" not in page
    worklist = client.get(reverse("referrals:worklist")).content.decode()
    assert "Pathway 1: ready 3 days ago" in worklist and "Pathway 3: ready today" in worklist
    # only the person shown (pathway 1) is audited as read
    assert AuditEvent.objects.filter(object_type="discharge.worklist").count() - before == 1
    client.force_login(user_for("ot"))
    assert client.get(reverse("discharge:worklist")).status_code == 403


def test_the_discharge_page_moves_it_along(client, user_for) -> None:
    d = discharge_referral(user_for, ready=date(2026, 11, 10))
    url = reverse("discharge:detail", args=[d.uuid])
    client.force_login(user_for("nurse"))  # same team, no relationship with the person
    assert client.get(url).status_code == 403
    client.force_login(user_for("coordinator"))
    page = client.get(url).content.decode()
    assert "Record the discharge" in page and "Start reablement" not in page
    bad = client.post(url, {"kind": "discharge", "discharged_on": "", "destination": ""})
    assert "Enter the date the person left hospital" in bad.content.decode()
    steps = [
        {"kind": "discharge", "discharged_on": "2026-11-10", "destination": "usual_with_support"},
        {"kind": "reablement", "start": "2026-11-10", "goal": "Cook again"},
        {"kind": "outcome", "outcome": "ongoing_low_level", "ended_on": "2026-11-10"},
    ]
    for step in steps:
        assert client.post(url, step).status_code == 302
    d.refresh_from_db()
    assert (d.status, d.reablement.status, d.reablement.outcome) == (
        "discharged",
        "ended",
        "ongoing_low_level",
    )
    assert "Ongoing low-level support, ended 10 November 2026" in client.get(url).content.decode()
    indicators = client.get(reverse("discharge:indicators") + "?pathway=1").content.decode()
    assert "Share discharged on their discharge ready date, pathway 1" in indicators
    assert "ASCOF 2A" in indicators

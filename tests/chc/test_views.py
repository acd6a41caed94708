"""The CHC pages: thin views over the services, errors on the form, refusals audited."""

from __future__ import annotations

from caretrust.access.models import AuditEvent
from caretrust.chc import rules
from caretrust.chc.models import ChcCase


def test_the_checklist_from_the_person_page_opens_a_case(client, user_for, person, today):
    client.force_login(user_for("nurse"))
    page = client.get(f"/continuing-healthcare/person/{person.ref}/").content.decode()
    assert "No current eligibility decision" in page and "Record the checklist" in page
    data = {f"checklist_{key}": "C" for key in rules.CHECKLIST_DOMAINS}
    data.update(checklist_behaviour="A", completed_on=today, received_on=today)
    response = client.post(f"/continuing-healthcare/person/{person.ref}/checklist/", data)
    case = ChcCase.objects.get(person=person)
    assert response.status_code == 302 and case.status == "awaiting_dst"
    page = client.get(f"/continuing-healthcare/case/{case.uuid}/").content.decode()
    assert "Checklist: positive" in page and "Day 0 of 28" in page
    assert "Record the full assessment" in page and "Record the ICB" not in page


def test_a_missing_score_is_shown_on_the_form(client, user_for, person, today):
    client.force_login(user_for("nurse"))
    page = client.post(
        f"/continuing-healthcare/person/{person.ref}/checklist/",
        {"completed_on": today, "received_on": today},
    ).content.decode()
    assert "Choose A, B or C for breathing" in page
    assert not ChcCase.objects.filter(person=person).exists()


def test_a_nurse_cannot_post_a_decision(client, user_for, assessed):
    client.force_login(user_for("nurse"))
    response = client.post(
        f"/continuing-healthcare/case/{assessed.uuid}/decision/",
        {
            "decision": "eligible",
            "reasons": "r",
            "decider_role": "r",
            "decided_on": "2026-06-15",
        },
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ACCESS_DENIED).exists()
    assessed.refresh_from_db()
    assert assessed.status == "awaiting_decision"


def test_the_icb_decides_from_the_worklist(client, user_for, assessed, today):
    client.force_login(user_for("chc"))
    page = client.get("/continuing-healthcare/").content.decode()
    assert assessed.person.display_name in page and "Decisions within 28 days" in page
    response = client.post(
        f"/continuing-healthcare/case/{assessed.uuid}/decision/",
        {
            "decision": "eligible",
            "reasons": "Primary health need.",
            "decider_role": "ICB CHC clinical lead",
            "decided_on": today.isoformat(),
        },
    )
    assert response.status_code == 302
    page = client.get(f"/continuing-healthcare/case/{assessed.uuid}/").content.decode()
    assert "Next review due 15 September 2026" in page


def test_bad_report_dates_are_a_form_error_not_a_crash(client, user_for, today):
    client.force_login(user_for("chc"))
    response = client.get("/continuing-healthcare/?start=2026-13-01&end=x")
    assert response.status_code == 200
    assert "Enter a real date" in response.content.decode()

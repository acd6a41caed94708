"""Raise a concern from anywhere: the person page, a visit on the visits list, a task and a
referral each offer "Raise a safeguarding concern" (registered by the safeguarding app into the
lower areas' registries, ADR 83); the concern remembers where it was raised."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from caretrust.access.models import AuditEvent
from caretrust.safeguarding.models import Concern

pytestmark = pytest.mark.django_db

LINK = "Raise a safeguarding concern"


@pytest.fixture
def story(demo_directory):
    from caretrust.demo.scenario import load_demo_scenario
    from caretrust.people.models import Person
    from caretrust.portal.demo import EDITH_NHS_NUMBER

    assert load_demo_scenario()
    return Person.objects.with_nhs_number(EDITH_NHS_NUMBER).get()


def _raise(client, url: str) -> Concern:
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "facts": "Unexplained bruising on her arms.",
            "abuse_types": ["physical", "neglect"],
            "location": "own_home",
            "source_of_risk": "known",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return Concern.objects.latest("raised_at")


def _link(html: str) -> str:
    """The "Raise a safeguarding concern" link about Edith (its hidden words name her)."""
    start = html.index(LINK)
    if "about Edith SMITH" in html:
        start = html.index("about Edith SMITH")
    href = html.rindex('href="', 0, start) + 6
    return html[href : html.index('"', href)].replace("&amp;", "&")


def test_from_a_visit_a_task_a_referral_and_the_person_page(story, client, user_for) -> None:
    from caretrust.careplans.models import Visit
    from caretrust.referrals.models import Referral
    from caretrust.workspace.services import create_task

    nurse = user_for("nurse")
    client.force_login(nurse)
    visits = client.get(reverse("careplans:visits")).content.decode()
    concern = _raise(client, _link(visits))
    assert concern.raised_from == "visit"
    assert concern.raised_from_label.startswith("Visit: ")
    assert concern.person == story
    assert Visit.objects.filter(person=story, date=concern.received_on).exists()

    task = create_task(
        actor=nurse,
        person=story,
        title="Check the bruising",
        due_date=date(2030, 1, 1),
        assigned_user=nurse,
    )
    page = client.get(reverse("workspace:task", args=[task.uuid])).content.decode()
    concern = _raise(client, _link(page))
    assert (concern.raised_from, concern.raised_from_label) == ("task", "Task: Check the bruising")

    referral = Referral.objects.filter(person=story).first()
    client.force_login(user_for("ot"))
    page = client.get(reverse("referrals:detail", args=[referral.reference])).content.decode()
    concern = _raise(client, _link(page))
    assert concern.raised_from == "referral"

    person_page = client.get(reverse("record:person", args=[story.ref])).content.decode()
    concern = _raise(client, _link(person_page))
    assert concern.raised_from == "person"
    # The alert, and the concerns the OT may see (the routed referral is a care relationship).
    person_page = client.get(reverse("record:person", args=[story.ref])).content.decode()
    assert "Safeguarding: a safeguarding concern awaiting an s42 decision" in person_page
    assert person_page.count('href="/safeguarding/concerns/') == 4
    assert (
        AuditEvent.objects.filter(object_type="safeguarding.concern", action="create").count() == 4
    )


def test_a_forged_source_is_ignored(story, client, user_for) -> None:
    client.force_login(user_for("nurse"))
    url = reverse("safeguarding:raise", args=[story.ref]) + "?from=visit&id=not-a-uuid"
    assert _raise(client, url).raised_from == "person"


def test_the_form_names_each_problem(story, client, user_for) -> None:
    client.force_login(user_for("nurse"))
    response = client.post(reverse("safeguarding:raise", args=[story.ref]), {})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Say what has happened or what you have seen" in html
    assert "Choose at least one type of abuse or neglect suspected" in html


def test_the_worklist_shows_the_teams_concerns_overdue(story, client, user_for, settings) -> None:
    settings.CARETRUST_TODAY = "2026-03-06"
    client.force_login(user_for("nurse"))
    _raise(client, reverse("safeguarding:raise", args=[story.ref]))
    settings.CARETRUST_TODAY = "2026-03-11"  # due Tuesday 10 March
    client.force_login(user_for("socialworker"))
    html = client.get(reverse("safeguarding:index")).content.decode()
    assert "Concerns awaiting a section 42 decision" in html
    assert "Overdue" in html and "Edith SMITH" in html
    assert AuditEvent.objects.filter(
        object_type="safeguarding.worklist", person_ref=story.audit_ref
    ).exists()

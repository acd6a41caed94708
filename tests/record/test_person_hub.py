"""The person page is the hub (issue #15): links to the person's open referrals, assessments, the
current plan (version, named co-ordinator), care team and upcoming visits; caretrust's own steps
are on the same timeline (sector "integrated")."""

from __future__ import annotations

import pytest

from caretrust.people.models import Person
from caretrust.portal.demo import EDITH_NHS_NUMBER
from caretrust.record.models import TimelineEvent
from caretrust.referrals.models import Referral
from tests.factories import force_update

pytestmark = pytest.mark.django_db


def test_edith_s_page_links_her_work_and_shows_caretrust_s_own_events(client, user_for) -> None:
    from caretrust.demo.scenario import load_demo_scenario

    load_demo_scenario()
    edith = Person.objects.with_nhs_number(EDITH_NHS_NUMBER).get()
    kinds = set(
        TimelineEvent.objects.filter(person=edith, sector="integrated").values_list(
            "kind", flat=True
        )
    )
    assert {
        "Referral received",
        "Referral routed",
        "Referral accepted",
        "Assessment decided",
        "Care plan agreed",
    } <= kinds
    client.force_login(user_for("ot"))
    page = client.get(f"/people/{edith.ref}/").content.decode()
    assert "Joint assessment started" in page
    assert "Care plan (agreed, version" in page and "Co-ordinator: Sam Carter" in page
    assert "Care team:" in page
    assert "Integrated care" in page and "Referral accepted" in page
    only_ours = client.get(f"/people/{edith.ref}/?sector=integrated").content.decode()
    assert "Care plan agreed" in only_ours


def test_open_referrals_on_the_hub_name_the_allocated_worker(client, user_for) -> None:
    from caretrust.demo.scenario import load_demo_scenario

    load_demo_scenario()
    edith = Person.objects.with_nhs_number(EDITH_NHS_NUMBER).get()
    # Reopen the story's referral as still in progress, allocated to the OT.
    force_update(Referral.objects.filter(person=edith), status="in-progress", completed_at=None)
    client.force_login(user_for("ot"))
    page = client.get(f"/people/{edith.ref}/").content.decode()
    referral = Referral.objects.get(person=edith)
    assert f"Referral {referral.reference}" in page
    assert "allocated to Tom Hughes (Torquay locality team)" in page

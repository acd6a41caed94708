"""Role home pages: co-ordinators see their worklist counts, practitioners their teams' visits."""

from __future__ import annotations


def test_co_ordinator_home_shows_the_worklist(client, user_for, referral) -> None:
    client.force_login(user_for("coordinator"))
    page = client.get("/").content.decode()
    assert "Referrals for your locality" in page and "Open the referrals worklist" in page
    assert "New, not claimed" in page


def test_practitioner_home_shows_visits_and_referring(client, user_for, referral) -> None:
    client.force_login(user_for("gp"))
    page = client.get("/").content.decode()
    assert "Today&#39;s visits" in page or "Today's visits" in page
    assert "Refer a person" in page

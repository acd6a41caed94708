"""Care plan pages: the second saver sees the conflict and the other's change; visits by day."""

from __future__ import annotations


def _service(version: int, **changes) -> dict:
    from caretrust.organisations.models import Organisation, Team

    return {
        "version": version,
        "kind": "home_care",
        "provider_organisation": Organisation.objects.get(code="DEMO-HOMECARE").pk,
        "provider_team": Team.objects.get(code="coastline-carers").pk,
        "frequency": 2,
        "per": "day",
        "start": "2030-01-01",
        "funding_stream": "council",
        **changes,
    }


def test_plan_page_and_conflict_shows_the_other_change(client, user_for, plan) -> None:
    url = f"/care-plans/{plan.uuid}/"
    client.force_login(user_for("ot"))
    assert "To stay in my own home with my cat." in client.get(url).content.decode()
    stale = plan.version
    client.post(url + "services/", _service(stale))
    client.force_login(user_for("coordinator"))
    page = client.post(
        url + "details/",
        {"version": stale, "goals": "Walk to the shop", "review_date": "2030-02-01"},
    ).content.decode()
    assert "Someone else changed this plan first" in page
    assert "Tom Hughes" in page and "Service added: Home care from Coastline Home Care Ltd" in page
    assert "Walk to the shop" in page  # what they typed is kept for them to save again
    plan.refresh_from_db()
    assert plan.version == stale + 1
    assert f'name="version" value="{plan.version}"' in page
    client.post(
        url + "details/",
        {"version": plan.version, "goals": "Walk to the shop", "review_date": "2030-02-01"},
    )
    plan.refresh_from_db()
    assert [g.text for g in plan.goals.all()] == ["Walk to the shop"]


def test_missing_service_fields_are_explained(client, user_for, plan) -> None:
    client.force_login(user_for("coordinator"))
    page = client.post(
        f"/care-plans/{plan.uuid}/services/", {"version": plan.version}
    ).content.decode()
    assert "There is a problem" in page and "Choose the funding stream" in page


def test_team_visit_list(client, user_for, plan) -> None:
    client.force_login(user_for("coordinator"))
    client.post(
        f"/care-plans/{plan.uuid}/services/",
        _service(
            plan.version,
            kind="community_nursing",
            provider_organisation=plan.coordinator.organisation.pk,
            provider_team=plan.referral.routed_team.pk,
            start="2030-01-01",
            per="week",
            frequency=1,
        ),
    )
    from caretrust.careplans import services

    plan.refresh_from_db()
    services.generate_visits(actor=user_for("coordinator"), plan=plan, horizon_days=3)
    client.force_login(user_for("nurse"))
    page = client.get("/care-plans/visits/").content.decode()
    assert "Your teams&#39; visits" in page or "Your teams' visits" in page
    assert client.get(f"/care-plans/{plan.uuid}/fhir/").json()["resourceType"] == "CarePlan"

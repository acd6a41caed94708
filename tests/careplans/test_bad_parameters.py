"""A plan edit with a version that is not a number is a 400 naming it, not a 500 (issue 13)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_plan_version_that_is_not_a_number_is_400(client, user_for, plan) -> None:
    client.force_login(user_for("coordinator"))
    response = client.post(f"/care-plans/{plan.uuid}/agree/", {"version": "abc"})
    assert response.status_code == 400
    assert b"version must be a whole number" in response.content


def test_merging_visits_with_a_malformed_id_is_400(client, user_for, plan) -> None:
    client.force_login(user_for("coordinator"))
    response = client.post(f"/care-plans/{plan.uuid}/merge-visits/", {"visit": ["abc"]})
    assert response.status_code == 400
    assert b"visit must be an id" in response.content

"""One place decides: role first, then the object rule an area plugs in."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from caretrust.access import policy
from caretrust.access.policy import Decision


@pytest.mark.parametrize(
    ("username", "allowed"),
    [("privacy", True), ("admin", False), ("coordinator", False), ("nurse", False)],
)
def test_only_privacy_officers_review_the_audit_log(user_for, username, allowed) -> None:
    assert policy.decide(user_for(username), "access.view_audit").allowed is allowed


def test_unknown_actions_are_refused(user_for) -> None:
    decision = policy.decide(user_for("admin"), "nobody.declared_this")
    assert not decision.allowed
    assert decision.basis == "denied"


def test_anonymous_and_disabled_users_are_refused(user_for) -> None:
    assert not policy.decide(AnonymousUser(), "organisations.view_directory")
    privacy = user_for("privacy")
    privacy.is_active = False
    assert policy.decide(privacy, "access.view_audit").reason == "This account is disabled."


def test_require_raises_with_the_reason(user_for) -> None:
    with pytest.raises(PermissionDenied, match="may not manage organisations"):
        policy.require(user_for("nurse"), "organisations.manage")


def test_an_object_rule_decides_for_a_particular_object(user_for) -> None:
    def only_own_organisation(user, obj) -> Decision:
        if obj == user.organisation.code:
            return Decision(True, "same organisation", "object_rule")
        return Decision(False, "another organisation's object", "denied")

    policy.register(
        "test.view_thing", "view a thing", policy.STAFF, object_rule=only_own_organisation
    )
    try:
        nurse = user_for("nurse")
        assert policy.decide(nurse, "test.view_thing", "DEMO-TRUST").basis == "object_rule"
        assert not policy.decide(nurse, "test.view_thing", "DEMO-COUNCIL")
        # The role check still comes first.
        assert not policy.decide(nurse, "organisations.manage", "DEMO-TRUST")
    finally:
        policy._ACTIONS.pop("test.view_thing")

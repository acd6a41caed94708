"""Writes to the directory of organisations, teams and staff. Each write checks the policy and
records its audit event in the same transaction."""

from __future__ import annotations

from django.db import transaction

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.organisations.models import Team, TeamMembership, User


@transaction.atomic
def add_team_member(
    *, actor: User, team: Team, user: User, is_lead: bool = False
) -> TeamMembership:
    """Put `user` in `team`. A user can be in a team once; a second attempt fails and records nothing."""
    policy.require(actor, "organisations.manage", team)
    membership = TeamMembership.objects.create(team=team, user=user, is_lead=is_lead)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=membership,
        details={"team": team.code, "user": user.username, "is_lead": is_lead},
    )
    return membership

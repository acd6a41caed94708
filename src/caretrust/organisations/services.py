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


@transaction.atomic
def create_staff_account(
    *,
    actor: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    organisation,
    password: str,
    profession: str = "",
) -> User:
    """An administrator adds a member of staff. Practitioners have a profession; others do not."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    policy.require(actor, "organisations.manage")
    username = (username or "").strip().lower()
    if not username:
        raise ValidationError({"username": "Enter a user name."})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": "That user name is taken."})
    staff_roles = set(User.Role.values) - {User.Role.PERSON, User.Role.CARER}
    if role not in staff_roles:
        raise ValidationError({"role": "Choose a staff role."})
    if role == User.Role.PRACTITIONER and profession not in User.Profession.values:
        raise ValidationError({"profession": "Choose the practitioner's profession."})
    if role != User.Role.PRACTITIONER:
        profession = ""
    user = User(
        username=username,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        role=role,
        profession=profession,
        organisation=organisation,
    )
    validate_password(password, user)
    user.set_password(password)
    user.save()
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=user,
        details={"user": username, "role": role, "profession": profession},
    )
    return user


@transaction.atomic
def remove_team_member(*, actor: User, team: Team, user: User) -> None:
    policy.require(actor, "organisations.manage", team)
    deleted, _ = TeamMembership.objects.filter(team=team, user=user).delete()
    if deleted:
        audit.record(
            actor=actor,
            action=AuditEvent.Action.DELETE,
            obj=team,
            details={"team": team.code, "user": user.username, "membership": "removed"},
        )


def end_sessions(user: User) -> int:
    """Sign the user out everywhere: delete every session that belongs to them."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()
            ended += 1
    return ended


@transaction.atomic
def deactivate_account(*, actor: User, user: User, reason: str) -> int:
    """Close an account: it can no longer sign in, and its sessions end now. Returns how many
    sessions were ended. (Its work is flagged for reassignment by `workspace.services`.)"""
    from django.core.exceptions import ValidationError

    policy.require(actor, "organisations.manage")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the account is closed."})
    if user.pk == actor.pk:
        raise ValidationError("You cannot close your own account.")
    if not user.is_active:
        raise ValidationError("This account is already closed.")
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    ended = end_sessions(user)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=user,
        reason=reason,
        details={"user": user.username, "deactivated": True, "sessions_ended": ended},
    )
    return ended

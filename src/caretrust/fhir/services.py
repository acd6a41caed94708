"""Issuing, rotating and revoking API client tokens (audited).

A token is shown once and stored as a hash. It expires (90 days by default), can be rotated (the
old token stops at once) and revoked. A client acts only as one of the API client roles, and
re-issuing a token never silently keeps, or changes, what the client may do: a different
organisation or role must be asked for explicitly.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from caretrust.access import audit
from caretrust.access.models import AuditEvent
from caretrust.fhir.models import ApiClient, hash_token
from caretrust.organisations.models import Organisation, User

# What a system may act as: a co-ordinating service (a GP system or a hospital's discharge team
# refers and follows its referrals; a practice's system reads its registered patients) or an
# analyst (secondary use). Never a privacy officer, administrator, finance officer, or a person.
API_CLIENT_ROLES = frozenset({User.Role.COORDINATOR, User.Role.ANALYST})
DEFAULT_LIFETIME = timedelta(days=90)
MAX_LIFETIME = timedelta(days=366)


class TokenError(ValueError):
    """A request about a token that cannot be done; the message says why, fit for a user."""


def _lifetime(days: int | None) -> timedelta:
    lifetime = DEFAULT_LIFETIME if days is None else timedelta(days=days)
    if lifetime <= timedelta(0) or lifetime > MAX_LIFETIME:
        raise TokenError(f"a token lives between 1 and {MAX_LIFETIME.days} days, not {days}")
    return lifetime


@transaction.atomic
def issue_client(
    *,
    name: str,
    organisation: Organisation,
    role: str,
    days: int | None = None,
    change_scope: bool = False,
    actor_label: str = "command line",
) -> tuple[ApiClient, str]:
    """Create a client, or give an existing one a new token. Returns the token, shown once.

    For an existing client, the organisation and role must be the ones it has unless
    `change_scope` is given, so a re-issue never silently keeps old scopes nor widens them."""
    if role not in API_CLIENT_ROLES:
        allowed = ", ".join(sorted(API_CLIENT_ROLES))
        raise TokenError(f"an API client acts as one of: {allowed} (not {role!r})")
    lifetime = _lifetime(days)
    token = secrets.token_urlsafe(32)
    client = ApiClient.objects.select_for_update().filter(name=name).first()
    details = {"organisation": organisation.code, "role": role}
    if client is None:
        user = User(
            username=f"api-{name}"[:150],
            first_name="API client",
            last_name=name,
            role=role,
            organisation=organisation,
            is_active=True,
        )
        user.set_unusable_password()
        user.save()
        client = ApiClient.objects.create(
            name=name,
            organisation=organisation,
            user=user,
            token_hash=hash_token(token),
            expires_at=timezone.now() + lifetime,
        )
    else:
        user = client.user
        before = {"organisation": client.organisation.code, "role": user.role}
        if before != details:
            if not change_scope:
                raise TokenError(
                    f"client {name} acts as {before['role']} for {before['organisation']}; "
                    f"to make it {role} for {organisation.code}, say so (--change-scope), or "
                    "issue a client with another name"
                )
            details["previous"] = before
        user.role, user.organisation, user.is_active = role, organisation, True
        user.save(update_fields=["role", "organisation", "is_active"])
        client.organisation = organisation
        client.token_hash = hash_token(token)
        client.revoked_at = None
        client.expires_at = timezone.now() + lifetime
        client.save(update_fields=["organisation", "token_hash", "revoked_at", "expires_at"])
    audit.record(
        actor=None,
        actor_label=actor_label,
        action=AuditEvent.Action.CREATE,
        obj=client,
        reason="API token issued",
        details={**details, "expires_at": client.expires_at.isoformat()},
    )
    return client, token


@transaction.atomic
def rotate_client(
    *, client: ApiClient, days: int | None = None, actor_label: str = "command line"
) -> str:
    """A new token for the same client and scope; the old token stops working at once."""
    if client.revoked_at is not None:
        raise TokenError(f"client {client.name} is revoked: issue it again to use it")
    token = secrets.token_urlsafe(32)
    client.token_hash = hash_token(token)
    client.rotated_at = timezone.now()
    client.expires_at = client.rotated_at + _lifetime(days)
    client.save(update_fields=["token_hash", "rotated_at", "expires_at"])
    audit.record(
        actor=None,
        actor_label=actor_label,
        action=AuditEvent.Action.UPDATE,
        obj=client,
        reason="API token rotated",
        details={"expires_at": client.expires_at.isoformat()},
    )
    return token


@transaction.atomic
def revoke_client(*, client: ApiClient, actor_label: str = "command line") -> None:
    client.revoked_at = timezone.now()
    client.save(update_fields=["revoked_at"])
    audit.record(
        actor=None,
        actor_label=actor_label,
        action=AuditEvent.Action.UPDATE,
        obj=client,
        reason="API token revoked",
    )


def client_for_token(token: str) -> ApiClient | None:
    """The client a bearer token belongs to, while it is unrevoked, unexpired and its role is
    still an API client role."""
    client = (
        ApiClient.objects.select_related("user", "user__organisation", "organisation")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )
    if client is None or not client.user.is_active:
        return None
    if client.expires_at is not None and client.expires_at <= timezone.now():
        return None
    if client.user.role not in API_CLIENT_ROLES:
        return None
    return client

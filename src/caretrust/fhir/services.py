"""Issuing and revoking API client tokens (audited)."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from caretrust.access import audit
from caretrust.access.models import AuditEvent
from caretrust.fhir.models import ApiClient, hash_token
from caretrust.organisations.models import Organisation, User


@transaction.atomic
def issue_client(
    *, name: str, organisation: Organisation, role: str, actor_label: str = "command line"
) -> tuple[ApiClient, str]:
    """Create a client (or give an existing one a new token). Returns the token, shown once."""
    if role == User.Role.PRACTITIONER:
        raise ValueError("API clients act as a role without a profession (e.g. coordinator)")
    token = secrets.token_urlsafe(32)
    client = ApiClient.objects.filter(name=name).first()
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
            name=name, organisation=organisation, user=user, token_hash=hash_token(token)
        )
    else:
        client.token_hash = hash_token(token)
        client.revoked_at = None
        client.save(update_fields=["token_hash", "revoked_at"])
    audit.record(
        actor=None,
        actor_label=actor_label,
        action=AuditEvent.Action.CREATE,
        obj=client,
        reason="API token issued",
        details={"organisation": organisation.code, "role": role},
    )
    return client, token


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
    client = (
        ApiClient.objects.select_related("user", "user__organisation", "organisation")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True)
        .first()
    )
    if client is None or not client.user.is_active:
        return None
    return client

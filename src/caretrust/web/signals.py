"""Audit every sign-in, failed sign-in and sign-out."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from caretrust.access import audit
from caretrust.access.models import AuditEvent


@receiver(user_logged_in)
def audit_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(actor=user, action=AuditEvent.Action.SIGN_IN, obj=user)


@receiver(user_logged_out)
def audit_sign_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit.record(actor=user, action=AuditEvent.Action.SIGN_OUT, obj=user)


@receiver(user_login_failed)
def audit_failed_sign_in(
    sender: Any, credentials: dict, request: Any = None, **kwargs: Any
) -> None:
    # The password is never stored; Django already masks it in `credentials`.
    audit.record(
        actor=None,
        action=AuditEvent.Action.SIGN_IN_FAILED,
        object_type="organisations.user",
        object_id=str(credentials.get("username", ""))[:100],
    )

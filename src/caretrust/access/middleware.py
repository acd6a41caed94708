from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from caretrust.access import context


def client_address(request: HttpRequest) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it,
    # and the deployment's proxy is expected to set REMOTE_ADDR correctly.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Makes the client address available to audit writes made anywhere during the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = context.set_current(context.RequestContext(client_address=client_address(request)))
        scope = context.start_break_glass_scope()
        reads = context.start_read_batch()
        context.take_refusal()
        try:
            return self.get_response(request)
        finally:
            # The page's reads are recorded before its response leaves, even when it failed.
            write_reads(context.end_read_batch(reads))
            context.end_break_glass_scope(scope)
            context.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        """Every refusal is audited, wherever it was decided (after the view's transaction has
        rolled back, so the row is kept)."""
        if isinstance(exception, PermissionDenied):
            audit_refusal(request.user, str(exception), path=request.path)


def write_reads(events: list) -> None:
    from caretrust.access import chain

    if events:
        with transaction.atomic():
            chain.append(events)


def audit_refusal(user, reason: str, *, path: str = "", via: str = "web") -> None:
    from caretrust.access import audit
    from caretrust.access.models import AuditEvent

    refusal = context.take_refusal() or {}
    with transaction.atomic():
        audit.record(
            actor=user,
            action=AuditEvent.Action.ACCESS_DENIED,
            object_type=refusal.get("object_type", ""),
            object_id=refusal.get("object_id", ""),
            person_ref=refusal.get("person_ref", ""),
            reason=refusal.get("reason") or reason,
            details={"action": refusal.get("action", ""), "path": path[:200], "via": via},
        )

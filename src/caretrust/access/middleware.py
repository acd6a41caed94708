from __future__ import annotations

from collections.abc import Callable

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
        try:
            return self.get_response(request)
        finally:
            context.end_break_glass_scope(scope)
            context.reset(token)

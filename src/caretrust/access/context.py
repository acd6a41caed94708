"""Who is acting and from where, for the duration of one request (or one command)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    client_address: str | None = None


_current: ContextVar[RequestContext | None] = ContextVar("caretrust_request", default=None)


def current() -> RequestContext:
    return _current.get() or RequestContext()


def set_current(context: RequestContext):
    return _current.set(context)


def reset(token) -> None:
    _current.reset(token)

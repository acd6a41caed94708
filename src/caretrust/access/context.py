"""Who is acting and from where, for the duration of one request (or one command)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    client_address: str | None = None


_current: ContextVar[RequestContext] = ContextVar("caretrust_request", default=RequestContext())


def current() -> RequestContext:
    return _current.get()


def set_current(context: RequestContext):  # noqa: ANN201 (a contextvars.Token)
    return _current.set(context)


def reset(token) -> None:  # noqa: ANN001
    _current.reset(token)

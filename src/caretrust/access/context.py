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


# Which (user, person) pairs a decision in this request or command allowed only by break-glass,
# so every audit row written about that person here says so, whichever page wrote it.
_break_glass: ContextVar[dict[tuple[int, str], int] | None] = ContextVar(
    "caretrust_break_glass", default=None
)


def note_break_glass(user_id: int, person_ref: str, access_id: int) -> None:
    uses = _break_glass.get()
    if uses is None:
        uses = {}
        _break_glass.set(uses)
    uses[(user_id, person_ref)] = access_id


def break_glass_access(user_id: int | None, person_ref: str) -> int | None:
    uses = _break_glass.get()
    if not uses or user_id is None or not person_ref:
        return None
    return uses.get((user_id, person_ref))


def start_break_glass_scope():
    """A fresh scope for one request (so nothing carries over to the next on the thread)."""
    return _break_glass.set({})


def end_break_glass_scope(token) -> None:
    _break_glass.reset(token)


# The last refusal of this request, so it can be audited after the request's transaction has
# rolled back (a refusal inside a service would otherwise take its audit row with it).
_refusal: ContextVar[dict | None] = ContextVar("caretrust_refusal", default=None)


def note_refusal(refusal: dict) -> None:
    _refusal.set(refusal)


def take_refusal() -> dict | None:
    refusal = _refusal.get()
    _refusal.set(None)
    return refusal


# The read rows of this request, written to the audit chain together when the request ends (one
# append, one turn of the chain's lock) rather than once per list on the page: My work shows
# four lists, and each append serialises every request on the machine (ADR 89, issue #15).
_reads: ContextVar[list | None] = ContextVar("caretrust_reads", default=None)


def start_read_batch():
    return _reads.set([])


def batch_reads(events: list) -> bool:
    """Keep `events` for the end of the request; False when no request is collecting them."""
    pending = _reads.get()
    if pending is None:
        return False
    pending.extend(events)
    return True


def pending_reads() -> list | None:
    """The read rows this request has collected so far (None outside a request), so a part of a
    page can join the row of the page that shows it rather than add one (ADR 101)."""
    return _reads.get()


def end_read_batch(token) -> list:
    pending = _reads.get() or []
    _reads.reset(token)
    return pending

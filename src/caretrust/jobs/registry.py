"""Job kinds: each area registers what its jobs do and where their results are shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caretrust.jobs.models import Job

#: `progress(percent, message="")`: how far the job is (0-100), said in words.
Progress = Callable[..., None]
#: `handler(job, progress) -> result_ref` does the work; raising fails the job with the message.
Handler = Callable[["Job", Progress], str | None]


@dataclass(frozen=True)
class JobKind:
    name: str
    handler: Handler
    # The page that shows what a finished job made, from its result_ref ("" if none).
    result_url: Callable[[str], str] | None = None


_kinds: dict[str, JobKind] = {}


def register(
    name: str, handler: Handler, *, result_url: Callable[[str], str] | None = None
) -> None:
    _kinds[name] = JobKind(name, handler, result_url)


def get(name: str) -> JobKind:
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f"no job kind {name!r} is registered") from None

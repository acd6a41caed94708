"""How areas above referrals take part in one (ADR 75: a lower area learns of a higher one
through a registry).

- Intake: `register_intake(hook)`; `hook(actor=, referral=, extra=)` runs inside the referral's
  transaction after it is created, with what the form or API sent beyond the referral itself
  (e.g. a hospital's discharge-ready date and pathway). A ValidationError from it refuses the
  whole referral.
- Worklist notes: `register_worklist_note(note)`; `note(referrals)` answers, for the referrals
  shown (one batch, not one query per row), `{referral id: WorklistNote}`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WorklistNote:
    text: str
    url: str = ""


IntakeHook = Callable[..., None]
NoteSource = Callable[[Sequence[Any]], Mapping[int, WorklistNote]]

_intake: list[IntakeHook] = []
_notes: list[NoteSource] = []


def register_intake(hook: IntakeHook) -> None:
    if hook not in _intake:
        _intake.append(hook)


def run_intake(*, actor: Any, referral: Any, extra: Mapping[str, Any]) -> None:
    for hook in _intake:
        hook(actor=actor, referral=referral, extra=extra)


def register_worklist_note(note: NoteSource) -> None:
    if note not in _notes:
        _notes.append(note)


def worklist_notes(referrals: Sequence[Any]) -> dict[int, list[WorklistNote]]:
    found: dict[int, list[WorklistNote]] = {}
    for source in _notes:
        for referral_id, note in source(referrals).items():
            found.setdefault(referral_id, []).append(note)
    return found

"""How areas above referrals take part in one (ADR 75: a lower area learns of a higher one
through a registry).

- Intake: `register_intake(hook)`; `hook(actor=, referral=, extra=)` runs inside the referral's
  transaction after it is created, with what the form or API sent beyond the referral itself
  (e.g. a hospital's discharge-ready date and pathway). A ValidationError from it refuses the
  whole referral.
- Worklist notes: `register_worklist_note(note)`; `note(referrals)` answers, for the referrals
  shown (one batch, not one query per row), `{referral id: WorklistNote}`.
- FHIR: `register_service_request_part(part)`; `part(referral)` answers elements to add to the
  referral's ServiceRequest (`{"extension": [...], "category": [...]}`: lists are appended to), or
  None (e.g. a hospital discharge's ready date and pathway, ADR 104).
- Task output: `register_task_output(part)`; `part(referral)` answers Task.output entries for a
  completed referral (e.g. the care plan made from it, ADR 116), or an empty list.
- Other Tasks: `register_task_source(handler)`; a FHIR `ResourceHandler` for Tasks that are not
  referrals (the workspace's to-do tasks, ADR 116): the Task type reads and searches it after the
  referrals' own.
- Status changes: `register_status_change(hook)`; `hook(referral=, from_status=, to_status=)` runs
  inside the referral's transaction whenever its Task status changes (also from "" to requested
  when it is made), e.g. FHIR Subscriptions queue their notifications (ADR 114).
- Bulk export: `register_export_prefetch(part)`; `part(queryset)` answers the referrals' queryset
  with what the area's ServiceRequest part or Task output reads (select_related or
  prefetch_related), so a Bulk Data export of thousands of referrals makes no query per row
  (ADR 117); the part then reads the prefetched value when it is there.
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
ServiceRequestPart = Callable[[Any], Mapping[str, list] | None]
_service_request_parts: list[ServiceRequestPart] = []


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


def register_service_request_part(part: ServiceRequestPart) -> None:
    if part not in _service_request_parts:
        _service_request_parts.append(part)


def service_request_parts(referral: Any) -> dict[str, list]:
    """What the areas above add to this referral's ServiceRequest, lists joined."""
    found: dict[str, list] = {}
    for part in _service_request_parts:
        for name, values in (part(referral) or {}).items():
            found.setdefault(name, []).extend(values)
    return found


StatusChange = Callable[..., None]
_status_changes: list[StatusChange] = []


def register_status_change(hook: StatusChange) -> None:
    if hook not in _status_changes:
        _status_changes.append(hook)


def status_changed(*, referral: Any, from_status: str, to_status: str) -> None:
    for hook in _status_changes:
        hook(referral=referral, from_status=from_status, to_status=to_status)


TaskOutput = Callable[[Any], list[dict]]
_task_outputs: list[TaskOutput] = []


def register_task_output(part: TaskOutput) -> None:
    if part not in _task_outputs:
        _task_outputs.append(part)


def task_output_parts(referral: Any) -> list[dict]:
    found: list[dict] = []
    for part in _task_outputs:
        found.extend(part(referral) or [])
    return found


_task_sources: list[Any] = []


def register_task_source(handler: Any) -> None:
    if all(type(existing) is not type(handler) for existing in _task_sources):
        _task_sources.append(handler)


def task_sources() -> list[Any]:
    return list(_task_sources)


ExportPrefetch = Callable[[Any], Any]
_export_prefetches: list[ExportPrefetch] = []


def register_export_prefetch(part: ExportPrefetch) -> None:
    if part not in _export_prefetches:
        _export_prefetches.append(part)


def with_export_prefetches(queryset: Any) -> Any:
    """The referrals' queryset with what every area above reads for its FHIR parts."""
    for part in _export_prefetches:
        queryset = part(queryset)
    return queryset

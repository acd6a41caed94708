"""Writes of the shared record made by staff: "About me" (versioned, never overwritten), and
data quality's decisions on quarantined resources."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.people.models import Person
from caretrust.record.models import AboutMe, Resource, TimelineEvent
from caretrust.record.summaries import line_columns, summarise

CARE_EVENT_SOURCE = "caretrust"


def note_care_event(*, person: Person, kind: str, summary: str, when=None) -> TimelineEvent:
    """Put one of caretrust's own steps on the person's timeline (sector "integrated").

    Called only by other areas' services, inside their transaction, after their own
    `policy.require` and with their own audit row: this adds the line, it decides nothing."""
    return TimelineEvent.objects.create(
        person=person,
        date=timezone.localdate(when) if when else timezone.localdate(),
        sector="integrated",
        source=CARE_EVENT_SOURCE,
        kind=kind,
        summary=summary[:300],
    )


@transaction.atomic
def save_about_me(
    *,
    actor: Any,
    person: Person,
    what_matters: str,
    communication: str,
    lives_with: str,
    carer: str,
) -> AboutMe:
    """A new version of the person's "About me"; earlier versions are kept."""
    policy.require(actor, "people.edit_record", person)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one writer at a time
    latest = AboutMe.objects.filter(person=person).aggregate(v=Max("version"))["v"] or 0
    about = AboutMe.objects.create(
        person=person,
        version=latest + 1,
        what_matters=what_matters.strip(),
        communication=communication.strip(),
        lives_with=lives_with.strip(),
        carer=carer.strip(),
        written_by=actor,
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=about,
        person_ref=person.audit_ref,
        details={"version": about.version},
    )
    return about


# ------------------------------------------------------------------------------- quarantine


@transaction.atomic
def attach_quarantined(*, actor: Any, resource: Resource, person: Person, note: str = "") -> None:
    """Data quality found whom a quarantined resource is about: it joins their record (and
    timeline) and is served under the usual rules from now on."""
    policy.require(actor, "record.data_quality")
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if not resource.quarantined:
        raise ValidationError("This resource is no longer waiting in quarantine.")
    person = person.survivor()
    resource.person = person
    resource.quarantined = False
    # Its line on the person's timeline, read from the row (ADR 135); made again here for a row
    # stored before the row held it.
    summary = summarise(resource.content)
    resource.date = summary.date
    for name, value in line_columns(resource.resource_type, summary).items():
        setattr(resource, name, value)
    resource.save(update_fields=["person", "quarantined", "date", "sector", "summary"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=resource,
        person_ref=person.audit_ref,
        reason=note.strip(),
        details={"quarantine": "attached", "resource": f"{resource}"},
    )


@transaction.atomic
def reject_quarantined(*, actor: Any, resource: Resource, reason: str) -> None:
    """Data quality decided a quarantined resource belongs to nobody we hold (sent in error):
    it stays stored, as sent, and is never served."""
    policy.require(actor, "record.data_quality")
    reason = reason.strip()
    if len(reason) < 10:
        raise ValidationError({"reason": "Say why in at least 10 characters."})
    resource = Resource.objects.select_for_update().get(pk=resource.pk)
    if not resource.quarantined or resource.rejected_at is not None:
        raise ValidationError("This resource is no longer waiting in quarantine.")
    resource.rejected_at = timezone.now()
    resource.rejected_reason = reason[:500]
    resource.save(update_fields=["rejected_at", "rejected_reason"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=resource,
        reason=reason,
        details={"quarantine": "rejected", "resource": f"{resource}"},
    )

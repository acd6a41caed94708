"""Writes of the shared record made by staff: "About me" (versioned, never overwritten)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.people.models import Person
from caretrust.record.models import AboutMe


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

"""Portal writes: a person (or a co-ordinator, on the person's recorded consent) authorises a carer;
authorisation can be revoked."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.organisations.models import User
from caretrust.people.models import Person
from caretrust.portal.models import PersonPortalAccount


@transaction.atomic
def authorise_carer(
    *, actor: User, person: Person, carer: User, carer_relationship: str
) -> PersonPortalAccount:
    policy.require(actor, "portal.authorise_carer", person)
    if actor.role == User.Role.PERSON and not policy.decide(actor, "portal.view_own_care", person):
        raise ValidationError("You can only authorise a carer for yourself.")
    if actor.role == User.Role.COORDINATOR and not policy.decide(
        actor, "people.view_record", person
    ):
        raise ValidationError("You have no relationship with this person.")
    if carer.role != User.Role.CARER:
        raise ValidationError("Only a carer account can be authorised.")
    account, _ = PersonPortalAccount.objects.update_or_create(
        user=carer,
        defaults={
            "person": person,
            "relationship": PersonPortalAccount.Relationship.CARER,
            "carer_relationship": carer_relationship.strip(),
            "authorised_by": actor,
            "authorised_at": timezone.now(),
            "revoked_at": None,
        },
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=account,
        person_ref=person.audit_ref,
        details={"carer": carer.username, "relationship": carer_relationship},
    )
    return account


@transaction.atomic
def revoke_carer(*, actor: User, account: PersonPortalAccount) -> None:
    policy.require(actor, "portal.authorise_carer", account.person)
    if actor.role == User.Role.PERSON and not policy.decide(
        actor, "portal.view_own_care", account.person
    ):
        raise ValidationError("You can only change your own carers.")
    account.revoked_at = timezone.now()
    account.save(update_fields=["revoked_at"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=account,
        person_ref=account.person.audit_ref,
        details={"revoked": True},
    )

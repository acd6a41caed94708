"""Legitimate relationships between a user and a person, and the rule for seeing a person's record.

A relationship is not stored in one table: it follows from facts other areas own (the person is
registered at the user's GP practice; the user is on the person's care team; a referral for the person
was routed to the user's team). Each area registers a *provider* that answers from its own facts, so
the rule stays in one place while the facts stay where they belong.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone

from caretrust.access import context
from caretrust.access.policy import BREAK_GLASS, Decision

if TYPE_CHECKING:
    from caretrust.organisations.models import User
    from caretrust.people.models import Person

# A provider returns a short description of the relationship ("on the care team") or None.
RelationshipProvider = Callable[["User", "Person"], str | None]
# The same relationship as a query filter on people (None: the user has none of this kind), so
# lists and searches fetch only the people a user may see (`people_visible_to`).
PeopleFilter = Callable[["User"], Q | list[Q] | None]
_providers: dict[str, RelationshipProvider] = {}
_filters: dict[str, PeopleFilter] = {}


def register_provider(
    name: str, provider: RelationshipProvider, people_filter: PeopleFilter
) -> None:
    """Every relationship answers both for one person and as a filter over people."""
    _providers[name] = provider
    _filters[name] = people_filter


def visible_person_ids(user: User) -> set[int]:
    """The ids of the people whose record `user` may read (a relationship, or unexpired
    break-glass): survivors of merges, plus the people merged into them (their records are one).

    Each kind of relationship is its own indexed query (one OR across them would make PostgreSQL
    scan every person); the union is small: what one user may see."""
    from caretrust.access import policy
    from caretrust.people.models import Person

    if not policy.decide(user, "people.view_record").allowed:
        return set()
    conditions = [Q(pk__in=_break_glass_people(user))]
    for people_filter in _filters.values():
        found = people_filter(user)
        # A filter may answer with several conditions: each runs as its own query, as an OR
        # of two subqueries would make PostgreSQL scan every person.
        conditions += [c for c in (found if isinstance(found, list) else [found]) if c is not None]
    candidates: dict[int, int | None] = {}
    for condition in conditions:
        candidates.update(
            Person.objects.filter(condition).order_by().values_list("pk", "merged_into_id")
        )
    survivors = {pk for pk, merged_into in candidates.items() if merged_into is None}
    if not survivors:
        return set()
    return survivors | _merged_into(survivors)


def _merged_into(survivors: set[int]) -> set[int]:
    """People merged into any of `survivors`. Merged records are few beside the people a user
    may see, so all of them are read and matched here (one look-up per visible person cost more)."""
    from caretrust.people.models import Person

    merged = Person.objects.filter(merged_into__isnull=False).order_by()
    return {pk for pk, into in merged.values_list("pk", "merged_into_id") if into in survivors}


def people_visible_to(user: User):
    """`visible_person_ids` as a query of people."""
    from caretrust.people.models import Person

    return Person.objects.filter(pk__in=visible_person_ids(user))


def _break_glass_people(user: User):
    from caretrust.access.models import BreakGlassAccess

    return (
        BreakGlassAccess.objects.filter(
            user=user, expires_at__gt=timezone.now(), revoked_at__isnull=True
        )
        .exclude(review_outcome=BreakGlassAccess.ReviewOutcome.INAPPROPRIATE)
        .values("person_id")
    )


def legitimate_relationship(user: User, person: Person) -> str | None:
    for provider in _providers.values():
        description = provider(user, person)
        if description:
            return description
    return None


def relationship_of_kinds(user: User, person: Person, kinds: Iterable[str]) -> str | None:
    """`legitimate_relationship` counting only the named kinds of relationship (a stricter rule
    for a part of the record, such as safeguarding: ADR 83)."""
    for name in kinds:
        provider = _providers.get(name)
        description = provider(user, person) if provider else None
        if description:
            return description
    return None


def people_with_relationship(user: User, people: Iterable[Person]) -> set[int]:
    """The ids of those among `people` with whom `user` has a legitimate relationship:
    `legitimate_relationship` for a whole list at once, in one query whatever the list's length
    (list pages stay constant-query): a UNION of one branch per kind of relationship, each
    limited to these people first. (One OR across the kinds made PostgreSQL read every referral
    of the user's team to hash it: 50 ms at a million people, against 2 ms.)"""
    from caretrust.people.models import Person

    ids = {person.pk for person in people}
    if not ids:
        return set()
    branches = []
    for people_filter in _filters.values():
        found = people_filter(user)
        for condition in found if isinstance(found, list) else [found]:
            if condition is not None:
                branches.append(
                    Person.objects.filter(condition, pk__in=ids).order_by().values_list("pk")
                )
    if not branches:
        return set()
    return {pk for (pk,) in branches[0].union(*branches[1:])}


def active_break_glass(user: User, person: Person):
    from caretrust.access.models import BreakGlassAccess

    return (
        BreakGlassAccess.objects.filter(
            user=user, person=person, expires_at__gt=timezone.now(), revoked_at__isnull=True
        )
        .exclude(review_outcome=BreakGlassAccess.ReviewOutcome.INAPPROPRIATE)
        .order_by("-started_at")
        .first()
    )


def person_record_rule(user: User, person: Person) -> Decision:
    """Legitimate relationship, else an unexpired break-glass, else refused with what to do next."""
    description = legitimate_relationship(user, person)
    if description:
        return Decision(True, f"Legitimate relationship: {description}.", "legitimate_relationship")
    access = active_break_glass(user, person)
    if access is not None:
        context.note_break_glass(user.pk, person.audit_ref, access.pk)
        return Decision(
            True,
            "Break-glass access: read-only, until "
            f"{timezone.localtime(access.expires_at):%H:%M}, reviewed by a privacy officer.",
            BREAK_GLASS,
        )
    return Decision(
        False,
        "You have no legitimate relationship with this person. If you must see their record, "
        "use break-glass and give your reason: a privacy officer will review it.",
        "denied",
    )

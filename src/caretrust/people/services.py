"""Writes of the people index: people from imports, demographics changes, merges and un-merges.

Merges never move records: the merged-away person points at the survivor (`merged_into`), and a
`Merge` row remembers it, so `unmerge` restores both people with their own records.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from caretrust import bulk, guard
from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.lookups import TextSet
from caretrust.organisations.models import Organisation
from caretrust.people import nhs_number
from caretrust.people.fhir_patient import Demographics, patient_from_person
from caretrust.people.models import LinkCandidate, Merge, Person, PersonIdentifier, PersonVersion

DEMOGRAPHIC_FIELDS = (
    "given_name",
    "family_name",
    "birth_date",
    "death_date",
    "sex",
    "address",
    "postcode",
    "phone",
)


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


# ---------------------------------------------------------------------------------- imports


@dataclass
class IncomingPerson:
    """A person as a source describes them, with the source's own key for them."""

    demographics: Demographics
    source: str  # e.g. "fhir", "cld:E06000027"
    source_system: str  # identifier system for the source's own id
    source_id: str


def practice_ids(codes: set[str]) -> dict[str, int]:
    codes = {code for code in codes if code}
    if not codes:
        return {}
    found = Organisation.objects.filter(code__in=codes, kind=Organisation.Kind.GP_PRACTICE)
    return dict(found.values_list("code", "id"))


class DuplicateNhsNumber(ValidationError):
    """A valid NHS number already belongs to someone in the index: one person per NHS number.
    A second record for them goes through linkage review and merge, never a new person."""

    def __init__(self, number: str, existing: Person) -> None:
        super().__init__(
            {
                "nhs_number": f"NHS number {number} already belongs to someone in the people "
                "index. Find them instead of adding a new person."
            }
        )
        self.number = number
        self.existing = existing


class AmbiguousNhsNumber(Exception):
    """Two or more people in the index hold one NHS number (records from before the rule):
    matching on it would guess, so the import refuses the row until they are merged."""

    def __init__(self, number: str, person_ids: list[int]) -> None:
        super().__init__(f"NHS number {number} is held by {len(person_ids)} people")
        self.number = number
        self.person_ids = person_ids


def nhs_number_holders(numbers: set[str]) -> dict[str, set[int]]:
    """Valid NHS number → the people (survivors of any merge) who hold it."""
    numbers = {n for n in numbers if n and nhs_number.is_valid(n)}
    if not numbers:
        return {}
    rows = PersonIdentifier.objects.filter(
        system=nhs_number.SYSTEM, value__in_array=TextSet(numbers), data_quality=""
    ).values_list("value", "person_id", "person__merged_into_id")
    found: dict[str, set[int]] = {}
    merged_ids = {merged_into for _, _, merged_into in rows if merged_into}
    survivor_of = _survivors(merged_ids)
    for value, person_id, merged_into in rows:
        found.setdefault(value, set()).add(survivor_of.get(merged_into, merged_into or person_id))
    return found


def _survivors(person_ids: set[int]) -> dict[int, int]:
    """Follow merge chains (short in practice) to the record each person now lives in."""
    result = {pk: pk for pk in person_ids}
    for _ in range(20):
        onward = dict(
            Person.objects.filter(
                pk__in=set(result.values()), merged_into__isnull=False
            ).values_list("pk", "merged_into_id")
        )
        if not onward:
            break
        result = {start: onward.get(current, current) for start, current in result.items()}
    return result


def people_by_nhs_number(
    numbers: set[str], holders_of: dict[str, set[int]] | None = None
) -> dict[str, int]:
    """Valid NHS number → the one person (survivor of any merge) who holds it. Raises
    `AmbiguousNhsNumber` for the first number held by more than one person. `holders_of`:
    `nhs_number_holders(numbers)`, when the caller has just asked it."""
    found: dict[str, int] = {}
    if holders_of is None:
        holders_of = nhs_number_holders(numbers)
    for number, holders in holders_of.items():
        if len(holders) > 1:
            raise AmbiguousNhsNumber(number, sorted(holders))
        found[number] = next(iter(holders))
    return found


def ambiguous_nhs_numbers(numbers: set[str]) -> dict[str, list[int]]:
    """The numbers of `numbers` that more than one person holds, with those people."""
    return {n: sorted(h) for n, h in nhs_number_holders(numbers).items() if len(h) > 1}


def _lock_nhs_number(number: str) -> None:
    """Serialise creations that carry the same NHS number, so two at once cannot both pass the
    check (PostgreSQL advisory lock for the transaction; SQLite writes one at a time anyway)."""
    if number and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"nhs:{number}"])


def holder_of_nhs_number(number: str) -> Person | None:
    holders = nhs_number_holders({number}).get(number)
    if not holders:
        return None
    return Person.objects.get(pk=min(holders))


def people_by_identifier(system: str, values: set[str]) -> dict[str, int]:
    if not values:
        return {}
    rows = PersonIdentifier.objects.filter(system=system, value__in=values).values_list(
        "value", "person_id"
    )
    return dict(rows)


INVALID_NHS_NUMBER = "invalid_nhs_number"


def invalid_nhs_numbers(demographics: Demographics) -> list[str]:
    """NHS numbers a source sent that fail the check digit: kept, flagged, never matched on."""
    return sorted(
        {
            value[:100]
            for system, value in demographics.identifiers
            if system == nhs_number.SYSTEM and not nhs_number.is_valid(nhs_number.normalise(value))
        }
    )


def keep_invalid_nhs_numbers(*, person_id: int, values: list[str], source: str) -> None:
    """Attach NHS numbers that failed their check to a person already in the index, flagged."""
    bulk.insert(
        PersonIdentifier,
        [
            {
                "person_id": person_id,
                "system": nhs_number.SYSTEM,
                "value": value[:100],
                "source": source[:100],
                "data_quality": INVALID_NHS_NUMBER,
            }
            for value in values
        ],
        ignore_conflicts=True,
    )


def add_people_from_import(
    *, incoming: list[IncomingPerson], holders_of: dict[str, set[int]] | None = None
) -> list[int]:
    """Find or create the person for each incoming record (call inside the import's transaction).

    Exact valid NHS number first (an existing person, or one created earlier in this batch);
    otherwise a new person marked for probabilistic linkage. The source's own id is kept as an
    identifier either way. Returns person ids in the order given. `holders_of`: the importer's
    `nhs_number_holders` of these numbers, asked in the same transaction (one look-up, not two).
    """
    numbers = {p.demographics.nhs_number for p in incoming if p.demographics.nhs_number}
    by_number = people_by_nhs_number(
        numbers,
        None if holders_of is None else {n: holders_of[n] for n in numbers & holders_of.keys()},
    )
    practices = practice_ids({p.demographics.gp_practice_code for p in incoming})
    result: list[int | None] = [None] * len(incoming)
    # One new person per NHS number even when a batch holds it twice; rows are plain dicts for
    # caretrust.bulk (COPY on PostgreSQL): imports create people by the million.
    new_people: list[dict] = []
    row_for_number: dict[str, int] = {}
    new_row_of: dict[int, int] = {}  # incoming index → index into new_people
    for i, item in enumerate(incoming):
        d = item.demographics
        if d.nhs_number and d.nhs_number in by_number:
            result[i] = by_number[d.nhs_number]
            continue
        if d.nhs_number and d.nhs_number in row_for_number:
            new_row_of[i] = row_for_number[d.nhs_number]
            continue
        new_row_of[i] = len(new_people)
        if d.nhs_number:
            row_for_number[d.nhs_number] = len(new_people)
        new_people.append(
            {
                "given_name": d.given_name,
                "family_name": d.family_name,
                "birth_date": d.birth_date,
                "death_date": d.death_date,
                "sex": d.sex,
                "address": d.address,
                "postcode": d.postcode,
                "phone": d.phone,
                "gp_practice_id": practices.get(d.gp_practice_code),
                "demographics_source": item.source[:100],
                "linkage_pending": not d.nhs_number,
            }
        )
    ids = bulk.insert(Person, new_people, returning_ids=True)
    for i, row in new_row_of.items():
        result[i] = ids[row]
    # A new person has no identifiers yet, so theirs are copied as they are, once each; a person
    # already in the index may hold some (the same source sending them again): theirs skip
    # conflicts, which costs a staging table and about three times as much a row.
    new_ids = set(ids)
    of_new_people: dict[tuple[int, str, str], dict] = {}
    of_known_people: list[dict] = []
    for i, item in enumerate(incoming):
        person_id = result[i]
        rows = _identifier_rows(item, person_id)  # type: ignore[arg-type]
        if person_id in new_ids:
            for row in rows:
                of_new_people.setdefault((person_id, row["system"], row["value"]), row)
        else:
            of_known_people.extend(rows)
    bulk.insert(PersonIdentifier, list(of_new_people.values()))
    bulk.insert(PersonIdentifier, of_known_people, ignore_conflicts=True)
    return [int(pk) for pk in result]  # type: ignore[arg-type]


def _identifier_rows(item: IncomingPerson, person_id: int) -> list[dict]:
    """The identifier rows of an incoming record: its NHS number, the source's own id, every
    other identifier the source sent (an MRN, a local id: ADR 0103, the index is an index over
    what was sent) and any NHS number that failed its check, flagged."""
    d, source = item.demographics, item.source[:100]
    rows = []
    if d.nhs_number:
        rows.append(
            {
                "person_id": person_id,
                "system": nhs_number.SYSTEM,
                "value": d.nhs_number,
                "verification": d.nhs_verification or PersonIdentifier.Verification.NOT_VERIFIED,
                "source": source,
            }
        )
    rows.append(
        {
            "person_id": person_id,
            "system": item.source_system[:200],
            "value": item.source_id[:100],
            "source": source,
        }
    )
    rows.extend(
        {"person_id": person_id, "system": system, "value": value, "source": source}
        for system, value in dict.fromkeys(d.identifiers)
        if system != nhs_number.SYSTEM
    )
    rows.extend(
        {
            "person_id": person_id,
            "system": nhs_number.SYSTEM,
            "value": value,
            "source": source,
            "data_quality": INVALID_NHS_NUMBER,
        }
        for value in invalid_nhs_numbers(d)
    )
    return rows


def update_demographics_from_import(*, person_id: int, demographics: Demographics, source: str):
    """A newer version of a source's record: refresh the demographics that source supplied."""
    person = Person.objects.get(pk=person_id)
    if person.demographics_source and person.demographics_source != source:
        return  # another source owns the demographics shown; keep them
    changed = False
    for name in DEMOGRAPHIC_FIELDS:
        value = getattr(demographics, name)
        if value not in (None, "") and getattr(person, name) != value:
            setattr(person, name, value)
            changed = True
    if changed:
        _save_new_version(person)


def _save_new_version(person: Person) -> None:
    PersonVersion.objects.get_or_create(
        person=person, version=person.version, defaults={"snapshot": patient_from_person(person)}
    )
    person.version += 1
    person.save()
    PersonVersion.objects.create(
        person=person, version=person.version, snapshot=patient_from_person(person)
    )


# ----------------------------------------------------------------------- direct changes (API)


@transaction.atomic
def create_person(
    *,
    actor: Any,
    demographics: Demographics,
    source: str = "api",
    audit_details: dict | None = None,
) -> Person:
    """The one way to add a single person to the index (FHIR create, referral intake): with
    their first version and an audit row. Authorised by `people.register`.

    Raises `DuplicateNhsNumber` when a valid NHS number in `demographics` already belongs to
    someone: one person per NHS number (a second record goes through review and merge)."""
    policy.require(actor, "people.register")
    _refuse_implausible_birth_date(demographics.birth_date)
    numbers = {demographics.nhs_number} | {
        nhs_number.normalise(v)
        for system, v in demographics.identifiers
        if system == nhs_number.SYSTEM and nhs_number.is_valid(nhs_number.normalise(v))
    }
    numbers.discard("")
    for number in sorted(numbers):
        _lock_nhs_number(number)
        existing = holder_of_nhs_number(number)
        if existing is not None:
            raise DuplicateNhsNumber(number, existing)
    practices = practice_ids({demographics.gp_practice_code})
    with guard.service_writes(Person):
        person = Person.objects.create(
            **{name: getattr(demographics, name) for name in DEMOGRAPHIC_FIELDS},
            gp_practice_id=practices.get(demographics.gp_practice_code),
            demographics_source=source[:100],
        )
    _replace_identifiers(person, demographics, source)
    PersonVersion.objects.create(person=person, version=1, snapshot=patient_from_person(person))
    audit.record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=person,
        person_ref=person.audit_ref,
        details={"source": source, **(audit_details or {})},
    )
    return person


def _refuse_implausible_birth_date(value) -> None:
    """The same rule as every form (ADR 72): not in the future, not over 120 years ago."""
    from caretrust.people.demographics import birth_date_error

    error = birth_date_error(value) if value is not None else None
    if error:
        raise ValidationError({"birth_date": error})


def _replace_identifiers(person: Person, demographics: Demographics, source: str) -> None:
    wanted = {(s, v) for s, v in demographics.identifiers}
    if demographics.nhs_number:
        wanted.discard((nhs_number.SYSTEM, demographics.nhs_number))
        _lock_nhs_number(demographics.nhs_number)
        holder = holder_of_nhs_number(demographics.nhs_number)
        if holder is not None and holder.pk != person.survivor().pk:
            raise DuplicateNhsNumber(demographics.nhs_number, holder)
        PersonIdentifier.objects.update_or_create(
            person=person,
            system=nhs_number.SYSTEM,
            value=demographics.nhs_number,
            defaults={
                "verification": demographics.nhs_verification
                or PersonIdentifier.Verification.NOT_VERIFIED,
                "source": source[:100],
            },
        )
    for system, value in wanted:
        if system == nhs_number.SYSTEM and not nhs_number.is_valid(nhs_number.normalise(value)):
            raise ValidationError({"identifier": f"{value} is not a valid NHS number."})
        if system == nhs_number.SYSTEM:
            value = nhs_number.normalise(value)
            holder = holder_of_nhs_number(value)
            if holder is not None and holder.pk != person.survivor().pk:
                raise DuplicateNhsNumber(value, holder)
        PersonIdentifier.objects.get_or_create(
            person=person, system=system, value=value, defaults={"source": source[:100]}
        )


@transaction.atomic
def update_demographics(
    *, actor: Any, person: Person, demographics: Demographics, expected_version: int | None = None
) -> Person:
    """Change a person's demographics (FHIR update). A stale `expected_version` is refused."""
    policy.require(actor, "people.edit_record", person)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if expected_version is not None and expected_version != person.version:
        raise StaleVersion(person.version)
    practices = practice_ids({demographics.gp_practice_code})
    for name in DEMOGRAPHIC_FIELDS:
        setattr(person, name, getattr(demographics, name))
    if demographics.gp_practice_code:
        person.gp_practice_id = practices.get(demographics.gp_practice_code)
    _replace_identifiers(person, demographics, "api")
    _save_new_version(person)
    audit.record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=person, person_ref=person.audit_ref
    )
    return person


CORRECTABLE_FIELDS = (
    "given_name",
    "family_name",
    "birth_date",
    "sex",
    "ethnicity",
    "address",
    "postcode",
    "phone",
)


@transaction.atomic
def correct_demographics(
    *, actor: Any, person: Person, expected_version: int, reason: str, **values: Any
) -> Person:
    """An authorised user corrects a person's demographics: a new version (the old one kept in
    PersonVersion) and an audit row naming the fields changed and why. Imports no longer overwrite
    the corrected details (`demographics_source` becomes "caretrust")."""
    policy.require(actor, "people.correct_demographics", person)
    unknown = set(values) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValueError(f"not correctable here: {sorted(unknown)}")
    if not reason.strip():
        raise ValidationError({"reason": "Say why you are correcting their details"})
    _refuse_implausible_birth_date(values.get("birth_date"))
    if values.get("sex", Person.Sex.UNKNOWN) not in Person.Sex.values:
        raise ValidationError({"sex": "Choose their sex"})
    if values.get("ethnicity", "") not in ("", *Person.Ethnicity.values):
        raise ValidationError({"ethnicity": "Choose their ethnic group from the list"})
    person = Person.objects.select_for_update().get(pk=person.pk)
    if expected_version != person.version:
        raise StaleVersion(person.version)
    changed = sorted(name for name, value in values.items() if getattr(person, name) != value)
    if not changed:
        return person
    for name in changed:
        setattr(person, name, values[name])
    person.demographics_source = "caretrust"
    _save_new_version(person)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=person,
        person_ref=person.audit_ref,
        reason=reason.strip(),
        details={"corrected": changed, "version": person.version},
    )
    return person


class StaleVersion(Exception):
    def __init__(self, current: int) -> None:
        super().__init__(f"the current version is {current}")
        self.current = current


# ------------------------------------------------------------------------- merge and un-merge


@transaction.atomic
def merge_people(
    *,
    actor: Any,
    survivor: Person,
    merged: Person,
    reason: str,
    match_probability: float | None = None,
    actor_label: str = "",
) -> Merge:
    """Make `merged` part of `survivor`'s record. System linkage passes actor=None."""
    if _is_user(actor):
        policy.require(actor, "people.merge", survivor)
    survivor = survivor.survivor()
    merged = Person.objects.select_for_update().get(pk=merged.pk)
    if merged.pk == survivor.pk:
        raise ValidationError("A person cannot be merged with themselves.")
    if merged.merged_into_id is not None:
        raise ValidationError("This record is already merged into another person.")
    merged.merged_into = survivor
    merged.linkage_pending = False
    merged.save(update_fields=["merged_into", "linkage_pending", "updated_at"])
    merge = Merge.objects.create(
        survivor=survivor,
        merged=merged,
        reason=reason[:200],
        match_probability=match_probability,
        merged_by=actor if _is_user(actor) else None,
    )
    audit.record(
        actor=actor,
        actor_label=actor_label or "linkage",
        action=AuditEvent.Action.UPDATE,
        obj=merge,
        person_ref=survivor.audit_ref,
        reason=f"merge: {reason}",
        details={
            "merged": merged.audit_ref,
            "survivor": survivor.audit_ref,
            "match_probability": match_probability,
        },
    )
    return merge


@transaction.atomic
def unmerge(*, actor: Any, merge: Merge, reason: str = "") -> Person:
    """Undo a merge: the merged person stands alone again with their own records."""
    policy.require(actor, "people.unmerge", merge.survivor)
    merge = Merge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise ValidationError("This merge has already been undone.")
    merged = merge.merged
    merged.merged_into = None
    merged.save(update_fields=["merged_into", "updated_at"])
    merge.undone_by, merge.undone_at = actor, timezone.now()
    merge.save(update_fields=["undone_by", "undone_at"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=merge,
        person_ref=merge.survivor.audit_ref,
        reason=f"un-merge: {reason}".strip(": "),
        details={"restored": merged.audit_ref, "survivor": merge.survivor.audit_ref},
    )
    return merged


# ------------------------------------------------------------------------------ review queue


@transaction.atomic
def decide_link(*, actor: Any, candidate: LinkCandidate, same_person: bool) -> LinkCandidate:
    """A reviewer's decision on a candidate pair; accepting merges the incoming record."""
    policy.require(actor, "people.review_links")
    candidate = LinkCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != LinkCandidate.Status.PENDING:
        raise ValidationError("This pair has already been decided.")
    candidate.status = (
        LinkCandidate.Status.ACCEPTED if same_person else LinkCandidate.Status.REJECTED
    )
    candidate.decided_by, candidate.decided_at = actor, timezone.now()
    candidate.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=candidate,
        person_ref=candidate.existing.audit_ref,
        reason="link accepted" if same_person else "link rejected",
        details={
            "incoming": candidate.incoming.audit_ref,
            "match_probability": candidate.match_probability,
            "match_weight": candidate.match_weight,
        },
    )
    if same_person:
        merge_people(
            actor=actor,
            survivor=candidate.existing,
            merged=candidate.incoming,
            reason="review",
            match_probability=candidate.match_probability,
        )
    else:
        still_waiting = LinkCandidate.objects.filter(
            incoming=candidate.incoming, status=LinkCandidate.Status.PENDING
        ).exists()
        if not still_waiting:
            with guard.service_writes(Person):
                Person.objects.filter(pk=candidate.incoming_id).update(linkage_pending=False)
    return candidate

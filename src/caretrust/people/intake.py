"""Find a person in the people index, or add them, with a duplicate check (used by referral intake).

An NHS number decides on its own (after checking the date of birth agrees). Without one, people
with the same date of birth and the same family name or postcode are possible duplicates: the caller
must choose one of them or confirm that this is someone new. A public form never adds to the index:
a co-ordinator does, from what the referrer told us.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from caretrust.access import policy
from caretrust.organisations.models import Organisation, User
from caretrust.people import nhs_number
from caretrust.people.fhir_patient import Demographics
from caretrust.people.models import Person, PersonIdentifier
from caretrust.people.normalise import normalise_postcode


@dataclass(frozen=True)
class PersonDetails:
    given_name: str
    family_name: str
    birth_date: date | None
    sex: str = Person.Sex.UNKNOWN
    postcode: str = ""
    address: str = ""
    phone: str = ""
    nhs_number: str = ""
    gp_practice: Organisation | None = None

    def as_dict(self) -> dict:
        """JSON-safe, for keeping on a referral until a co-ordinator confirms who it is."""
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else "",
            "sex": self.sex,
            "postcode": self.postcode,
            "address": self.address,
            "phone": self.phone,
            "nhs_number": self.nhs_number,
            "gp_practice": self.gp_practice.code if self.gp_practice else "",
        }

    @classmethod
    def from_dict(cls, data: dict) -> PersonDetails:
        practice = (
            Organisation.objects.filter(code=data.get("gp_practice")).first()
            if data.get("gp_practice")
            else None
        )
        birth = data.get("birth_date") or ""
        return cls(
            given_name=data.get("given_name", ""),
            family_name=data.get("family_name", ""),
            birth_date=date.fromisoformat(birth) if birth else None,
            sex=data.get("sex") or Person.Sex.UNKNOWN,
            postcode=data.get("postcode", ""),
            address=data.get("address", ""),
            phone=data.get("phone", ""),
            nhs_number=data.get("nhs_number", ""),
            gp_practice=practice,
        )


class PossibleDuplicates(Exception):
    """People already in the index who may be the same person; the caller must choose."""

    def __init__(self, candidates: list[Person]) -> None:
        super().__init__(f"{len(candidates)} possible matches in the people index")
        self.candidates = candidates


def by_nhs_number(value: str) -> Person | None:
    if not value:
        return None
    person = Person.objects.with_nhs_number(value).first()
    return person.survivor() if person else None


def possible_matches(details: PersonDetails, limit: int = 10) -> list[Person]:
    if details.birth_date is None:
        return []
    postcode = normalise_postcode(details.postcode)
    similar = Q(family_name__iexact=details.family_name.strip())
    if postcode:
        similar |= Q(postcode__iexact=postcode)
    return list(
        Person.objects.active()
        .filter(similar, birth_date=details.birth_date)
        .select_related("gp_practice")[:limit]
    )


@transaction.atomic
def find_or_add_person(
    *,
    actor: User,
    details: PersonDetails,
    chosen: Person | None = None,
    confirm_new: bool = False,
    source: str = "referral",
) -> tuple[Person, bool]:
    """Return (person, created). Raises PossibleDuplicates unless the caller chose or confirmed."""
    policy.require(actor, "people.find")
    if chosen is not None:
        return chosen.survivor(), False
    number = nhs_number.normalise(details.nhs_number)
    if number:
        if not nhs_number.is_valid(number):
            raise ValidationError({"nhs_number": "Enter a valid 10-digit NHS number."})
        existing = by_nhs_number(number)
        if existing is not None:
            if (
                details.birth_date
                and existing.birth_date
                and existing.birth_date != details.birth_date
            ):
                raise ValidationError(
                    {
                        "nhs_number": "This NHS number belongs to someone with a different date "
                        "of birth. Check both."
                    }
                )
            return existing, False
    if not confirm_new:
        candidates = possible_matches(details)
        if candidates:
            raise PossibleDuplicates(candidates)
    # One way to add a person: the same service as the FHIR API, with its version, its audit
    # row and the one-person-per-NHS-number rule.
    from caretrust.people.services import create_person

    demographics = Demographics(
        given_name=details.given_name.strip(),
        family_name=details.family_name.strip(),
        birth_date=details.birth_date,
        sex=details.sex or Person.Sex.UNKNOWN,
        postcode=normalise_postcode(details.postcode),
        address=details.address.strip(),
        phone=details.phone.strip(),
        nhs_number=number,
        nhs_verification=PersonIdentifier.Verification.NOT_VERIFIED if number else "",
        gp_practice_code=details.gp_practice.code if details.gp_practice else "",
    )
    person = create_person(
        actor=actor,
        demographics=demographics,
        source=source,
        audit_details={"duplicate_check": "confirmed new" if confirm_new else "no match"},
    )
    return person, True

"""Demo person and carer for the portal: Edith Smith, 85, living alone with heart failure, and her
daughter Susan, whom Edith has authorised to see her care. Demo only (published passwords)."""

from __future__ import annotations

from datetime import date

from caretrust import guard
from caretrust.organisations.models import Organisation, User
from caretrust.people import nhs_number
from caretrust.people.models import Person, PersonIdentifier
from caretrust.portal.models import PersonPortalAccount

EDITH_NHS_NUMBER = "9990000018"  # from the range reserved for testing (999…)


def load_demo_people() -> Person:
    """Create Edith and link her account and her daughter's. Running it again changes nothing."""
    practice = Organisation.objects.get(code="DEMO-GP1")
    edith = Person.objects.with_nhs_number(EDITH_NHS_NUMBER).first()
    if edith is None:
        # Demo data goes in by the named bulk path (ADR 89), as it always has: no version row.
        with guard.bulk_load(Person, why="portal demo: Edith Smith"):
            edith = Person.objects.create(
                given_name="Edith",
                family_name="Smith",
                birth_date=date(1941, 4, 18),
                sex=Person.Sex.FEMALE,
                address="12 Harbour View, Torquay",
                postcode="TQ1 2BB",
                gp_practice=practice,
                demographics_source="demo",
            )
            PersonIdentifier.objects.create(
                person=edith,
                system=nhs_number.SYSTEM,
                value=EDITH_NHS_NUMBER,
                verification=PersonIdentifier.Verification.VERIFIED,
                source="demo",
            )
    edith_user = User.objects.get(username="edith")
    PersonPortalAccount.objects.get_or_create(
        user=edith_user,
        defaults={"person": edith, "relationship": PersonPortalAccount.Relationship.SELF},
    )
    # Edith authorised her daughter herself.
    PersonPortalAccount.objects.get_or_create(
        user=User.objects.get(username="susan"),
        defaults={
            "person": edith,
            "relationship": PersonPortalAccount.Relationship.CARER,
            "carer_relationship": "daughter",
            "authorised_by": edith_user,
        },
    )
    return edith

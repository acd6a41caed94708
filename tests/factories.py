"""Test data made the way the application makes it: through the services, so each object has
its versions and audit rows like the real thing. Plain functions; pass what a test cares about."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from caretrust import guard
from caretrust.organisations.models import Team, User
from caretrust.people.fhir_patient import Demographics
from caretrust.people.models import Person


def demo_user(username: str) -> User:
    """A user of the demo directory (the `demo_directory` fixture loads it)."""
    return User.objects.get(username=username)


def make_person(
    *,
    actor: User | None = None,
    given_name: str = "Mary",
    family_name: str = "Jones",
    birth_date: date | None = date(1941, 5, 12),
    sex: str = "female",
    gp_practice_code: str = "DEMO-GP1",
    **demographics: Any,
) -> Person:
    """A person in the index through `people.services.create_person` (first version and audit
    row), added by `actor` (default: the demo co-ordinator)."""
    from caretrust.people.services import create_person

    return create_person(
        actor=actor or demo_user("coordinator"),
        demographics=Demographics(
            given_name=given_name,
            family_name=family_name,
            birth_date=birth_date,
            sex=sex,
            gp_practice_code=gp_practice_code,
            **demographics,
        ),
        source="test",
    )


def make_referral(
    *,
    person: Person | None = None,
    actor: User | None = None,
    reason: str = "Fell at home; lives alone with heart failure.",
    what_matters: str = "To stay in my own home with my cat.",
    **fields: Any,
):
    """A professional referral for `person` (default: a new `make_person()`), from the demo GP."""
    from caretrust.referrals import services as referrals

    return referrals.submit_professional_referral(
        actor=actor or demo_user("gp"),
        person=person or make_person(),
        source=fields.pop("source", "gp"),
        reason=reason,
        what_matters=what_matters,
        consent=fields.pop("consent", True),
        **fields,
    )


def routed_referral(
    *, person: Person | None = None, team_code: str = "torquay-mdt", **referral_fields: Any
):
    """A referral claimed by the co-ordinator, routed to `team_code` and accepted by the OT, who
    holds it (the state assessments and care plans start from)."""
    from caretrust.referrals import services as referrals

    referral = make_referral(person=person, **referral_fields)
    coordinator, ot = demo_user("coordinator"), demo_user("ot")
    referrals.claim(actor=coordinator, referral=referral)
    referrals.route(actor=coordinator, referral=referral, team=Team.objects.get(code=team_code))
    referrals.accept(actor=ot, referral=referral, allocate_to=ot)
    return referral


def make_plan(*, referral=None):
    """A care plan made from a joint assessment (therapy by the OT, social care by the social
    worker) of a routed referral (default: a new `routed_referral()`)."""
    from caretrust.assessments import services as assessments
    from caretrust.careplans import services as careplans

    referral = referral or routed_referral()
    ot, sw = demo_user("ot"), demo_user("socialworker")
    assessment = assessments.start_assessment(actor=ot, person=referral.person, referral=referral)
    assessments.contribute(actor=ot, assessment=assessment, section="therapy", text="Bath unsafe")
    assessments.contribute(actor=sw, assessment=assessment, section="social_care", text="Meals")
    return careplans.create_plan(
        actor=demo_user("coordinator"),
        person=referral.person,
        referral=referral,
        assessment=assessment,
    )


def make_assessment(*, referral=None, actor: User | None = None):
    """A joint assessment started through `assessments.services.start_assessment` by the OT for a
    routed referral (default: a new `routed_referral()`)."""
    from caretrust.assessments import services as assessments

    referral = referral or routed_referral()
    return assessments.start_assessment(
        actor=actor or demo_user("ot"), person=referral.person, referral=referral
    )


def make_financial_assessment(*, person: Person, inputs: dict, actor: User | None = None):
    """A financial assessment through `funding.services.record_financial_assessment` (the person
    needs a plan with means-tested support), by the demo finance officer."""
    from caretrust.funding.services import record_financial_assessment

    return record_financial_assessment(
        actor=actor or demo_user("finance"), person=person, inputs=inputs
    )


# ------------------------------------------------------------------ bare rows (named bulk path)
# For tests about something else (scoping, pages, query counts, concurrency) that need a row and
# must not get the service's version and audit rows in their counts. They go through the named
# bulk path (ADR 89), like the import and demo loaders; prefer the service factories above.


def person_row(**fields: Any) -> Person:
    """A bare `Person` row (no version, no audit row): `Person(**fields)` through the bulk path."""
    with guard.bulk_load(Person, why="tests.factories.person_row"):
        return Person.objects.create(**fields)


def patient_at_demo_practice(
    given_name: str,
    family_name: str,
    birth_date: date,
    postcode: str,
    nhs_number: str = "9434765919",
) -> Person:
    """A bare `Person` row registered at the demo GP practice (whose GP may read the record),
    with a verified NHS number (valid mod-11 by default), so importers link what they bring."""
    from caretrust.organisations.models import Organisation
    from caretrust.people.models import PersonIdentifier

    person = person_row(
        given_name=given_name,
        family_name=family_name,
        birth_date=birth_date,
        sex="female",
        postcode=postcode,
        gp_practice=Organisation.objects.get(code="DEMO-GP1"),
    )
    PersonIdentifier.objects.create(
        person=person,
        system="https://fhir.nhs.uk/Id/nhs-number",
        value=nhs_number,
        verification="01",
    )
    return person


def plan_row(**fields: Any):
    """A bare `CarePlan` row (no care team, version or audit row)."""
    from caretrust.careplans.models import CarePlan

    with guard.bulk_load(CarePlan, why="tests.factories.plan_row"):
        return CarePlan.objects.create(**fields)


def assessment_row(**fields: Any):
    """A bare `Assessment` row (no audit row)."""
    from caretrust.assessments.models import Assessment

    with guard.bulk_load(Assessment, why="tests.factories.assessment_row"):
        return Assessment.objects.create(**fields)


_RESOURCE_IDS = itertools.count(1)


def resource_row(
    person: Person | None,
    resource_type: str,
    *,
    when: date | None,
    summary: str,
    sector: str = "health",
    source: str = "fhir",
    **fields: Any,
):
    """A bare stored FHIR resource about `person` with its timeline line (`date`, `sector`,
    `summary`, ADR 135), as the importer writes it; its content names only its type and id."""
    from caretrust.record.models import Resource

    logical_id = fields.pop("logical_id", f"{resource_type.lower()}-{next(_RESOURCE_IDS)}")
    return Resource.objects.create(
        resource_type=resource_type,
        logical_id=logical_id,
        last_updated="2024-01-01T00:00:00Z",
        content=fields.pop("content", {"resourceType": resource_type, "id": logical_id}),
        content_hash=logical_id,
        person=person,
        source=source,
        source_id=logical_id,
        date=when,
        sector=sector,
        summary=summary,
        **fields,
    )


def force_update(queryset, **fields: Any) -> int:
    """`queryset.update(**fields)` on a guarded model, to put a row in a state the services never
    make (backdating, a corrupted row): test set-up only."""
    with guard.bulk_load(queryset.model, why="tests.factories.force_update"):
        return queryset.update(**fields)


def winifred(practice, *, nhs_number: str, **fields: Any) -> Person:
    """Winifred Quarrington, born 2 March 1941, registered at `practice`, with an NHS number (and
    any other `fields`): the patient of the FHIR API tests."""
    from caretrust.people.models import PersonIdentifier

    person = person_row(
        given_name="Winifred",
        family_name="Quarrington",
        sex="female",
        birth_date=date(1941, 3, 2),
        gp_practice=practice,
        **fields,
    )
    PersonIdentifier.objects.create(
        person=person, system="https://fhir.nhs.uk/Id/nhs-number", value=nhs_number
    )
    return person

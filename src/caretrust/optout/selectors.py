"""The check every secondary use makes first (ADR 87): the latest cleared cohort must be recent
enough, and only the people in it are read."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from caretrust import clock
from caretrust.optout.models import ClearedCohort, ClearedNumber

MARKER = "ndop.json"  # written beside an extract: the cohort it was made with


class StaleCohort(Exception):
    """No cleared cohort, or one too old (or newer than the data) for this secondary use."""


def max_age_days() -> int:
    return int(getattr(settings, "CARETRUST_NDOP_MAX_AGE_DAYS", 30))


def current_cohort(purpose: str, today: date | None = None) -> ClearedCohort:
    """The latest cleared cohort, if it is no older than CARETRUST_NDOP_MAX_AGE_DAYS; otherwise
    StaleCohort with what to do."""
    today = today or clock.today()
    cohort = ClearedCohort.objects.order_by("-cleared_on", "-pk").first()
    how = (
        "submit the NHS numbers (`caretrust export ndop-submission FILE`) to the National Data "
        "Opt-out service and import the file it returns (`caretrust import ndop FILE "
        "--cleared-on DATE`)"
    )
    if cohort is None:
        raise StaleCohort(f"No National Data Opt-out check on record, so no {purpose}: {how}.")
    age = (today - cohort.cleared_on).days
    if age > max_age_days():
        raise StaleCohort(
            f"The National Data Opt-out check of {cohort.cleared_on:%d %B %Y} is {age} days old "
            f"(the limit is {max_age_days()}), so no {purpose}: {how}."
        )
    return cohort


def cleared_people(cohort: ClearedCohort) -> QuerySet:
    """Ids of the people (survivors and merged alike) whose valid NHS number the cohort
    cleared, less anyone who told us locally they opt out. Everyone else is left out: someone
    with no NHS number cannot be checked, so cannot be cleared."""
    from caretrust.people import nhs_number
    from caretrust.people.models import Person, PersonIdentifier

    holders = PersonIdentifier.objects.filter(
        system=nhs_number.SYSTEM,
        data_quality="",
        value__in=ClearedNumber.objects.filter(cohort=cohort).values("nhs_number"),
    ).values("person_id")
    return Person.objects.filter(pk__in=holders, opted_out_of_secondary_use=False).values_list(
        "pk", flat=True
    )


def mark_extract(directory: Path, cohort: ClearedCohort) -> None:
    (directory / MARKER).write_text(
        json.dumps({"cohort": cohort.pk, "cleared_on": cohort.cleared_on.isoformat()})
    )


def require_current_extract(directory: Path, purpose: str) -> None:
    """Before a secondary use of an extract of the record: the cohort it was made with must
    still be the current one (a newer check may have removed people) and not stale. Data with
    no marker was not made from the record (a generated synthetic place) and needs no check."""
    marker = directory / MARKER
    if not marker.is_file():
        return
    made_with = json.loads(marker.read_text()).get("cohort")
    cohort = current_cohort(purpose)
    if made_with != cohort.pk:
        raise StaleCohort(
            f"The extract in {directory} was made before the National Data Opt-out check of "
            f"{cohort.cleared_on:%d %B %Y}, so no {purpose}: export it again "
            "(`caretrust export parquet`)."
        )


def submission_numbers() -> list[str]:
    """The valid NHS numbers of everyone in the index: what the council submits to the check."""
    from caretrust.people import nhs_number
    from caretrust.people.models import PersonIdentifier

    return sorted(
        set(
            PersonIdentifier.objects.filter(system=nhs_number.SYSTEM, data_quality="").values_list(
                "value", flat=True
            )
        )
    )

"""The Adult Social Care Client Level Data (CLD) events that caretrust's records produce, per
person and reporting period, with the field names and codes of the CLD specification
(docs/reference/cld-specification.md; Release 2 value sets). The money area's CLD export uses it.

Each area registers a source: `register(name, source)`, where `source(person_ids, start, end)`
yields `CldEvent`s. Requests (from referrals) and assessments are registered here; reviews in
`caretrust.reviews.cld`; carers' assessments and support are for the carers area to register.

Rules (DHSC's processing code, records.md): one row per event; only services may be open-ended,
so a request, assessment or review is reported in the period in which it concluded (its end date
falls in the period); cancelled events are excluded (an assessment ended without a decision is a
real outcome and is reported, as "NFA: Other"). Values whose sets records.md does not give are
listed in `UNCONFIRMED_VALUES` and flagged, never passed off as the specification's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from caretrust import clock

# Event_Type values (records.md: Request, Assessment, Service, Review).
REQUEST, ASSESSMENT, SERVICE, REVIEW = "Request", "Assessment", "Service", "Review"
CLIENT_SERVICE_USER = "Service user"

# Event_Outcome values used here (Release 2, records.md).
PROGRESS_TO_ASSESSMENT = "Progress to assessment, review or reassessment"
PROGRESS_TO_SUPPORT = "Progress to support planning or services"
CONTINUATION = "Continuation of support or services"
NFA_ADVICE = "NFA: Information and advice or signposting"
NFA_OTHER = "NFA: Other"
NFA_ENDED_AS_PLANNED = "NFA: Support ended as planned"
NFA_REFERRAL_NHS = "NFA: Referral to NHS services or NHS funded social care"

# Values whose sets records.md names but does not list: our best reading of DHSC's Release 2
# specification, flagged [unconfirmed] (pathways.md convention) until checked at the source.
UNCONFIRMED_VALUES: dict[str, frozenset[str]] = {
    "Request_Route_of_Access": frozenset(
        {"Discharge from Hospital", "Community / Other Route", "Self-Funder with Depleted Funds"}
    ),
    "Eligible_Needs_Identified": frozenset({"Yes", "No"}),
    "Method_of_Assessment": frozenset({"Face to Face", "Telephone", "Video", "Other"}),
    "Review_Reason": frozenset({"Planned", "Unplanned"}),
    "Review_Outcomes_Achieved": frozenset({"Fully Achieved", "Partially Achieved", "Not Achieved"}),
    "Method_of_Review": frozenset({"Face to Face", "Telephone", "Video", "Other"}),
}


@dataclass(frozen=True)
class CldEvent:
    """One CLD row's event part: `fields` maps CLD field names to values (dates as ISO text)."""

    person_id: int
    fields: dict[str, str] = field(default_factory=dict)


Source = Callable[[Iterable[int] | None, date, date], Iterator[CldEvent]]
_sources: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    _sources[name] = source


def sources() -> list[str]:
    return list(_sources)


def cld_events(
    person_ids: Iterable[int] | None, period_start: date, period_end: date
) -> Iterator[CldEvent]:
    """Every registered source's events for these people (None: everyone) that concluded in
    [period_start, period_end], with the submission and person fields filled in."""
    from caretrust.people.models import Person

    ids = None if person_ids is None else list(person_ids)
    people: dict[int, Person] = {}
    for name in sorted(_sources):
        for event in _sources[name](ids, period_start, period_end):
            person = people.get(event.person_id)
            if person is None:
                person = people[event.person_id] = Person.objects.get(pk=event.person_id)
            yield CldEvent(
                event.person_id,
                {
                    "Reporting_Period_Start_Date": period_start.isoformat(),
                    "Reporting_Period_End_Date": period_end.isoformat(),
                    "LA_Person_Unique_Identifier": str(person.ref),
                    "NHS_Number": person.nhs_number or "",
                    "Client_Type": CLIENT_SERVICE_USER,
                    **event.fields,
                },
            )


def _local(moment) -> date:
    """A moment's London date; a date is already one."""
    return moment if not isinstance(moment, datetime) else clock.local_date(moment)


def _day(moment) -> str:
    return _local(moment).isoformat()


# Areas above that can conclude a request (a hospital discharge: the person left hospital):
# `register_request_conclusion(fn)`, `fn(referral_ids) -> {referral id: (date, Event_Outcome)}`.
# A request is reported once, ended by whichever conclusion came first.
RequestConclusions = Callable[[list[int]], dict[int, tuple[date, str]]]
_request_conclusions: list[RequestConclusions] = []


def register_request_conclusion(fn: RequestConclusions) -> None:
    if fn not in _request_conclusions:
        _request_conclusions.append(fn)


def _in(queryset, person_ids):
    return queryset if person_ids is None else queryset.filter(person_id__in=list(person_ids))


ROUTES = {"hospital_discharge": "Discharge from Hospital"}


def _requests(person_ids, start: date, end: date) -> Iterator[CldEvent]:
    """A referral is a request for support; it concludes when an assessment starts from it, or
    when it is completed, signposted, rejected or closed."""
    from caretrust.referrals.models import Referral

    referrals = _in(
        Referral.objects.exclude(person=None).exclude(status="cancelled"), person_ids
    ).prefetch_related("assessments")
    referrals = list(referrals)
    concluded: dict[int, list[tuple[date, str]]] = {}
    for conclusions in _request_conclusions:
        for referral_id, found in conclusions([r.pk for r in referrals]).items():
            concluded.setdefault(referral_id, []).append(found)
    for referral in referrals:
        candidates = list(concluded.get(referral.pk, []))
        assessment = min(referral.assessments.all(), key=lambda a: a.created_at, default=None)
        if assessment is not None:
            candidates.append((_local(assessment.created_at), PROGRESS_TO_ASSESSMENT))
        if referral.status in ("completed", "rejected", "failed") and referral.completed_at:
            outcome = NFA_ADVICE if referral.outcome == "signposted" else NFA_OTHER
            candidates.append((_local(referral.completed_at), outcome))
        if not candidates:
            continue  # still open: reported when it concludes
        ended, outcome = min(candidates, key=lambda c: c[0])
        if not start <= ended <= end:
            continue
        yield CldEvent(
            referral.person_id,
            {
                "Event_Type": REQUEST,
                "Event_Reference": referral.reference,
                "Event_Start_Date": _day(referral.created_at),
                "Event_End_Date": _day(ended),
                "Event_Outcome": outcome,
                "Request_Route_of_Access": ROUTES.get(referral.source, "Community / Other Route"),
            },
        )


def _assessments(person_ids, start: date, end: date) -> Iterator[CldEvent]:
    """A Care Act needs assessment is a long-term assessment; it concludes when eligibility is
    decided (or it ends without a decision)."""
    from caretrust.assessments.models import Assessment

    assessments = _in(Assessment.objects.exclude(status="in-progress"), person_ids)
    for assessment in assessments:
        ended = assessment.decided_at or assessment.updated_at
        if not start <= clock.local_date(ended) <= end:
            continue
        fields = {
            "Event_Type": ASSESSMENT,
            "Event_Reference": str(assessment.uuid),
            "Event_Start_Date": _day(assessment.created_at),
            "Event_End_Date": _day(ended),
            "Assessment_Type": "Long term",
        }
        if assessment.status == "completed":
            fields["Eligible_Needs_Identified"] = "Yes" if assessment.eligible else "No"
            fields["Event_Outcome"] = PROGRESS_TO_SUPPORT if assessment.eligible else NFA_ADVICE
        else:
            fields["Event_Outcome"] = NFA_OTHER
        yield CldEvent(assessment.person_id, fields)


register("requests", _requests)
register("assessments", _assessments)

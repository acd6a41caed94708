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
    """One CLD row's event part: `fields` maps CLD field names to values (dates as ISO text).

    `about_indexed_person` is False when the row is about someone the people index does not hold
    (a carer without a record of their own, reported under the person they care for): the row
    then carries its own `LA_Person_Unique_Identifier` and no NHS number. `person_fallback` holds
    person fields as a sending system submitted them (an imported event), used where the index
    has none (the export, ADR 87)."""

    person_id: int
    fields: dict[str, str] = field(default_factory=dict)
    about_indexed_person: bool = True
    person_fallback: dict[str, str] = field(default_factory=dict)


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
    ids = None if person_ids is None else list(person_ids)
    for name in sorted(_sources):
        batch: list[CldEvent] = []
        for event in _sources[name](ids, period_start, period_end):
            batch.append(event)
            if len(batch) >= BATCH:
                yield from _with_person_key(batch, period_start, period_end)
                batch = []
        yield from _with_person_key(batch, period_start, period_end)


BATCH = 5000


def person_keys(person_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """person id → (LA person id, NHS number) by DHSC's person key rules (records.md): the valid
    NHS number the index holds ("" if none), and the council's own person id: the one a CLD
    import recorded (urn:caretrust:cld:LA:person; the lowest if several), else the person's ref."""
    from caretrust.people import nhs_number
    from caretrust.people.models import Person, PersonIdentifier

    ids = list(set(person_ids))
    keys: dict[int, list[str]] = {}
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for pk, ref in Person.objects.filter(pk__in=chunk).values_list("pk", "ref"):
            keys[pk] = [str(ref), "", ""]
        identifiers = PersonIdentifier.objects.filter(person_id__in=chunk).filter(
            system__startswith="urn:caretrust:cld:"
        ) | PersonIdentifier.objects.filter(
            person_id__in=chunk, system=nhs_number.SYSTEM, data_quality=""
        )
        for pk, system, value in identifiers.values_list("person_id", "system", "value"):
            held = keys[pk]
            if system == nhs_number.SYSTEM:
                held[1] = min(held[1] or value, value)
            elif system.endswith(":person"):
                held[2] = min(held[2] or value, value)
    return {pk: (la or ref, number) for pk, (ref, number, la) in keys.items()}


def _with_person_key(
    batch: list[CldEvent], period_start: date, period_end: date
) -> Iterator[CldEvent]:
    keys = person_keys(e.person_id for e in batch)
    for event in batch:
        la_person, number = keys[event.person_id]
        if not event.about_indexed_person:
            number = ""  # someone else's row: never the cared-for person's NHS number
        yield CldEvent(
            event.person_id,
            {
                "Reporting_Period_Start_Date": period_start.isoformat(),
                "Reporting_Period_End_Date": period_end.isoformat(),
                "LA_Person_Unique_Identifier": la_person,
                "NHS_Number": number,
                "Client_Type": CLIENT_SERVICE_USER,
                **event.fields,
            },
            event.about_indexed_person,
            event.person_fallback,
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


# Person fields a sending system submitted with an imported event (the export's fallback where
# the index holds none), and the submission fields the export writes itself.
PERSON_FIELDS = ("GP_Practice_Code", "Date_of_Birth", "Postcode", "Gender", "Date_of_Death")
NOT_EVENT_FIELDS = frozenset(
    {
        "LA_Code",
        "Reporting_Period_Start_Date",
        "Reporting_Period_End_Date",
        "LA_Person_Unique_Identifier",
        "NHS_Number",
        "Traced_NHS_Number",
        "First_Name",
        "Last_Name",
        *PERSON_FIELDS,
    }
)
# What an import before ADR 87 kept (snake-case codes in columns, no submitted row): enough to
# write the event again; the export's value sets turn the codes back into labels.
_COLUMNS = {
    "Event_Reference": "event_reference",
    "Event_Outcome": "event_outcome",
    "Request_Route_of_Access": "request_route_of_access",
    "Assessment_Type": "assessment_type",
    "Service_Type": "service_type",
    "Service_Component": "service_component",
    "Delivery_Mechanism": "delivery_mechanism",
    "Cost_Frequency_Unit_Type": "cost_frequency_unit_type",
    "Review_Reason": "review_reason",
}


def _imported(person_ids, start: date, end: date) -> Iterator[CldEvent]:
    """Events imported from a council's CLD files (`caretrust import cld`) are part of the record
    too: a request, assessment or review whose (cropped) end falls in the period, and a service
    open at any time in it. Each is written back as it was submitted (`cld_fields`), with the
    dates the record holds now (cropped to a death, or closed at a period end)."""
    from django.db.models import Q

    from caretrust.record.models import SocialCareEvent

    events = SocialCareEvent.objects.filter(
        Q(event_type="service", start_date__lte=end)
        & (Q(end_date__isnull=True) | Q(end_date__gte=start))
        | ~Q(event_type="service") & Q(end_date__gte=start, end_date__lte=end)
    ).order_by("pk")
    for event in _in(events, person_ids).iterator(chunk_size=BATCH):
        submitted = event.cld_fields or {}
        if submitted:
            fields = {k: v for k, v in submitted.items() if k not in NOT_EVENT_FIELDS}
        else:
            fields = {name: getattr(event, column) for name, column in _COLUMNS.items()}
            fields["Client_Type"] = event.client_type
            if event.eligible_needs_identified is not None:
                fields["Eligible_Needs_Identified"] = (
                    "Yes" if event.eligible_needs_identified else "No"
                )
            for name, value in (
                ("Unit_Cost", event.unit_cost),
                ("Planned_units_per_week", event.planned_units_per_week),
            ):
                if value is not None:
                    fields[name] = f"{value:.2f}"
        fields["Event_Type"] = event.event_type.capitalize()
        fields["Event_Start_Date"] = event.start_date.isoformat()
        fields["Event_End_Date"] = event.end_date.isoformat() if event.end_date else ""
        if event.closed_at_period_end and not fields.get("Event_Outcome"):
            # Closed by DHSC's rule (missing from the council's next period): it ended, the
            # council did not say how.
            fields["Event_Outcome"] = "NFA: Support ended for other reason"
        yield CldEvent(
            event.person_id,
            {k: v for k, v in fields.items() if v not in ("", None)},
            person_fallback={k: submitted[k] for k in PERSON_FIELDS if submitted.get(k)},
        )


register("imported", _imported)


# Reablement episodes (Short term support: ST-Max) are reported by the discharge area, which owns
# the episode's outcome (caretrust.discharge.cld, ADR 84): one source, so each is reported once.

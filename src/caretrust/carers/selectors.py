"""Reads of carers: the Carers section of the person page and the CLD events carers produce."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse

from caretrust.carers.models import Carer, CarersAssessment, CarerSupportLine


@dataclass(frozen=True)
class CarerRow:
    text: str
    href: str
    hint: str = ""


def carer_for(viewer, uuid) -> Carer:
    """One carer for a page about them: Http404 if there is none, PermissionDenied (the refusal
    noted) if `viewer` may not see them, else the carer with the read of the cared-for person's
    record recorded, with the rule's reason (ADR 107)."""
    from django.shortcuts import get_object_or_404

    from caretrust.access import audit

    carer = get_object_or_404(Carer.objects.select_related("person", "carer_person"), uuid=uuid)
    audit.authorised_read(
        viewer,
        "carers.view",
        carer,
        person=carer.person,
        purpose="carers.carer",
        obj=carer,
        give_reason=True,
    )
    return carer


def carers_assessment_for(viewer, uuid) -> CarersAssessment:
    """One carer's assessment for a page about it: Http404, PermissionDenied (the refusal noted),
    or the assessment with the read of the cared-for person's record recorded (ADR 107)."""
    from django.shortcuts import get_object_or_404

    from caretrust.access import audit

    assessment = get_object_or_404(
        CarersAssessment.objects.select_related("carer__person", "assessor", "decided_by"),
        uuid=uuid,
    )
    audit.authorised_read(
        viewer,
        "carers.view",
        assessment,
        person=assessment.carer.person,
        purpose="carers.assessment",
        obj=assessment,
        give_reason=True,
    )
    return assessment


def person_to_add_a_carer_for(viewer, ref):
    """The person for "add a carer": Http404 if there is none (or merged away), PermissionDenied
    (the refusal noted) if `viewer` may not record a carer, else the person with the read
    recorded (ADR 107)."""
    from django.shortcuts import get_object_or_404

    from caretrust.access import audit
    from caretrust.people.models import Person

    person = get_object_or_404(Person, ref=ref, merged_into__isnull=True)
    audit.authorised_read(
        viewer,
        "carers.record",
        person,
        person=person,
        purpose="carers.new",
        obj=person,
        details={"page": "add a carer"},
    )
    return person


def carers_of(person, *, viewer) -> list[CarerRow]:
    """The person's carers: recorded carers (linking to their record), then carers named in a
    joint assessment or authorised in the portal who are not yet recorded (linking to "add").
    None when `viewer` may not read the person's record; the read is recorded (ADR 101)."""
    from caretrust.access import audit

    if not audit.person_read(viewer, person, purpose="carers.carers_of"):
        return []
    rows = []
    newest = CarersAssessment.objects.filter(carer=OuterRef("pk")).order_by("-created_at")
    recorded = list(
        Carer.objects.filter(person=person)
        .annotate(latest_status=Subquery(newest.values("status")[:1]))
        .order_by("name")
    )
    statuses = dict(CarersAssessment.Status.choices)
    for carer in recorded:
        hint = carer.relationship or "carer"
        hint += (
            f"; carer's assessment: {statuses[carer.latest_status].lower()}"
            if carer.latest_status
            else "; no carer's assessment yet"
        )
        rows.append(CarerRow(carer.name, reverse("carers:detail", args=[carer.uuid]), hint))
        if carer.latest_status is None:
            rows.append(
                CarerRow(
                    f"Start a carer's assessment for {carer.name}",
                    reverse("carers:start", args=[carer.uuid]),
                )
            )
    known = {c.name.strip().lower() for c in recorded}
    for name, relationship, source, extra in _named_elsewhere(person):
        if name.strip().lower() in known:
            continue
        known.add(name.strip().lower())
        query = urlencode({"name": name, "relationship": relationship, **extra})
        rows.append(
            CarerRow(
                f"{name} ({source})",
                f"{reverse('carers:new', args=[person.ref])}?{query}",
                "Not yet recorded as a carer: add them to offer a carer's assessment",
            )
        )
    return rows


def _named_elsewhere(person) -> Iterator[tuple[str, str, str, dict]]:
    from caretrust.assessments.models import Assessment

    for assessment in Assessment.objects.filter(person=person, has_carer=True).exclude(
        carer_name=""
    ):
        yield (
            assessment.carer_name,
            "",
            "named in the joint assessment",
            {"assessment": str(assessment.uuid)},
        )
    # Through the reverse relation: carers sit below the portal in the layers (ADR 75).
    for account in person.portal_accounts.filter(
        relationship="carer", revoked_at__isnull=True
    ).select_related("user"):
        yield (
            account.user.get_full_name() or account.user.username,
            account.carer_relationship,
            "authorised carer in the portal",
            {},
        )


# --- CLD (Adult Social Care Client Level Data, Release 2): carers' events ----------------------
# Names and values as in ../shared/reference/records.md; the labels follow caretrust.synthetic.cld.
CLIENT_TYPE = "Carer"
ASSESSMENT_TYPE = "Long term"
SERVICE_TYPES = {
    CarerSupportLine.Kind.DIRECT: "Unpaid Carer Support: Direct to Unpaid Carer",
    CarerSupportLine.Kind.VIA_CARED_FOR: "Unpaid Carer Support: Support involving the person cared-for",
}
OUTCOME_ELIGIBLE = "Progress to support planning or services"
OUTCOME_NOT_ELIGIBLE = "NFA: Information and advice or signposting"
OUTCOME_CONTINUES = "Continuation of support or services"
OUTCOME_ENDED = "NFA: Support ended as planned"


def _carer_fields(carer: Carer) -> dict:
    others = (
        Carer.objects.filter(carer_person=carer.carer_person).values("person").distinct().count()
        if carer.carer_person_id
        else 1
    )
    return {
        "LA_Person_Unique_Identifier": str(
            carer.carer_person.ref if carer.carer_person_id else carer.uuid
        ),
        "Client_Type": CLIENT_TYPE,
        "Total_Hrs_Caring_per_week": carer.hours_caring_per_week,
        "No_of_adults_being_cared_for": others,
        "Adult_1_Linked_Person_ID": str(carer.person.ref),
    }


def cld_events(period_start: date, period_end: date) -> Iterator[dict]:
    """One dict per CLD event in the period: carers' assessments decided in it (Event_Type
    "Assessment") and carers' support lines open at any time in it (Event_Type "Service").

    Only the carer side: the person, submission and request fields come from the caller (the
    assessments selector, the lead's CLD export)."""
    for _carer, row in _events(period_start, period_end):
        yield row


def _events(period_start: date, period_end: date) -> Iterator[tuple[Carer, dict]]:
    """The carers' CLD events with the carer each is about."""
    decided = CarersAssessment.objects.filter(
        decided_on__gte=period_start, decided_on__lte=period_end
    ).select_related("carer__person", "carer__carer_person")
    for assessment in decided.order_by("decided_on", "id"):
        yield (
            assessment.carer,
            {
                **_carer_fields(assessment.carer),
                "Event_Type": "Assessment",
                "Event_Reference": f"CA-{assessment.uuid}",
                "Event_Description": "Carer's assessment (Care Act s10)",
                "Event_Start_Date": assessment.started_on,
                "Event_End_Date": assessment.decided_on,
                "Event_Outcome": OUTCOME_ELIGIBLE if assessment.eligible else OUTCOME_NOT_ELIGIBLE,
                "Assessment_Type": ASSESSMENT_TYPE,
                "Eligible_Needs_Identified": "Yes" if assessment.eligible else "No",
            },
        )
    lines = (
        CarerSupportLine.objects.filter(plan__agreed_on__isnull=False, start__lte=period_end)
        .filter(Q(end__isnull=True) | Q(end__gte=period_start))
        .select_related("plan__assessment__carer__person", "plan__assessment__carer__carer_person")
    )
    for line in lines.order_by("start", "id"):
        ended = line.end is not None and line.end <= period_end
        yield (
            line.plan.assessment.carer,
            {
                **_carer_fields(line.plan.assessment.carer),
                "Event_Type": "Service",
                "Event_Reference": f"CS-{line.pk}",
                "Event_Description": line.description,
                "Event_Start_Date": line.start,
                "Event_End_Date": line.end if ended else None,
                "Event_Outcome": OUTCOME_ENDED if ended else OUTCOME_CONTINUES,
                "Service_Type": SERVICE_TYPES[line.kind],
            },
        )


def _cld_source(person_ids, period_start: date, period_end: date):
    """The carers' events as the assessments area's CLD selector reads them: reported under the
    carer's own record when they have one, else under the person they care for."""
    from caretrust.assessments.cld_events import CldEvent

    wanted = None if person_ids is None else set(person_ids)
    for carer, row in _events(period_start, period_end):
        person_id = carer.carer_person_id or carer.person_id
        if wanted is not None and person_id not in wanted:
            continue
        fields = {
            name: value.isoformat()
            if isinstance(value, date)
            else ""
            if value is None
            else str(value)
            for name, value in row.items()
        }
        if carer.carer_person_id:
            # The carer's own record: the selector applies the person key rules to it.
            del fields["LA_Person_Unique_Identifier"]
        yield CldEvent(
            person_id=person_id, fields=fields, about_indexed_person=bool(carer.carer_person_id)
        )


def register_cld_source() -> None:
    from caretrust.assessments import cld_events as assessments_cld

    assessments_cld.register("carers", _cld_source)

"""A care plan's council-arranged services as CLD "Service" events (registered into
`caretrust.assessments.cld_events`; ADR 87). Reablement is not here: a plan's reablement line
needs a reablement episode (entitlements), and the episode is the CLD event (Short term support:
ST-Max, `discharge.cld.reablement_services`), so it is reported once.

A service is reported in every period it is open in (only services may be open-ended,
records.md); it ends in the period its line ends. Only lines the council arranges are in the
return: NHS-funded (CHC, s117, NHS nursing care) and self-funded lines are not adult social care
support the council provides.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from django.db.models import Q

from caretrust.assessments import cld_events
from caretrust.assessments.cld_events import CldEvent

# kind → (Service_Type, Service_Component). Components are [unconfirmed]: records.md names the
# field but lists no values.
SERVICES = {
    "home_care": ("Long term support: Community", "Home Care"),
    "day_opportunities": ("Long term support: Community", "Day Care"),
    "equipment": ("Short term support: Ongoing low level", "Equipment"),
    "telecare": ("Short term support: Ongoing low level", "Telecare"),
}
COUNCIL_ARRANGED = ("council", "minor_adaptation")


def services(person_ids, start: date, end: date) -> Iterator[CldEvent]:
    from caretrust.careplans.models import PlannedService

    lines = (
        PlannedService.objects.filter(
            plan__agreed_at__isnull=False,
            kind__in=list(SERVICES),
            funding_stream__in=COUNCIL_ARRANGED,
            start__lte=end,
        )
        .filter(Q(end__isnull=True) | Q(end__gte=start))
        .select_related("plan")
        .order_by("pk")
    )
    if person_ids is not None:
        lines = lines.filter(plan__person_id__in=list(person_ids))
    for line in lines.iterator(chunk_size=2000):
        service_type, component = SERVICES[line.kind]
        ended = line.end is not None and line.end <= end
        fields = {
            "Event_Type": cld_events.SERVICE,
            "Event_Reference": f"PS-{line.plan.uuid}-{line.pk}",
            "Event_Description": (line.description or line.get_kind_display())[:300],
            "Event_Start_Date": line.start.isoformat(),
            "Event_End_Date": line.end.isoformat() if ended and line.end else "",
            "Event_Outcome": cld_events.NFA_ENDED_AS_PLANNED if ended else cld_events.CONTINUATION,
            "Service_Type": service_type,
            "Service_Component": component,
        }
        if line.weekly_cost is not None:
            fields.update(
                {
                    "Unit_Cost": f"{line.weekly_cost:.2f}",
                    "Cost_Frequency_Unit_Type": "Weekly",
                    "Planned_units_per_week": "1.00",
                }
            )
        yield CldEvent(line.plan.person_id, {k: v for k, v in fields.items() if v})


cld_events.register("services", services)

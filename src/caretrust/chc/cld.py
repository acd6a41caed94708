"""CHC as CLD events (registered into `caretrust.assessments.cld_events`).

An ICB decision of "eligible" means the NHS funds the person's care: for the council's return the
person's request for support ends with "NFA: Referral to NHS services or NHS funded social care"
(records.md, Release 2 Event_Outcome). It is reported as a Request event that starts on the day
the ICB received the checklist or Fast Track referral and ends on the decision day (requests are
reported in the period in which they conclude). Not-eligible, negative and withdrawn cases are
left to the council's own request and assessment events (ADR 85)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from caretrust import clock
from caretrust.assessments import cld_events
from caretrust.assessments.cld_events import CldEvent


def chc_decisions(person_ids, start: date, end: date) -> Iterator[CldEvent]:
    from caretrust.chc.models import ChcCase

    decided = ChcCase.objects.filter(
        decision=ChcCase.Decision.ELIGIBLE, decided_on__gte=start, decided_on__lte=end
    )
    if person_ids is not None:
        decided = decided.filter(person_id__in=list(person_ids))
    for case in decided.order_by("decided_on", "pk"):
        began = clock.local_date(case.received_at) if case.received_at else case.decided_on
        yield CldEvent(
            case.person_id,
            {
                "Event_Type": cld_events.REQUEST,
                "Event_Reference": f"CHC-{case.uuid}",
                "Event_Start_Date": began.isoformat(),
                "Event_End_Date": case.decided_on.isoformat(),
                "Event_Outcome": cld_events.NFA_REFERRAL_NHS,
                "Request_Route_of_Access": "Community / Other Route",
            },
        )


cld_events.register("chc", chc_decisions)

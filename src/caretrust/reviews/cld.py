"""Reviews as CLD events (registered into `caretrust.assessments.cld_events`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from caretrust.assessments import cld_events
from caretrust.assessments.cld_events import CldEvent

REASONS = {"first": "Planned", "planned": "Planned", "requested": "Unplanned"}
OUTCOMES_ACHIEVED = {
    "fully": "Fully Achieved",
    "partially": "Partially Achieved",
    "not_met": "Not Achieved",
}
METHODS = {"face_to_face": "Face to Face", "phone": "Telephone", "video": "Video", "paper": "Other"}
RESULTS = {
    "continue": cld_events.CONTINUATION,
    "reassess": cld_events.PROGRESS_TO_ASSESSMENT,
    "ended": cld_events.NFA_ENDED_AS_PLANNED,
}


def reviews(person_ids, start: date, end: date) -> Iterator[CldEvent]:
    """A review done in the period (cancelled reviews are excluded, as DHSC does). It starts and
    ends on the day it was done."""
    from caretrust.reviews.models import Review

    done = Review.objects.filter(status="done", done_on__gte=start, done_on__lte=end)
    if person_ids is not None:
        done = done.filter(person_id__in=list(person_ids))
    for review in done:
        yield CldEvent(
            review.person_id,
            {
                "Event_Type": cld_events.REVIEW,
                "Event_Reference": str(review.uuid),
                "Event_Start_Date": review.done_on.isoformat(),
                "Event_End_Date": review.done_on.isoformat(),
                "Event_Outcome": RESULTS[review.result],
                "Review_Reason": REASONS[review.reason],
                "Review_Outcomes_Achieved": OUTCOMES_ACHIEVED[review.outcomes_met],
                "Method_of_Review": METHODS[review.method],
            },
        )


cld_events.register("reviews", reviews)

"""Hospital discharges and reablement as CLD events (registered into
`caretrust.assessments.cld_events`; field names and codes from records.md, Release 2).

- Request (route of access "Discharge from Hospital"): a hospital discharge referral concludes
  when the person leaves hospital; its Event_Outcome follows what they left to (reablement:
  "Progress to reablement/ST-Max"). The request itself is reported by the requests source, once,
  ended by its first conclusion (`register_request_conclusion`).
- Service (Service_Type "Short term support: ST-Max", Service_Component "Reablement"): every
  reablement episode active in the period; open-ended while it lasts (only services may be), its
  Event_Outcome once the outcome is recorded (the STS002a sequel mapped below).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from caretrust.assessments import cld_events
from caretrust.assessments.cld_events import CldEvent

SERVICE_TYPE_ST_MAX = "Short term support: ST-Max"  # records.md spelling
SERVICE_COMPONENT_REABLEMENT = "Reablement"
PROGRESS_TO_REABLEMENT = "Progress to reablement/ST-Max"

# What leaving hospital on each pathway concludes the request with (Release 2 Event_Outcome).
REQUEST_OUTCOMES = {
    0: "NFA: No services offered for other reason",
    1: cld_events.PROGRESS_TO_SUPPORT,
    2: cld_events.NFA_REFERRAL_NHS,
    3: cld_events.PROGRESS_TO_SUPPORT,
}

# The SALT STS002a sequels (pathways.md §8) as CLD Release 2 Event_Outcome values (records.md).
# Where several sequels share one CLD value, the sequel stays in caretrust's record.
EPISODE_OUTCOMES = {
    "early_nhs": cld_events.NFA_REFERRAL_NHS,
    "early_hospital": "Admitted to hospital",
    "early_died": "NFA: Deceased",
    "early_not_lts": "NFA: Support ended for other reason",
    "early_lts": cld_events.PROGRESS_TO_SUPPORT,
    "long_term": cld_events.PROGRESS_TO_SUPPORT,
    "ongoing_low_level": cld_events.PROGRESS_TO_SUPPORT,
    "short_term_other": cld_events.PROGRESS_TO_SUPPORT,
    "no_services_self_funding": "NFA: Self-funded client or under 12wk disregard",
    "no_services_declined": "NFA: Support declined",
    "no_services_universal": cld_events.NFA_ADVICE,
    "no_services_no_needs": cld_events.NFA_ENDED_AS_PLANNED,
}


def _request_conclusions(referral_ids: list[int]) -> dict[int, tuple[date, str]]:
    from caretrust.discharge.models import Discharge

    found = {}
    for referral_id, left, pathway, reablement_id in Discharge.objects.filter(
        referral_id__in=referral_ids, status=Discharge.Status.DISCHARGED
    ).values_list("referral_id", "discharged_on", "pathway", "reablement_id"):
        outcome = PROGRESS_TO_REABLEMENT if reablement_id else REQUEST_OUTCOMES[pathway]
        found[referral_id] = (left, outcome)
    return found


def reablement_services(person_ids, start: date, end: date) -> Iterator[CldEvent]:
    """ST-Max episodes active at any time in [start, end]."""
    from django.db.models import Q

    from caretrust.entitlements.models import ReablementEpisode

    episodes = ReablementEpisode.objects.filter(start__lte=end).filter(
        Q(status=ReablementEpisode.Status.ACTIVE) | Q(end__gte=start)
    )
    if person_ids is not None:
        episodes = episodes.filter(person_id__in=list(person_ids))
    for episode in episodes.order_by("start", "pk"):
        ended = episode.status == ReablementEpisode.Status.ENDED
        fields = {
            "Event_Type": cld_events.SERVICE,
            "Event_Reference": f"reablement-{episode.pk}",
            "Event_Start_Date": episode.start.isoformat(),
            "Event_End_Date": episode.end.isoformat() if ended and episode.end else "",
            "Service_Type": SERVICE_TYPE_ST_MAX,
            "Service_Component": SERVICE_COMPONENT_REABLEMENT,
        }
        if ended and episode.end and episode.end <= end:
            fields["Event_Outcome"] = EPISODE_OUTCOMES[episode.outcome]
        else:
            fields["Event_End_Date"] = ""  # still open at the period's end
        yield CldEvent(episode.person_id, fields)


cld_events.register_request_conclusion(_request_conclusions)
cld_events.register("reablement", reablement_services)

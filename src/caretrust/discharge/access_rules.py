"""Who may see and move a discharge: the co-ordinators of the referral's locality (they run the
wait, as they run the referral), and anyone else with a legitimate relationship with the person.
Writes are never opened by break-glass; the indicators are figures, not anyone's record."""

from __future__ import annotations

from django.db.models import QuerySet

from caretrust.access import policy, relationships
from caretrust.access.policy import Decision, Role
from caretrust.ui import navigation

CARE = {Role.COORDINATOR, Role.PRACTITIONER}


def _discharge_rule(user, discharge) -> Decision:
    from caretrust.referrals.access_rules import coordinate_rule

    if user.role == Role.COORDINATOR and coordinate_rule(user, discharge.referral).allowed:
        return Decision(True, "The discharge is for your locality.", "object_rule")
    return relationships.person_record_rule(user, discharge.person)


policy.register(
    "discharge.view",
    "see a hospital discharge, its ready dates and reablement",
    CARE,
    object_rule=_discharge_rule,
    read_only=True,
)
policy.register(
    "discharge.manage",
    "record a discharge, change its ready date, start reablement and record its outcome",
    CARE,
    object_rule=_discharge_rule,
)
policy.register(
    "discharge.worklist", "see the people waiting for discharge by pathway", {Role.COORDINATOR}
)
policy.register(
    "discharge.indicators",
    "see discharge delay and reablement indicators (figures, no one's record)",
    {Role.COORDINATOR, Role.ANALYST},
    read_only=True,
)


def _waiting_count(user) -> QuerySet:
    from caretrust.discharge.selectors import waiting

    return waiting(user)


navigation.register(
    "Hospital discharges",
    "discharge:worklist",
    "discharge.worklist",
    order=4,
    count=_waiting_count,
)
navigation.register(
    "Discharge indicators", "discharge:indicators", "discharge.indicators", order=60
)


def _worklist_notes(referrals):
    """On the referrals worklist: a discharge referral's pathway and days since ready."""
    from django.urls import reverse

    from caretrust import clock
    from caretrust.discharge.models import Discharge
    from caretrust.referrals.hooks import WorklistNote

    ids = [r.pk for r in referrals if r.source == "hospital_discharge"]
    if not ids:
        return {}
    today = clock.today()
    notes = {}
    for d in Discharge.objects.filter(referral_id__in=ids):
        if d.status == Discharge.Status.AWAITING:
            days = (today - d.ready_date).days
            text = f"Pathway {d.pathway}: {_days_text(days)}"
        else:
            text = f"Pathway {d.pathway}: {d.get_status_display().lower()}"
        notes[d.referral_id] = WorklistNote(text, reverse("discharge:detail", args=[d.uuid]))
    return notes


def _days_text(days: int) -> str:
    if days < 0:
        return f"ready in {-days} day{'s' if days != -1 else ''}"
    if days == 0:
        return "ready today"
    return f"ready {days} day{'s' if days != 1 else ''} ago"


def _service_request_part(referral):
    from caretrust.discharge.fhir import service_request_part

    return service_request_part(referral)


def _export_prefetch(referrals):
    from caretrust.discharge.fhir import export_prefetch

    return export_prefetch(referrals)


def _hub(user, person):
    """The person page's Discharge section (ADR 104): their discharge referrals (ready date,
    pathway, status, days delayed) and reablement episodes, each read audited."""
    from caretrust.discharge import selectors
    from caretrust.record.hub import HubLink, HubSection

    if not policy.decide(user, "discharge.view").allowed:
        return None
    discharges, episodes = selectors.person_page_rows(user, person)
    if not discharges and not episodes:
        return None
    return HubSection(
        "Hospital discharge and reablement",
        [HubLink(row.text, row.href, row.hint) for row in [*discharges, *episodes]],
    )


from caretrust.record import hub  # noqa: E402  (registries are filled at import)
from caretrust.referrals import hooks  # noqa: E402  (registries are filled at import)

hooks.register_worklist_note(_worklist_notes)
hooks.register_service_request_part(_service_request_part)
hooks.register_export_prefetch(_export_prefetch)
hub.register("discharge", _hub, order=34)

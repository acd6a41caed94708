"""Reablement after a discharge (pathways.md §8): started from the discharge (DHSC's -7/+3 day
link, §2), six weeks free, ended with an STS002a outcome; and the CLD events these produce, with
the field names and codes of the CLD specification in records.md (contract test)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from caretrust.assessments.cld_events import UNCONFIRMED_VALUES, cld_events
from caretrust.discharge import cld, services
from caretrust.entitlements.models import ReablementEpisode
from caretrust.entitlements.states import REABLEMENT
from caretrust.statemachine import InvalidTransition
from tests.discharge.test_discharge import discharge_referral

RECORDS = Path("/work/shared/reference/records.md")


@pytest.fixture(autouse=True)
def fixed_today(settings):
    settings.CARETRUST_TODAY = "2026-12-20"


@pytest.fixture
def discharged(user_for):
    d = discharge_referral(user_for, ready=date(2026, 11, 2), pathway=1)
    return services.record_discharge(
        actor=user_for("coordinator"),
        discharge=d,
        discharged_on=date(2026, 11, 2),
        destination="usual_with_support",
    )


def test_reablement_from_a_discharge(user_for, discharged) -> None:
    coordinator = user_for("coordinator")
    with pytest.raises(ValidationError, match="7 days before to 3 days after"):
        services.start_reablement(actor=coordinator, discharge=discharged, start=date(2026, 11, 6))
    episode = services.start_reablement(
        actor=coordinator, discharge=discharged, start=date(2026, 11, 3), goal="Make my own meals"
    )
    # Six weeks free: 3 November to 14 December inclusive (SI 2014/2672 reg 3(2)(b)).
    assert (episode.planned_end, episode.end, episode.status) == (
        date(2026, 12, 14),
        date(2026, 12, 14),
        "active",
    )
    discharged.refresh_from_db()
    assert discharged.reablement == episode
    with pytest.raises(ValidationError, match="already has"):
        services.start_reablement(actor=coordinator, discharge=discharged, start=date(2026, 11, 3))
    with pytest.raises(ValidationError, match="Choose what happened"):
        services.record_reablement_outcome(
            actor=coordinator, discharge=discharged, outcome="better", ended_on=date(2026, 12, 10)
        )
    services.record_reablement_outcome(
        actor=coordinator,
        discharge=discharged,
        outcome="no_services_no_needs",
        ended_on=date(2026, 12, 10),
    )
    episode.refresh_from_db()
    assert (episode.status, episode.outcome, episode.end) == (
        "ended",
        "no_services_no_needs",
        date(2026, 12, 10),
    )
    with pytest.raises(InvalidTransition):
        services.record_reablement_outcome(
            actor=coordinator,
            discharge=discharged,
            outcome="long_term",
            ended_on=date(2026, 12, 10),
        )
    assert REABLEMENT.allowed("active") == {"ended"} and REABLEMENT.final("ended")


def test_reablement_needs_the_discharge_first(user_for) -> None:
    d = discharge_referral(user_for, ready=date(2026, 12, 1))
    with pytest.raises(ValidationError, match="Record the discharge"):
        services.start_reablement(
            actor=user_for("coordinator"), discharge=d, start=date(2026, 12, 1)
        )


def test_every_sts002a_sequel_has_a_cld_outcome() -> None:
    assert set(cld.EPISODE_OUTCOMES) == set(ReablementEpisode.Outcome.values)


def _spec() -> tuple[set[str], set[str], set[str]]:
    """Field names, Event_Outcome values and Service_Type values, read from records.md."""
    text = RECORDS.read_text()
    section = text[text.index("## Adult Social Care Client Level Data") : text.index("## FHIR R4")]
    fields = set(re.findall(r"`([A-Za-z_0-9]+)`", section))
    marker = "Event_Outcome (Release 2):"
    outcomes_text = section[section.index(marker) + len(marker) :]
    outcomes_text = outcomes_text[: outcomes_text.index("DHSC rules")]
    outcomes = {o.strip().rstrip(".") for o in " ".join(outcomes_text.split()).split(";")}
    types_text = section[
        section.index("Service_Type (Release 2):") : section.index("Event_Outcome (Release 2)")
    ]
    types_text = " ".join(types_text.split()).removeprefix("Service_Type (Release 2): ")
    service_types = set()
    for group in types_text.rstrip(".").split(";"):
        head, values = group.split(":", 1)
        service_types |= {f"{head.strip()}: {v.strip()}" for v in values.split("|")}
    return fields, outcomes, service_types


def test_cld_events_match_the_specification(user_for, discharged) -> None:
    """Contract: every field name is in records.md's CLD field list (or the submission/person
    fields it names), every Event_Outcome and Service_Type a Release 2 value, and the route of
    access one of the flagged values."""
    coordinator = user_for("coordinator")
    services.start_reablement(actor=coordinator, discharge=discharged, start=date(2026, 11, 3))
    events = [
        e.fields for e in cld_events([discharged.person_id], date(2026, 10, 1), date(2026, 12, 31))
    ]
    fields, outcomes, service_types = _spec()
    request = next(e for e in events if e["Event_Type"] == "Request")
    assert request["Request_Route_of_Access"] == "Discharge from Hospital"
    assert request["Event_Outcome"] == "Progress to reablement/ST-Max"
    assert request["Event_End_Date"] == "2026-11-02"
    service = next(e for e in events if e["Event_Type"] == "Service")
    assert (service["Service_Type"], service["Service_Component"]) == (
        "Short term support: ST-Max",
        "Reablement",
    )
    assert service["Event_End_Date"] == "" and "Event_Outcome" not in service  # still open
    services.record_reablement_outcome(
        actor=coordinator, discharge=discharged, outcome="early_died", ended_on=date(2026, 12, 1)
    )
    events = [
        e.fields for e in cld_events([discharged.person_id], date(2026, 10, 1), date(2026, 12, 31))
    ]
    service = next(e for e in events if e["Event_Type"] == "Service")
    assert (service["Event_End_Date"], service["Event_Outcome"]) == ("2026-12-01", "NFA: Deceased")
    for event in events:
        assert set(event) <= fields, set(event) - fields
        assert event["Event_Type"] in {"Request", "Assessment", "Service", "Review"}
        if "Event_Outcome" in event:
            assert event["Event_Outcome"] in outcomes
        if "Service_Type" in event:
            assert event["Service_Type"] in service_types
        if "Request_Route_of_Access" in event:
            assert event["Request_Route_of_Access"] in UNCONFIRMED_VALUES["Request_Route_of_Access"]
    for value in [
        *cld.EPISODE_OUTCOMES.values(),
        *cld.REQUEST_OUTCOMES.values(),
        cld.PROGRESS_TO_REABLEMENT,
    ]:
        assert value in outcomes, value
    # Next quarter: the ended episode is not reported again; the request was reported once.
    later = [
        e.fields for e in cld_events([discharged.person_id], date(2027, 1, 1), date(2027, 3, 31))
    ]
    assert later == []

"""Adult social care events in Client Level Data terms: requests, assessments, services, reviews.

Each life event that brings someone to the council (a discharge into reablement, a request from
the community, a care home admission) becomes the chain of CLD events that follows it. Long-term
services stay open until the person dies or moves to a care home; reviews fall yearly.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from caretrust.synthetic import codes, rates
from caretrust.synthetic.eventlog import NEVER, EventLog, coded
from caretrust.synthetic.people import DAYS_PER_YEAR, People

SOCIAL_SCHEMA = {
    "event_type": pa.string(),
    "start_date": pa.date32(),
    "end_date": pa.date32(),
    "client_type": pa.string(),
    "request_route_of_access": pa.string(),
    "assessment_type": pa.string(),
    "eligible_needs_identified": pa.bool_(),
    "service_type": pa.string(),
    "service_component": pa.string(),
    "delivery_mechanism": pa.string(),
    "unit_cost": pa.float64(),
    "cost_frequency_unit_type": pa.string(),
    "planned_units_per_week": pa.float64(),
    "event_outcome": pa.string(),
}

_REQUEST_OUTCOMES = tuple(rates.REQUEST_OUTCOMES)
_REABLEMENT_OUTCOMES = tuple(rates.REABLEMENT_OUTCOMES)


def unit_cost(component: str, start: np.ndarray) -> tuple[np.ndarray, str]:
    """Unit cost in pounds, uplifted each year from 2022-23 prices, and its frequency."""
    base, frequency = rates.UNIT_COSTS_2022[component]
    years_after = np.maximum(1970 + start / DAYS_PER_YEAR - 2022.25, -10)
    return np.round(base * (1 + rates.UNIT_COST_UPLIFT) ** np.floor(years_after), 2), frequency


class SocialCare:
    def __init__(self, people: People, horizon, rng: np.random.Generator, death: np.ndarray):
        self.p, self.h, self.rng = people, horizon, rng
        self._death = death  # shared with the simulation, filled in as people die
        self.log = EventLog(SOCIAL_SCHEMA)
        self.home_care_start = np.full(people.n, NEVER, dtype=np.int64)  # state at year end
        self._candidates: list[tuple[np.ndarray, np.ndarray]] = []
        self._care_homes: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def _days(self, low: int, high: int, n: int) -> np.ndarray:
        return self.rng.integers(low, high + 1, n)

    def _request(self, who, day, route: str, outcome) -> None:
        self.log.add(
            who,
            event_type="request",
            start_date=day,
            end_date=day,
            client_type="service_user",
            request_route_of_access=route,
            event_outcome=outcome,
        )

    def _assessment(self, who, start, end, eligible, client_type: str = "service_user") -> None:
        outcome = np.where(eligible, 1, 0)
        self.log.add(
            who,
            event_type="assessment",
            start_date=start,
            end_date=end,
            client_type=client_type,
            assessment_type="long_term",
            eligible_needs_identified=np.asarray(eligible, dtype=bool),
            event_outcome=coded(
                outcome,
                (
                    "nfa_information_and_advice_or_signposting",
                    "progress_to_support_planning_or_services",
                ),
            ),
        )

    # --- routes into care ---------------------------------------------------------------------

    def care_home_admission(self, who, day, nursing, via_hospital) -> None:
        """Request and assessment leading to a long-term residential or nursing service."""
        n = len(who)
        request = np.where(via_hospital, day - self._days(1, 7, n), day - self._days(20, 60, n))
        route = coded(np.where(via_hospital, 0, 1), ("discharge_from_hospital", "community"))
        self._request(who, request, route, "progress_to_assessment_review_or_reassessment")
        assessed = np.minimum(request + self._days(0, 14, n), day)
        self._assessment(who, assessed, day, np.ones(n, dtype=bool))
        self._care_homes.append((who, day, nursing))

    def care_home_stock(self, who, since, nursing) -> None:
        """People already living in a care home on the first day: their placement, no request."""
        self._care_homes.append((who, since, nursing))

    def home_care_after_diversion(self, who, day, via_hospital) -> None:
        """Integration: people who would have gone to a care home get home care instead."""
        n = len(who)
        request = day - self._days(1, 14, n)
        route = coded(np.where(via_hospital, 0, 1), ("discharge_from_hospital", "community"))
        self._request(who, request, route, "progress_to_assessment_review_or_reassessment")
        self._assessment(who, request, day, np.ones(n, dtype=bool))
        self._candidates.append((who, day))

    def reablement_after_discharge(self, who, day) -> None:
        self._request(who, day, "discharge_from_hospital", "progress_to_reablement_st_max")
        self._reablement(who, day)

    def _reablement(self, who, start) -> None:
        rng, n = self.rng, len(who)
        length = np.minimum(rng.geometric(1 / 21, n) + 6, rates.REABLEMENT_MAX_DAYS)
        end = start + length
        death = self._death[who]
        died = death <= end
        end = np.minimum(end, death)
        outcome = rng.choice(
            len(_REABLEMENT_OUTCOMES), n, p=list(rates.REABLEMENT_OUTCOMES.values())
        )
        labels = (*_REABLEMENT_OUTCOMES, "nfa_deceased")
        outcome = np.where(died, len(_REABLEMENT_OUTCOMES), outcome)
        open_ = end >= self.h.end
        cost, frequency = unit_cost("reablement", start)
        self.log.add(
            who,
            event_type="service",
            start_date=start,
            end_date=np.where(open_, NEVER, end),
            client_type="service_user",
            service_type="short_term_st_max",
            service_component="reablement",
            delivery_mechanism="council_managed",
            unit_cost=cost,
            cost_frequency_unit_type=frequency,
            planned_units_per_week=np.maximum(
                rng.poisson(rates.REABLEMENT_MEAN_HOURS, n), 3
            ).astype(float),
            event_outcome=coded(np.where(open_, -1, outcome), labels),
        )
        onward = (
            ~died
            & ~open_
            & (outcome == _REABLEMENT_OUTCOMES.index("progress_to_support_planning_or_services"))
        )
        self._candidates.append((who[onward], end[onward] + 1))

    def community_requests(
        self, t0, t1, alive, age, band, category, exposure, death, care_home_since
    ) -> None:
        from caretrust.synthetic.simulate import normalised

        rng, n = self.rng, self.p.n
        eligible = alive & (age >= 18) & (care_home_since > t0) & (self.home_care_start > t0)
        multiplier = normalised(rates.HOSPITALISATION_HR[category], band, eligible)
        rate = rates.COMMUNITY_REQUESTS_PER_1000[band] / 1000 * multiplier * exposure
        asks = eligible & (rng.random(n) < -np.expm1(-rate))
        who = np.flatnonzero(asks)
        span = np.minimum(death, t1)[who] - t0
        day = t0 + (rng.random(len(who)) * span).astype(np.int64)
        outcome = rng.choice(
            len(_REQUEST_OUTCOMES), len(who), p=list(rates.REQUEST_OUTCOMES.values())
        )
        self._request(who, day, "community", coded(outcome, _REQUEST_OUTCOMES))
        self._after_request(who, day, outcome, death)

    def _after_request(self, who, day, outcome, death) -> None:
        def chosen(name: str) -> np.ndarray:
            return outcome == _REQUEST_OUTCOMES.index(name)

        assess = chosen("progress_to_assessment_review_or_reassessment")
        start = day[assess] + self._days(1, 28, assess.sum())
        end = start + self._days(0, 14, assess.sum())
        ok = end < np.minimum(death[who[assess]], self.h.end)
        eligible = self.rng.random(ok.sum()) < rates.ELIGIBLE_NEEDS_SHARE
        self._assessment(who[assess][ok], start[ok], end[ok], eligible)
        self._candidates.append(
            (who[assess][ok][eligible], end[ok][eligible] + self._days(1, 14, eligible.sum()))
        )

        reable = chosen("progress_to_reablement_st_max")
        start = day[reable] + self._days(1, 7, reable.sum())
        ok = start < np.minimum(death[who[reable]], self.h.end)
        self._reablement(who[reable][ok], start[ok])

        plan = chosen("progress_to_support_planning_or_services")
        self._candidates.append((who[plan], day[plan] + self._days(7, 28, plan.sum())))

    def close_year(self, t1: int) -> None:
        """Carry forward who now has long-term home support (so they stop making requests)."""
        if self._candidates:
            who, day = (np.concatenate(x) for x in zip(*self._candidates, strict=True))
            np.minimum.at(self.home_care_start, who, day)

    # --- at the end: services, reviews and carers ---------------------------------------------

    def finish(self, death, care_home_since, has_carer, onset) -> None:
        community = self._community_services(death, care_home_since, onset)
        homes = self._care_home_services(death)
        for who, start, stop in (community, homes):
            self._reviews(who, start, stop)
        self._carers(community[0], community[1], death, has_carer)

    def _community_services(self, death, care_home_since, onset):
        rng, h = self.rng, self.h
        first = self.home_care_start.copy()
        if self._candidates:
            who, day = (np.concatenate(x) for x in zip(*self._candidates, strict=True))
            np.minimum.at(first, who, day)
        who = np.flatnonzero((first < care_home_since) & (first < death) & (first < h.end))
        start = first[who]
        stop = np.minimum(np.minimum(care_home_since[who], death[who]), h.end)
        open_ = stop >= h.end
        outcome = np.where(open_, -1, np.where(death[who] <= stop, 0, 1))
        direct = rng.random(len(who)) < rates.DIRECT_PAYMENT_SHARE
        care_cost, care_frequency = unit_cost("home_care", start)
        dp_cost, dp_frequency = unit_cost("direct_payment", start)
        hours = np.clip(rng.poisson(rates.HOME_CARE_MEAN_HOURS, len(who)), 2, 60).astype(float)
        self.log.add(
            who,
            event_type="service",
            start_date=start,
            end_date=np.where(open_, NEVER, stop),
            client_type="service_user",
            service_type="long_term_community",
            service_component=coded(direct.astype(int), ("home_care", "direct_payment")),
            delivery_mechanism=coded(
                direct.astype(int), ("council_managed", "cash_direct_payment")
            ),
            unit_cost=np.where(direct, dp_cost, care_cost),
            cost_frequency_unit_type=coded(direct.astype(int), (care_frequency, dp_frequency)),
            planned_units_per_week=np.where(direct, 1.0, hours),
            event_outcome=coded(outcome, ("nfa_deceased", "nfa_support_ended_for_other_reason")),
        )
        onset[who, codes.CONDITION_INDEX["home_help"]] = np.minimum(
            onset[who, codes.CONDITION_INDEX["home_help"]], start
        )
        return who, start, stop

    def _care_home_services(self, death):
        h = self.h
        if not self._care_homes:
            empty = np.array([], dtype=np.int64)
            return empty, empty, empty
        who, start, nursing = (np.concatenate(x) for x in zip(*self._care_homes, strict=True))
        stop = np.minimum(death[who], h.end)
        open_ = stop >= h.end
        kind = nursing.astype(int)
        res_cost, frequency = unit_cost("residential_care", start)
        nur_cost, _ = unit_cost("nursing_care", start)
        self.log.add(
            who,
            event_type="service",
            start_date=start,
            end_date=np.where(open_, NEVER, stop),
            client_type="service_user",
            service_type=coded(kind, ("long_term_residential", "long_term_nursing")),
            service_component=coded(kind, ("residential_care", "nursing_care")),
            delivery_mechanism="council_managed",
            unit_cost=np.where(nursing, nur_cost, res_cost),
            cost_frequency_unit_type=frequency,
            planned_units_per_week=1.0,
            event_outcome=coded(np.where(open_, -1, 0), ("nfa_deceased",)),
        )
        return who, start, stop

    def _reviews(self, who, start, stop) -> None:
        interval = rates.REVIEW_INTERVAL_DAYS
        count = np.maximum((stop - start - 1) // interval, 0)
        person = np.repeat(who, count)
        first = np.repeat(start, count)
        k = np.arange(len(person)) - np.repeat(np.cumsum(count) - count, count) + 1
        day = first + k * interval
        # a service that began before the record (initial stock) has only its reviews since then
        seen = day >= self.h.start
        person, day = person[seen], day[seen]
        self.log.add(
            person,
            event_type="review",
            start_date=day,
            end_date=day,
            client_type="service_user",
            event_outcome="continuation_of_support_or_services",
        )

    def _carers(self, who, start, death, has_carer) -> None:
        rng, h = self.rng, self.h
        partner = self.p.partner[who]
        chosen = (
            has_carer[who] & (partner >= 0) & (rng.random(len(who)) < rates.CARER_ASSESSMENT_SHARE)
        )
        carer, cared_start = partner[chosen], start[chosen]
        assessed = cared_start + self._days(0, 60, len(carer))
        ok = (assessed < np.minimum(death[carer], h.end)) & (assessed >= h.start)
        carer, assessed = carer[ok], assessed[ok]
        self._assessment(carer, assessed, assessed, np.ones(len(carer), dtype=bool), "carer")
        support = assessed + self._days(1, 14, len(carer))
        ok = support < np.minimum(death[carer], h.end)
        cost, frequency = unit_cost("carer_direct_payment", support[ok])
        self.log.add(
            carer[ok],
            event_type="service",
            start_date=support[ok],
            end_date=support[ok],
            client_type="carer",
            service_type="carer_support",
            service_component="direct_payment",
            delivery_mechanism="cash_direct_payment",
            unit_cost=cost,
            cost_frequency_unit_type=frequency,
            planned_units_per_week=1.0,
            event_outcome="nfa_support_ended_as_planned",
        )

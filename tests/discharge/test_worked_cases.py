"""Worked cases for discharge delay and the reablement indicators, each citing pathways.md.

pathways.md §2: "Discharge ready date (DRD): date the patient no longer meets the criteria to
reside ... metric = DRD to actual discharge [N]"; BCF 2025-26 "average discharge delay" = (1 −
share discharged on DRD) × mean days DRD→discharge of those delayed [unconfirmed]; checklist:
"delay = discharge − DRD, calendar days, Europe/London". §8: ASCOF 2A, old 2B(1), 2D.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from caretrust import clock
from caretrust.discharge import indicators
from caretrust.discharge.indicators import Discharged, ReabledDischarge


def test_delay_is_calendar_days_from_ready_to_discharge() -> None:
    # pathways.md §2 [N]: ready Tuesday 3 March 2026, left Friday 6 March: 3 days' delay.
    assert Discharged(1, date(2026, 3, 3), date(2026, 3, 6)).delay == 3
    # Left on the ready date: no delay (the same-day share counts it).
    assert Discharged(1, date(2026, 3, 3), date(2026, 3, 3)).delay == 0


def test_delay_across_the_change_to_gmt_counts_calendar_days() -> None:
    """pathways.md checklist: calendar days, Europe/London. Clocks go back at 01:00 UTC on
    Sunday 26 October 2025. Ready Saturday 25 October (BST), left Monday 27 October (GMT): 2 days,
    although midnight to midnight is 49 hours."""
    ready, left = date(2025, 10, 25), date(2025, 10, 27)
    start = datetime(2025, 10, 25, tzinfo=clock.LONDON)
    end = datetime(2025, 10, 27, tzinfo=clock.LONDON)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=49)
    assert Discharged(1, ready, left).delay == 2
    assert clock.calendar_days_between(start, end) == 2
    # 23:30 UTC on 25 October is 00:30 BST on the 26th in London: one day since ready already.
    assert clock.calendar_days_between(ready, datetime(2025, 10, 25, 23, 30, tzinfo=UTC)) == 1
    # 23:30 UTC on 26 October is 23:30 GMT on the 26th: still one day.
    assert clock.calendar_days_between(ready, datetime(2025, 10, 26, 23, 30, tzinfo=UTC)) == 1


def test_days_since_ready_on_the_worklist_across_the_clock_change(settings, user_for) -> None:
    from caretrust.discharge import selectors
    from tests.discharge.test_discharge import discharge_referral

    settings.CARETRUST_TODAY = "2025-10-25"
    d = discharge_referral(user_for, ready=date(2025, 10, 25))
    assert selectors.days_since_ready(d) == 0
    settings.CARETRUST_TODAY = "2025-10-27"
    assert selectors.days_since_ready(d) == 2


def test_same_day_share_and_average_delay() -> None:
    """Five discharges in November 2026 on pathway 1: two on the ready date, three delayed by
    1, 2 and 6 days. Share on DRD = 2/5 = 40%; mean delay of those delayed = 3 days; average
    discharge delay = (1 − 0.4) × 3 = 1.8 days = mean of (0, 0, 1, 2, 6)."""
    ready = date(2026, 11, 2)
    rows = [Discharged(1, ready, ready + timedelta(days=n)) for n in (0, 0, 1, 2, 6)]
    figures = indicators.delay_figures(rows)
    assert figures.share_on_ready_date == pytest.approx(40.0)
    assert figures.mean_delay_of_delayed == pytest.approx(3.0)
    assert figures.average_delay == pytest.approx((1 - 0.4) * 3.0) == pytest.approx(1.8)


def test_monthly_series_by_pathway_and_spc() -> None:
    """A year of months on pathway 1 (one discharge a month, on the ready date except in the
    12th month), the others elsewhere: the series is per pathway and charted with the SPC rules."""
    rows = []
    for month in range(1, 13):
        ready = date(2026, month, 10)
        rows.append(Discharged(1, ready, ready + timedelta(days=9 if month == 12 else 0)))
        rows.append(Discharged(3, ready, ready + timedelta(days=4)))
    share = indicators.monthly_series(rows, indicators.SAME_DAY, pathway=1)
    assert share.values == [100.0] * 11 + [0.0] and share.counts == [1] * 12
    delay = indicators.monthly_series(rows, indicators.AVERAGE_DELAY, pathway=3)
    assert delay.values == [4.0] * 12
    result = indicators.monthly_series(rows, indicators.AVERAGE_DELAY, pathway=1).spc()
    # ten flat months then a 9-day month: outside the process limits, a concern (lower is better)
    assert result is not None and result.variation_icon == "special_cause_concern"
    # a month without a discharge is a gap, not a zero
    gappy = indicators.monthly_series(
        [
            Discharged(0, date(2026, 1, 5), date(2026, 1, 5)),
            Discharged(0, date(2026, 3, 5), date(2026, 3, 6)),
        ],
        indicators.SAME_DAY,
    )
    assert gappy.values == [100.0, None, 0.0]


def test_ascof_2a_counts_episode_sequels() -> None:
    """pathways.md §8: 2A numerator ongoing low level, other short-term, no services
    (universal/signposted, other); denominator adds long-term support. Early cessations,
    self-funders and those who declined are out of both."""
    outcomes = [
        "no_services_no_needs",
        "ongoing_low_level",
        "no_services_universal",
        "long_term",
        "early_died",
        "no_services_declined",
    ]
    ratio = indicators.ascof_2a(outcomes)
    assert (ratio.numerator, ratio.denominator) == (3, 4) and ratio.percent == 75.0


def _case(left: date, **kw) -> ReabledDischarge:
    base = {"age": 80, "death_date": None, "later_admissions": (), "care_home_starts": ()}
    return ReabledDischarge(discharged_on=left, **{**base, **kw})


def test_old_2b1_still_at_home_on_day_91() -> None:
    """pathways.md §8 (STS004): 65+ discharged 1 Oct–31 Dec into reablement; at home 91 days
    later; hospital, care home or died = not numerator. Discharged 1 November 2025: day 91 is
    31 January 2026."""
    left = date(2025, 11, 1)
    cases = [
        _case(left),  # at home
        _case(left, death_date=date(2026, 1, 31)),  # died on day 91
        _case(left, later_admissions=(date(2026, 1, 20),)),  # back in hospital
        _case(left, care_home_starts=(date(2026, 2, 1),)),  # care home on day 92: still counts
        _case(left, age=64),  # under 65: out
        _case(date(2025, 9, 30)),  # September: out
    ]
    ratio = indicators.ascof_2b1(cases, 2025)
    assert (ratio.numerator, ratio.denominator) == (2, 4)


def test_2d_no_readmission_death_or_care_home_in_84_days() -> None:
    """pathways.md §8 (2D from 2024-25): numerator no emergency readmission, death or long-term
    residential/nursing start within 84 days. Discharged 1 June 2026: day 84 is 24 August."""
    left = date(2026, 6, 1)
    cases = [
        _case(left),
        _case(left, later_admissions=(date(2026, 8, 24),)),  # readmitted on day 84
        _case(left, later_admissions=(date(2026, 8, 25),)),  # day 85: counts as success
        _case(left, care_home_starts=(date(2026, 7, 1),)),
    ]
    ratio = indicators.ascof_2d(cases, date(2026, 4, 1), date(2026, 6, 30))
    assert (ratio.numerator, ratio.denominator) == (2, 4)


def test_reablement_indicators_from_the_records(settings, user_for) -> None:
    """Not synthetic data: two people discharged into reablement through the services; one is
    referred again by the hospital (readmitted) within 84 days."""
    from caretrust.discharge import selectors, services
    from tests.discharge.test_discharge import discharge_referral
    from tests.factories import make_person

    coordinator = user_for("coordinator")
    settings.CARETRUST_TODAY = "2026-11-03"
    people = [make_person(given_name=name, birth_date=date(1940, 1, 1)) for name in ("Ann", "Bob")]
    for person in people:
        d = discharge_referral(user_for, ready=date(2026, 11, 2), pathway=1, person=person)
        services.record_discharge(
            actor=coordinator,
            discharge=d,
            discharged_on=date(2026, 11, 2),
            destination="usual_with_support",
        )
        services.start_reablement(actor=coordinator, discharge=d, start=date(2026, 11, 3))
    settings.CARETRUST_TODAY = "2026-12-01"
    discharge_referral(user_for, ready=date(2026, 12, 1), pathway=2, person=people[1])
    cases = selectors.reabled_discharges()
    assert sorted(len(c.later_admissions) for c in cases) == [0, 1]
    ratio = indicators.ascof_2d(cases, date(2026, 11, 1), date(2026, 11, 30))
    assert (ratio.numerator, ratio.denominator) == (1, 2)
    assert indicators.ascof_2b1(cases, 2026).denominator == 2

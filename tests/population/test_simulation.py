"""The co-ordinator hub model: STARS validation (evaluation-and-planning.md §4 and §5B)."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from caretrust.population.simulation import (
    RESOLVED,
    ArrivalStream,
    HubConfig,
    Team,
    calibrate,
    erlang_c,
    example_hub,
    queue_config,
    simulate,
)


def small_hub(**changes) -> HubConfig:
    return dataclasses.replace(example_hub(run_length=24.0 * 14, warm_up=24.0 * 2), **changes)


def test_erlang_c_formula_gives_the_reference_values():
    assert erlang_c(0.9, 1.0, 1) == pytest.approx((0.9, 9.0, 8.1))
    p_wait, wq, _ = erlang_c(1.5, 1.0, 2)
    assert p_wait == pytest.approx(0.642857, abs=1e-6) and wq == pytest.approx(1.285714, abs=1e-6)


def test_no_arrivals_no_waits():
    silent = tuple(ArrivalStream(s.source, s.urgency, (0.0,)) for s in example_hub().streams)
    result = simulate(small_hub(streams=silent), replications=3, seed=1)
    table = result.replications
    assert (table.arrivals == 0).all()
    for column in ("triage_wait", "response", "wait:community_nursing", "queue:therapy", "L"):
        assert (table[column] == 0).all(), column


def test_unlimited_capacity_means_no_queue():
    teams = tuple(Team(t.name, t.service_mean, capacity=None) for t in example_hub().teams)
    result = simulate(small_hub(teams=teams, coordinators=None), replications=3, seed=2)
    table = result.replications
    assert (table.arrivals > 0).all()
    for column in ("triage_wait", "wait:community_nursing", "wait:therapy", "wait:social_work"):
        assert (table[column] == 0).all(), column
    assert (table["breach:urgent"] == 0).all()  # with no waiting, only long triage could breach


def test_littles_law_holds_within_two_percent():
    summary = simulate(small_hub(), replications=5, seed=3).summary()["mean"]
    assert summary["L"] == pytest.approx(summary["lambda"] * summary["sojourn"], rel=0.02)


def test_mean_arrivals_cover_the_integral_of_the_rate():
    config = small_hub()
    summary = simulate(config, replications=10, seed=4).summary()
    expected = sum(s.expected(config.warm_up, config.run_length) for s in config.streams)
    row = summary.loc["arrivals"]
    assert row.ci_low <= expected <= row.ci_high


def test_replications_are_reproducible_and_streams_are_common():
    one = simulate(small_hub(), replications=3, seed=5).replications
    again = simulate(small_hub(), replications=3, seed=5).replications
    pd.testing.assert_frame_equal(one, again)
    other = simulate(small_hub(), replications=3, seed=6).replications
    assert not one.arrivals.equals(other.arrivals)
    # common random numbers: more social workers change waits, never the referrals that arrive
    teams = tuple(
        dataclasses.replace(t, capacity=8) if t.name == "social_work" else t
        for t in example_hub().teams
    )
    more = simulate(small_hub(teams=teams), replications=3, seed=5).replications
    arrivals = [c for c in one.columns if c.startswith("arrivals")]
    pd.testing.assert_frame_equal(one[arrivals], more[arrivals])
    assert (more["wait:social_work"] <= one["wait:social_work"] + 1e-12).all()


def test_rostered_capacity_is_honoured():
    # one nurse on duty 08:00-20:00 only: nobody starts being seen at night
    team = Team("community_nursing", 0.5, roster=tuple(1 if 8 <= h < 20 else 0 for h in range(24)))
    config = HubConfig(
        streams=(ArrivalStream("gp", "urgent", (0.5,)),),
        teams=(team,),
        routing={"urgent": {"community_nursing": 1.0}},
        coordinators=None,
        triage_mean=0.0,
        standards={"urgent": 2.0},
        run_length=24.0 * 10,
        warm_up=24.0,
    )
    from caretrust.population.simulation import _Run

    run = _Run(config, seed=7, replication=0)
    run.run()
    starts = np.array([r["arrived"] + r["response"] for r in run.records])
    hours = np.floor(starts) % 24
    assert len(starts) > 20 and ((hours >= 8) & (hours < 20)).all()
    assert np.mean([r["breach"] for r in run.records]) > 0.3  # night referrals wait for the day


@pytest.mark.slow
@pytest.mark.slow
def test_mm1_reproduces_wq_and_lq_within_its_confidence_interval():
    summary = simulate(queue_config(0.9, 1.0, 1, 20_000, 2_000), replications=10, seed=1).summary()
    wait, queue = summary.loc["wait:server"], summary.loc["queue:server"]
    assert wait.ci_low <= 9.0 <= wait.ci_high
    assert queue.ci_low <= 8.1 <= queue.ci_high


@pytest.mark.slow
@pytest.mark.slow
def test_mm2_reproduces_erlang_c_within_its_confidence_interval():
    summary = simulate(queue_config(1.5, 1.0, 2, 20_000, 2_000), replications=10, seed=1).summary()
    p_wait, wait = summary.loc["p_wait:server"], summary.loc["wait:server"]
    assert p_wait.ci_low <= 0.642857 <= p_wait.ci_high
    assert wait.ci_low <= 1.285714 <= wait.ci_high


def test_calibration_from_a_hand_made_referrals_table():
    t = pd.Timestamp
    rows = [
        # two days observed (1-2 March); GP urgent at 09:xx on both days, at 14:xx on day one
        ("2026-03-01 09:10", "gp", "urgent", 10, 30, "community_nursing"),
        ("2026-03-02 09:40", "gp", "urgent", 20, 20, "community_nursing"),
        ("2026-03-01 14:00", "gp", "urgent", 30, 10, "therapy"),
        ("2026-03-02 23:30", "discharge", "reablement", 60, 60, "therapy"),
        ("2026-03-01 11:00", "self_family", "routine", 0, 30, None),
    ]
    frame = pd.DataFrame(
        [
            {
                "received_at": t(at),
                "source": source,
                "urgency": urgency,
                "triaged_at": t(at) + pd.Timedelta(minutes=wait),
                "routed_at": t(at) + pd.Timedelta(minutes=wait + work),
                "team": team,
            }
            for at, source, urgency, wait, work, team in rows
        ]
    )
    cal = calibrate(frame)
    assert cal.days == 2
    streams = {s.name: s for s in cal.streams}
    gp = streams["gp/urgent"].rates
    assert gp[9] == 1.0 and gp[14] == 0.5 and sum(gp) == 1.5  # per hour, over two days
    assert streams["discharge/reablement"].rates[23] == 0.5
    assert cal.triage_mean == pytest.approx((30 + 20 + 10 + 60 + 30) / 5 / 60)
    assert cal.observed_triage_wait == pytest.approx((10 + 20 + 30 + 60 + 0) / 5 / 60)
    assert cal.routing["urgent"] == pytest.approx({"community_nursing": 2 / 3, "therapy": 1 / 3})
    assert cal.routing["routine"] == {RESOLVED: 1.0}
    config = cal.config(
        (Team("community_nursing", 1.0, capacity=2), Team("therapy", 1.0, capacity=1)),
        standards={"urgent": 2.0},
    )
    result = simulate(config, replications=2, seed=1)
    assert (result.replications["arrivals"] > 0).all()

"""Discrete-event model (SimPy) of the co-ordinator hub and the locality teams behind it.

Referrals arrive as non-stationary Poisson streams by source (GP, discharge, 111/ambulance,
self/family) and urgency, each with an hourly rate profile that repeats (24 values: a day; 168: a
week). A co-ordinator triages each referral, then it is resolved by the co-ordinator or routed to a
locality team (nurse, OT, physio, social worker …) with rostered capacity. The response time is from
arrival to the start of the team's response (or the end of triage when the co-ordinator resolves
it), judged against the urgency's standard (e.g. 2-hour urgent community response, 2-day
reablement).

Validation follows STARS (Monks, Harper, Mustafee, J Simul 2024): every activity draws from its own
seeded stream, so scenarios compare with common random numbers; replication k uses seed set k;
extreme values (no arrivals → no waits; unlimited capacity → no queue), Little's law and analytic
M/M/1 and M/M/c (Erlang C) results are tests. With no triage and one team the same engine is a
generic M/M/c queue.

Times are in hours.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pandas as pd
import simpy

RESOLVED = "resolved_by_coordinator"
SOURCES = ("gp", "discharge", "111_ambulance", "self_family")


@dataclass(frozen=True)
class ArrivalStream:
    """Referrals of one source and urgency; ``rates[i]`` is arrivals per hour in hour ``i`` of a
    repeating profile (one value: stationary)."""

    source: str
    urgency: str
    rates: tuple[float, ...]

    @property
    def name(self) -> str:
        return f"{self.source}/{self.urgency}"

    def rate_at(self, t: float) -> float:
        return self.rates[int(t) % len(self.rates)]

    def expected(self, start: float, end: float) -> float:
        """∫ λ(t) dt over [start, end)."""
        total, t = 0.0, start
        while t < end:
            step = min(math.floor(t) + 1.0, end) - t
            total += self.rate_at(t) * step
            t += step
        return total


@dataclass(frozen=True)
class Team:
    """A team (or a generic server pool): ``capacity`` people (None: unlimited) or a ``roster``
    of people on duty in each hour of a repeating day/week; exponential service, mean hours."""

    name: str
    service_mean: float
    capacity: int | None = 1
    roster: tuple[int, ...] | None = None

    def on_duty(self, t: float) -> int:
        if self.roster is None:
            return self.capacity or 0
        return self.roster[int(t) % len(self.roster)]

    @property
    def peak(self) -> int:
        return max(self.roster) if self.roster is not None else (self.capacity or 0)


@dataclass(frozen=True)
class HubConfig:
    streams: tuple[ArrivalStream, ...]
    teams: tuple[Team, ...]
    routing: Mapping[str, Mapping[str, float]]  # urgency -> team name (or RESOLVED) -> share
    coordinators: int | None = 2  # None: unlimited
    triage_mean: float = 0.25  # hours; 0 skips triage (a plain queue)
    standards: Mapping[str, float] = field(default_factory=dict)  # urgency -> hours
    run_length: float = 24.0 * 28
    warm_up: float = 24.0 * 7

    def validate(self) -> HubConfig:
        names = {t.name for t in self.teams}
        for urgency, shares in self.routing.items():
            unknown = set(shares) - names - {RESOLVED}
            if unknown:
                raise ValueError(f"routing for {urgency} names unknown team {sorted(unknown)[0]}")
            if abs(sum(shares.values()) - 1) > 1e-6:
                raise ValueError(f"routing shares for {urgency} do not sum to 1")
        for stream in self.streams:
            if stream.urgency not in self.routing:
                raise ValueError(f"no routing for urgency {stream.urgency}")
        if self.run_length <= self.warm_up:
            raise ValueError("run length must exceed the warm-up")
        return self


class _Level:
    """Time-average of a piecewise-constant count (queue length, number in system)."""

    def __init__(self, env: simpy.Environment, start: float) -> None:
        self.env, self.start = env, start
        self.value, self.area, self.last = 0, 0.0, 0.0

    def change(self, delta: int) -> None:
        now = self.env.now
        if now > self.start:
            self.area += self.value * (now - max(self.last, self.start))
        self.last = now
        self.value += delta

    def mean(self, end: float) -> float:
        area = self.area + self.value * (end - max(self.last, self.start))
        return area / (end - self.start)


class _Run:
    """One replication: every activity draws from its own stream (common random numbers)."""

    def __init__(self, config: HubConfig, seed: int, replication: int) -> None:
        self.config = config
        self.env = simpy.Environment()
        names = [f"arrivals:{s.name}" for s in config.streams]
        names += ["triage", "routing"] + [f"service:{t.name}" for t in config.teams]
        children = np.random.SeedSequence([seed, replication]).spawn(len(names))
        self.rng = {n: np.random.default_rng(c) for n, c in zip(names, children, strict=True)}
        self.teams = {t.name: t for t in config.teams}
        self.resources: dict[str, simpy.PriorityResource | None] = {}
        for team in config.teams:
            self.resources[team.name] = (
                None
                if team.capacity is None and team.roster is None
                else simpy.PriorityResource(self.env, capacity=max(team.peak, 1))
            )
        self.coordinators = (
            None if config.coordinators is None else simpy.Resource(self.env, config.coordinators)
        )
        w = config.warm_up
        self.in_system = _Level(self.env, w)
        self.queues = {t.name: _Level(self.env, w) for t in config.teams}
        self.busy = {t.name: 0.0 for t in config.teams}
        self.triage_busy = 0.0
        self.records: list[dict] = []
        self.arrivals = {s.name: 0 for s in config.streams}

    def _busy(self, name: str | None, start: float, end: float) -> None:
        # only the part of a service after the warm-up counts towards utilisation
        span = max(0.0, min(end, self.config.run_length) - max(start, self.config.warm_up))
        if name is None:
            self.triage_busy += span
        else:
            self.busy[name] += span

    def arrivals_process(self, stream: ArrivalStream):
        rng = self.rng[f"arrivals:{stream.name}"]
        peak = max(stream.rates)
        if peak <= 0:
            return
        while True:
            # thinning (Lewis & Shedler): candidates at the peak rate, kept with λ(t)/peak
            yield self.env.timeout(rng.exponential(1.0 / peak))
            if rng.random() * peak <= stream.rate_at(self.env.now):
                if self.env.now >= self.config.warm_up:
                    self.arrivals[stream.name] += 1
                self.env.process(self.referral(stream))

    def referral(self, stream: ArrivalStream):
        config, env = self.config, self.env
        arrived = env.now
        self.in_system.change(+1)
        triage_wait = 0.0
        if config.triage_mean > 0:
            duration = self.rng["triage"].exponential(config.triage_mean)
            if self.coordinators is None:
                start = env.now
                yield env.timeout(duration)
            else:
                with self.coordinators.request() as request:
                    yield request
                    start = env.now
                    yield env.timeout(duration)
            triage_wait = start - arrived
            self._busy(None, start, env.now)
        shares = config.routing[stream.urgency]
        names = list(shares)
        team_name = names[int(self.rng["routing"].choice(len(names), p=[shares[n] for n in names]))]
        team_wait = 0.0
        if team_name == RESOLVED:
            response = env.now - arrived
        else:
            team = self.teams[team_name]
            duration = self.rng[f"service:{team_name}"].exponential(team.service_mean)
            resource = self.resources[team_name]
            queued = env.now
            if resource is None:
                start = env.now
                yield env.timeout(duration)
            else:
                self.queues[team_name].change(+1)
                with resource.request(priority=1) as request:
                    yield request
                    self.queues[team_name].change(-1)
                    start = env.now
                    yield env.timeout(duration)
            team_wait = start - queued
            response = start - arrived
            self._busy(team_name, start, env.now)
        self.in_system.change(-1)
        if arrived >= config.warm_up:
            standard = config.standards.get(stream.urgency)
            self.records.append(
                {
                    "stream": stream.name,
                    "urgency": stream.urgency,
                    "team": team_name,
                    "arrived": arrived,
                    "triage_wait": triage_wait,
                    "team_wait": team_wait,
                    "response": response,
                    "sojourn": env.now - arrived,
                    "breach": bool(standard is not None and response > standard),
                }
            )

    def roster_process(self, team: Team):
        """Takes people off duty by holding top-priority requests (they finish the job in hand)."""
        # Only teams with a resource get a roster process.
        resource = cast(simpy.PriorityResource, self.resources[team.name])
        off: list = []
        while True:
            wanted = resource.capacity - team.on_duty(self.env.now)
            while len(off) < wanted:
                off.append(resource.request(priority=0))
            while len(off) > wanted:
                request = off.pop()
                if request.triggered:
                    resource.release(request)
                else:
                    request.cancel()
            yield self.env.timeout(math.floor(self.env.now) + 1.0 - self.env.now)

    def run(self) -> dict[str, float]:
        config, env = self.config, self.env
        for stream in config.streams:
            env.process(self.arrivals_process(stream))
        for team in config.teams:
            if team.roster is not None:
                env.process(self.roster_process(team))
        env.run(until=config.run_length)
        return self.summary()

    def summary(self) -> dict[str, float]:
        config = self.config
        end, span = config.run_length, config.run_length - config.warm_up
        done = pd.DataFrame(self.records)
        arrivals = sum(self.arrivals.values())
        out: dict[str, float] = {"arrivals": float(arrivals)}
        for name, count in self.arrivals.items():
            out[f"arrivals:{name}"] = float(count)

        def mean(column: str, rows: pd.DataFrame | None = None) -> float:
            rows = done if rows is None else rows
            return float(rows[column].mean()) if len(rows) else 0.0

        out["triage_wait"] = mean("triage_wait")
        out["response"] = mean("response")
        out["sojourn"] = mean("sojourn")
        out["breach_share"] = mean("breach") if len(done) else 0.0
        # Little's law: L (time-average in system) against λ (arrival rate) × W (mean sojourn)
        out["L"] = self.in_system.mean(end)
        out["lambda"] = arrivals / span
        if config.triage_mean > 0 and config.coordinators:
            out["utilisation:coordinators"] = self.triage_busy / (config.coordinators * span)
        for team in config.teams:
            rows = done[done.team == team.name] if len(done) else done
            out[f"wait:{team.name}"] = mean("team_wait", rows)
            out[f"p_wait:{team.name}"] = (
                float((rows.team_wait > 1e-12).mean()) if len(rows) else 0.0
            )
            out[f"queue:{team.name}"] = self.queues[team.name].mean(end)
            if team.roster is not None:
                hours = sum(team.on_duty(h + 0.5) for h in range(int(config.warm_up), int(end)))
                out[f"utilisation:{team.name}"] = self.busy[team.name] / max(hours, 1e-9)
            elif team.capacity is not None:
                out[f"utilisation:{team.name}"] = self.busy[team.name] / (team.capacity * span)
        for urgency in sorted({s.urgency for s in config.streams}):
            rows = done[done.urgency == urgency] if len(done) else done
            out[f"breach:{urgency}"] = mean("breach", rows) if len(rows) else 0.0
            out[f"response:{urgency}"] = mean("response", rows)
        return out


@dataclass
class HubResult:
    replications: pd.DataFrame  # one row per replication, one column per measure

    def summary(self, confidence: float = 0.95) -> pd.DataFrame:
        """Mean and t-interval CI of each measure over replications."""
        from scipy import stats

        n = len(self.replications)
        mean = self.replications.mean()
        sd = self.replications.std(ddof=1) if n > 1 else mean * 0
        half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n) if n > 1 else sd
        return pd.DataFrame({"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": n})


def simulate(
    config: HubConfig,
    *,
    replications: int = 10,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> HubResult:
    """Run ``replications`` independent replications (replication k uses seed set (seed, k))."""
    config.validate()
    rows = []
    for k in range(replications):
        rows.append(_Run(config, seed, k).run())
        if progress is not None:
            progress(k + 1, replications)
    return HubResult(pd.DataFrame(rows).fillna(0.0))


def queue_config(
    arrival_rate: float, service_rate: float, servers: int, run_length: float, warm_up: float
) -> HubConfig:
    """A generic M/M/c queue on the same engine: one stream, no triage, one team."""
    return HubConfig(
        streams=(ArrivalStream("any", "any", (arrival_rate,)),),
        teams=(Team("server", 1.0 / service_rate, capacity=servers),),
        routing={"any": {"server": 1.0}},
        coordinators=None,
        triage_mean=0.0,
        run_length=run_length,
        warm_up=warm_up,
    )


def erlang_c(arrival_rate: float, service_rate: float, servers: int) -> tuple[float, float, float]:
    """Analytic M/M/c: (P(wait), Wq, Lq)."""
    a = arrival_rate / service_rate
    rho = a / servers
    if rho >= 1:
        raise ValueError("unstable queue: arrival rate ≥ capacity")
    top = a**servers / math.factorial(servers) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    wq = p_wait / (servers * service_rate - arrival_rate)
    return p_wait, wq, arrival_rate * wq


# -- calibration from the referrals table ---------------------------------------------------------


@dataclass(frozen=True)
class Calibration:
    """What a referrals table says about demand and the co-ordinators' work."""

    streams: tuple[ArrivalStream, ...]
    triage_mean: float  # hours from triage to routing (the co-ordinator's time per referral)
    observed_triage_wait: float  # hours from receipt to triage (to validate the model against)
    routing: dict[str, dict[str, float]]
    days: float

    def config(
        self,
        teams: tuple[Team, ...],
        *,
        coordinators: int | None = 2,
        standards: Mapping[str, float] | None = None,
        run_length: float = 24.0 * 28,
        warm_up: float = 24.0 * 7,
    ) -> HubConfig:
        return HubConfig(
            streams=self.streams,
            teams=teams,
            routing=self.routing,
            coordinators=coordinators,
            triage_mean=self.triage_mean,
            standards=dict(standards or {}),
            run_length=run_length,
            warm_up=warm_up,
        ).validate()


def calibrate(referrals: pd.DataFrame, *, profile_hours: int = 24) -> Calibration:
    """Arrival profiles, triage time and routing from a referrals table with columns received_at,
    source, urgency, triaged_at, routed_at, team (null team: resolved by the co-ordinator).

    The hourly rate of a stream in hour h of the profile (24: a day, 168: a week, counted from
    Monday 00:00) is its referrals received in that hour ÷ the number of such hours in the period
    observed, which runs from the first midnight to the midnight after the last referral.
    """
    if profile_hours not in (24, 168):
        raise ValueError("profile_hours must be 24 (a day) or 168 (a week)")
    frame = referrals.copy()
    for column in ("received_at", "triaged_at", "routed_at"):
        frame[column] = pd.to_datetime(frame[column])
    first = frame.received_at.min().normalize()
    last = frame.received_at.max().normalize() + pd.Timedelta(days=1)
    hours = pd.date_range(first, last, freq="h", inclusive="left")
    slot_of = (
        (lambda ts: ts.hour) if profile_hours == 24 else (lambda ts: ts.dayofweek * 24 + ts.hour)
    )
    exposure = np.bincount(np.asarray(slot_of(hours)), minlength=profile_hours).astype(float)
    frame["slot"] = slot_of(frame.received_at.dt)
    streams = []
    for (source, urgency), rows in frame.groupby(["source", "urgency"], sort=True):
        counts = np.bincount(rows.slot.to_numpy(), minlength=profile_hours)
        rates = np.divide(counts, exposure, out=np.zeros(profile_hours), where=exposure > 0)
        streams.append(ArrivalStream(str(source), str(urgency), tuple(float(r) for r in rates)))
    to_hours = pd.Timedelta(hours=1)
    triage = (frame.routed_at - frame.triaged_at) / to_hours
    waits = (frame.triaged_at - frame.received_at) / to_hours
    routing: dict[str, dict[str, float]] = {}
    team = frame.team.where(frame.team.notna(), RESOLVED)
    for urgency, rows in team.groupby(frame.urgency):
        shares = rows.value_counts(normalize=True).sort_index()
        routing[str(urgency)] = {str(k): float(v) for k, v in shares.items()}
    return Calibration(
        streams=tuple(streams),
        triage_mean=float(triage.mean()),
        observed_triage_wait=float(waits.mean()),
        routing=routing,
        days=(last - first) / pd.Timedelta(days=1),
    )


def example_hub(run_length: float = 24.0 * 28, warm_up: float = 24.0 * 7) -> HubConfig:
    """An illustrative Torbay-sized hub (rates and rosters are ASSUMPTIONS for the demo command):
    day-time GP and discharge referrals, 111/ambulance around the clock, 2-hour urgent response
    (NHS England: ≥ 70%, 8am–8pm) and 2-day reablement standards."""
    day = tuple(1.0 if 8 <= h < 18 else 0.1 for h in range(24))
    always = tuple(0.4 for _ in range(24))
    daytime_staff = tuple(4 if 8 <= h < 20 else 1 for h in range(24))
    return HubConfig(
        streams=(
            ArrivalStream("gp", "urgent", tuple(0.4 * r for r in day)),
            ArrivalStream("gp", "routine", tuple(1.2 * r for r in day)),
            ArrivalStream("discharge", "reablement", tuple(0.8 * r for r in day)),
            ArrivalStream("111_ambulance", "urgent", always),
            ArrivalStream("self_family", "routine", tuple(0.3 * r for r in day)),
        ),
        teams=(
            Team("community_nursing", 1.5, roster=daytime_staff),
            Team("therapy", 2.0, capacity=3),
            Team("social_work", 3.0, capacity=4),
        ),
        routing={
            "urgent": {"community_nursing": 0.8, "therapy": 0.2},
            "reablement": {"therapy": 0.6, "social_work": 0.4},
            "routine": {RESOLVED: 0.4, "community_nursing": 0.2, "social_work": 0.4},
        },
        coordinators=2,
        triage_mean=0.25,
        standards={"urgent": 2.0, "reablement": 48.0, "routine": 24.0 * 7},
        run_length=run_length,
        warm_up=warm_up,
    )

"""Parameters of a synthetic population, validated before anything is generated."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from caretrust.synthetic import rates

INTEGRATED_AREA = "torbay"
DONOR_STREAM = 17  # the seed stream that draws donor areas' levels and trends


class ConfigError(ValueError):
    """A parameter is out of range; the message is one line, fit to show a user."""


@dataclass(frozen=True)
class AreaSpec:
    """One place: its name, council code, size and age structure."""

    name: str
    la_code: str
    people: int
    share_65_plus: float
    localities: tuple[str, ...]
    practice_prefix: str  # ODS-style practice codes are prefix + 3 digits
    postcode_districts: tuple[str, ...]
    # Explicit practice codes (practice i serves locality i mod len(localities)); empty: generated
    # from `practice_prefix`, one practice per 8,000 people.
    practices: tuple[str, ...] = ()
    # The area's own emergency admission level (a multiplier on the national rates) and linear
    # trend (relative change per year from the start): donor areas differ, the others are 1 and 0.
    emergency_level: float = 1.0
    emergency_trend: float = 0.0

    def emergency_factor(self, years_since_start: float) -> float:
        # a linear trend cannot take the rate below a fifth of its level
        return self.emergency_level * max(0.2, 1.0 + self.emergency_trend * years_since_start)


@dataclass(frozen=True)
class IntegrationEffects:
    """The true effects planted in the integrated area from ``start``; written to truth.

    ``locality_starts`` staggers the start: ((locality, first day), ...) for localities that go
    live on their own date; localities not named start on ``start``.
    """

    start: dt.date | None = None  # default: the first of the month 40% of the way through
    emergency_admissions_frail_65_plus: float = -0.15  # relative change in the admission rate
    residential_to_home_care_shift: float = 0.20  # share of care home admissions diverted home
    length_of_stay: float = -0.15  # relative change in emergency length of stay, 65+
    locality_starts: tuple[tuple[str, dt.date], ...] = ()
    #: the admissions effect targets people frail by the eFI the record will show (its 35 coded
    #: deficits with "home help attends" from the day home care starts, plus polypharmacy from
    #: the prescriptions written), not by the simulation's own count of coded conditions, which
    #: leaves those two out. Off by default (the evaluation's checks were set on the default);
    #: on, the planted population is the one ``truth/effects.json`` names and the record shows.
    recorded_frailty: bool = False

    @classmethod
    def null(cls, start: dt.date | None = None) -> IntegrationEffects:
        """The null scenario: integration happens (it has a start) but changes nothing."""
        return cls(
            start=start,
            emergency_admissions_frail_65_plus=0.0,
            residential_to_home_care_shift=0.0,
            length_of_stay=0.0,
        )

    @property
    def is_null(self) -> bool:
        return (
            self.emergency_admissions_frail_65_plus == 0.0
            and self.residential_to_home_care_shift == 0.0
            and self.length_of_stay == 0.0
        )

    def as_dict(
        self, area: str, start: dt.date, locality_starts: dict[str, dt.date] | None = None
    ) -> dict:
        return {
            "area": area,
            "scenario": "null" if self.is_null else "planted",
            "start": start.isoformat(),
            "start_month": start.strftime("%Y-%m"),
            # each locality's window: the effects apply from its own start to the end of the run
            "locality_starts": {
                name: day.isoformat() for name, day in (locality_starts or {}).items()
            },
            "effects": [
                {
                    "name": "emergency_admissions",
                    "population": "frail (eFI > 0.12), aged 65+",
                    "frailty": "as recorded" if self.recorded_frailty else "simulation",
                    "kind": "relative_rate_change",
                    "size": self.emergency_admissions_frail_65_plus,
                },
                {
                    "name": "care_home_admissions_diverted_to_home_care",
                    "population": "aged 18+",
                    "kind": "share_diverted",
                    "size": self.residential_to_home_care_shift,
                },
                {
                    "name": "emergency_length_of_stay",
                    "population": "aged 65+",
                    "kind": "relative_change",
                    "size": self.length_of_stay,
                },
            ],
        }


@dataclass(frozen=True)
class TrendChange:
    """A change of trend the analyst is not told about (for back-testing projections).

    From ``from_year`` years after the start, emergency and care home admission rates in every
    area change by ``annual_change`` (relative) per year, compounding.
    """

    from_year: int = 5
    annual_change: float = 0.03

    def factor(self, years_since_start: float) -> float:
        return (1.0 + self.annual_change) ** max(0.0, years_since_start - self.from_year)

    def as_dict(self, start: dt.date) -> dict:
        return {
            "from_year": self.from_year,
            "from_date": start.replace(year=start.year + self.from_year).isoformat(),
            "annual_change": self.annual_change,
            "applies_to": ["emergency_admissions", "care_home_admissions"],
            "areas": "all",
        }


@dataclass(frozen=True)
class NoiseConfig:
    """How much the council (CLD) records disagree with the truth; shares of CLD people."""

    missing_nhs_number: float = 0.10
    wrong_nhs_number: float = 0.01
    name_typo: float = 0.03
    nickname: float = 0.05
    changed_surname: float = 0.03
    dob_day_month_swap: float = 0.02
    outdated_postcode: float = 0.05

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def donor_areas(count: int, people: int, seed: int) -> tuple[AreaSpec, ...]:
    """The donor pool: ``count`` comparison areas, each with its own level and linear trend.

    Levels and trends are drawn from their own stream of ``seed`` so adding donors never changes
    the draws of another area.
    """
    rng = np.random.default_rng([seed, DONOR_STREAM])
    level = np.exp(rng.normal(0.0, rates.DONOR_LEVEL_LOG_SD, count))
    trend = rng.normal(0.0, rates.DONOR_TREND_SD, count)
    share = rng.uniform(*rates.DONOR_SHARE_65_PLUS_RANGE, count)
    areas = []
    for k in range(1, count + 1):
        name = f"donor_{k:02d}"
        letters = ("BA", "GL", "SN", "SP", "YO", "LA", "CA", "NR")[(k - 1) % 8]
        areas.append(
            AreaSpec(
                name=name,
                la_code=f"E0680{k:04d}",
                people=people,
                share_65_plus=round(float(share[k - 1]), 3),
                localities=(f"{name}_north", f"{name}_south"),
                practice_prefix=f"D{k:02d}",
                postcode_districts=tuple(f"{letters}{d}" for d in range(1, 6)),
                emergency_level=round(float(level[k - 1]), 4),
                emergency_trend=round(float(trend[k - 1]), 4),
            )
        )
    return tuple(areas)


def default_areas(people: int, comparison_people: int | None, comparisons: int) -> tuple:
    torbay = AreaSpec(
        name=INTEGRATED_AREA,
        la_code="E06000027",
        people=people,
        share_65_plus=rates.TORBAY_SHARE_65_PLUS,
        localities=("torbay_north", "torbay_central", "torbay_south"),
        practice_prefix="L83",
        postcode_districts=("TQ1", "TQ2", "TQ3", "TQ4", "TQ5"),
    )
    others = []
    size = people if comparison_people is None else comparison_people
    for k in range(1, comparisons + 1):
        name = f"comparison_{k}"
        area_letters = ("EX", "PL", "TR", "DT", "BH", "TA")[(k - 1) % 6]
        others.append(
            AreaSpec(
                name=name,
                la_code=f"E06900{k:03d}",
                people=size,
                share_65_plus=rates.COMPARISON_SHARE_65_PLUS,
                localities=(f"{name}_north", f"{name}_south"),
                practice_prefix=f"Y9{k % 10}",
                postcode_districts=tuple(f"{area_letters}{d}" for d in range(1, 6)),
            )
        )
    return (torbay, *others)


@dataclass(frozen=True)
class SyntheticConfig:
    """Everything that decides the output: same config and seed, byte-identical files."""

    people: int = 140_000  # size of the integrated area
    comparison_people: int | None = None  # size of each comparison area (default: same)
    comparison_areas: int = 1
    integrated_area: str = INTEGRATED_AREA  # the area that gets the integration effects
    integrated_localities: tuple[
        str, ...
    ] = ()  # default: torbay_north, torbay_central, torbay_south
    integrated_practices: tuple[str, ...] = ()  # default: L83001… by size
    years: int = 10
    seed: int = 7
    start: dt.date = dt.date(2015, 4, 1)
    integration: IntegrationEffects = field(default_factory=IntegrationEffects)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    prescriptions: bool = True
    chunk_size: int = 100_000  # people simulated at once; part of the output's identity
    # Donor pool for synthetic control and area-panel designs: extra comparison areas with their
    # own levels and trends (0: none). `donor_people`: size of each (default: comparison size).
    donor_areas: int = 0
    donor_people: int | None = None
    # Variance of each person's persistent latent risk (gamma, mean 1); 0 turns it off.
    person_risk_variance: float = rates.PERSON_RISK_VARIANCE
    trend_change: TrendChange | None = None
    # People already in a care home or receiving long-term home care on the first day, at the
    # steady-state prevalence the generator's own admission and exit rates imply (simulate.py
    # `_initial_stock`), so care-home weeks and home care hours are flat from the first year
    # (the projection back-test needs that). Off by default for now: it changes every generated
    # place, and the evaluation's matched-DiD test estimate moves with it (docs/adr/0081).
    initial_stock: bool = False

    @property
    def end(self) -> dt.date:
        return self.start.replace(year=self.start.year + self.years)

    @property
    def integration_start(self) -> dt.date:
        if self.integration.start is not None:
            return self.integration.start
        day = self.start + dt.timedelta(days=int(self.years * 0.4 * 365.25))
        return day.replace(day=1) if day.replace(day=1) > self.start else day

    @property
    def areas(self) -> tuple[AreaSpec, ...]:
        areas = default_areas(self.people, self.comparison_people, self.comparison_areas)
        if self.donor_areas:
            size = self.donor_people or self.comparison_people or self.people
            areas = (*areas, *donor_areas(self.donor_areas, size, self.seed))
        if not (self.integrated_localities or self.integrated_practices):
            return areas
        # A deployment (or the demo) names the integrated area's localities and GP practices so
        # that synthetic people are registered with organisations it knows.
        integrated = dataclasses.replace(
            areas[0],
            localities=self.integrated_localities or areas[0].localities,
            practices=self.integrated_practices,
        )
        return (integrated, *areas[1:])

    def locality_starts(self) -> dict[str, dt.date]:
        """First day of integration for each locality of the integrated area."""
        area = next(a for a in self.areas if a.name == self.integrated_area)
        named = dict(self.integration.locality_starts)
        return {name: named.get(name, self.integration_start) for name in area.localities}

    def truth(self) -> dict:
        """What truth/effects.json records: planted effects, their windows, and the place."""
        effects = self.integration.as_dict(
            self.integrated_area, self.integration_start, self.locality_starts()
        )
        effects["person_risk_variance"] = self.person_risk_variance
        effects["trend_change"] = (
            self.trend_change.as_dict(self.start) if self.trend_change else None
        )
        effects["initial_stock"] = self.initial_stock
        effects["areas"] = {
            a.name: {
                "people": a.people,
                "la_code": a.la_code,
                "localities": list(a.localities),
                "share_65_plus": a.share_65_plus,
                "emergency_level": a.emergency_level,
                "emergency_trend_per_year": a.emergency_trend,
            }
            for a in self.areas
        }
        return effects

    @property
    def total_people(self) -> int:
        return sum(a.people for a in self.areas)

    def validate(self) -> SyntheticConfig:
        """Raise ConfigError naming the first bad parameter; return self when all are good."""
        if self.people < 1:
            raise ConfigError(f"people must be at least 1, got {self.people}")
        if self.comparison_people is not None and self.comparison_people < 1:
            raise ConfigError(f"comparison people must be at least 1, got {self.comparison_people}")
        if not 1 <= self.comparison_areas <= 9:
            raise ConfigError(f"comparison areas must be 1 to 9, got {self.comparison_areas}")
        if not 1 <= self.years <= 50:
            raise ConfigError(f"years must be 1 to 50, got {self.years}")
        if self.seed < 0:
            raise ConfigError(f"seed must be zero or more, got {self.seed}")
        if self.total_people > 9_999_999:
            raise ConfigError(f"at most 9,999,999 people in all, got {self.total_people:,}")
        if self.chunk_size < 1000:
            raise ConfigError(f"chunk size must be at least 1000, got {self.chunk_size}")
        names = [a.name for a in self.areas]
        if self.integrated_area not in names:
            raise ConfigError(
                f"unknown area {self.integrated_area!r}; choose one of {', '.join(names)}"
            )
        integrated = self.areas[0]
        if integrated.practices and len(integrated.practices) < len(integrated.localities):
            raise ConfigError(
                f"integrated practices must number at least the localities "
                f"({len(integrated.localities)}), got {len(integrated.practices)}"
            )
        start = self.integration_start
        if not self.start <= start < self.end:
            raise ConfigError(
                f"integration start {start} must lie between the start {self.start} "
                f"and the end {self.end}"
            )
        self._validate_effects()
        self._validate_evaluation_options()
        for name, share in self.noise.as_dict().items():
            if not 0.0 <= share <= 1.0:
                raise ConfigError(f"noise {name} must be between 0 and 1, got {share}")
        return self

    def _validate_evaluation_options(self) -> None:
        if not 0 <= self.donor_areas <= 99:
            raise ConfigError(f"donor areas must be 0 to 99, got {self.donor_areas}")
        if self.donor_people is not None and self.donor_people < 1:
            raise ConfigError(f"donor people must be at least 1, got {self.donor_people}")
        if not 0.0 <= self.person_risk_variance <= 5.0:
            raise ConfigError(
                f"person risk variance must be 0 to 5, got {self.person_risk_variance}"
            )
        if self.trend_change is not None:
            if not 0 <= self.trend_change.from_year < self.years:
                raise ConfigError(
                    f"trend change year must be 0 to {self.years - 1}, "
                    f"got {self.trend_change.from_year}"
                )
            if not -0.5 <= self.trend_change.annual_change <= 0.5:
                raise ConfigError("trend change must be between -0.5 and 0.5 a year")
        integrated = next(a for a in self.areas if a.name == self.integrated_area)
        for name, day in self.integration.locality_starts:
            if name not in integrated.localities:
                raise ConfigError(
                    f"unknown locality {name!r} of {integrated.name}; choose one of "
                    f"{', '.join(integrated.localities)}"
                )
            if not self.start <= day < self.end:
                raise ConfigError(
                    f"start of {name} {day} must lie between {self.start} and {self.end}"
                )

    def _validate_effects(self) -> None:
        effects = self.integration
        if not -1.0 <= effects.emergency_admissions_frail_65_plus <= 1.0:
            raise ConfigError("emergency admission effect must be between -1 and 1")
        if not 0.0 <= effects.residential_to_home_care_shift <= 1.0:
            raise ConfigError("residential to home care shift must be between 0 and 1")
        if not -0.9 <= effects.length_of_stay <= 1.0:
            raise ConfigError("length of stay effect must be between -0.9 and 1")

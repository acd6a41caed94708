"""Chunk by chunk: baseline people, simulated lives, contract tables and identity for sources."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from caretrust.synthetic import names
from caretrust.synthetic.config import AreaSpec, SyntheticConfig
from caretrust.synthetic.eventlog import NEVER
from caretrust.synthetic.identifiers import allocate_nhs_numbers, prefixed_ids
from caretrust.synthetic.people import make_people
from caretrust.synthetic.simulate import ChunkSimulation, Horizon
from caretrust.synthetic.tables import (
    SCHEMAS,
    conditions_table,
    dates,
    encounters_table,
    prescriptions_table,
    social_table,
)

EPOCH = dt.date(1970, 1, 1)
NOISE_STREAM, SIMULATION_STREAM, PRESCRIPTION_STREAM, RISK_STREAM = 1, 0, 2, 3
STOCK_STREAM = 4  # who is already in a care home or on home care on the first day


PERSON_RISK_SCHEMA = pa.schema(
    [
        ("person_id", pa.string()),
        ("year", pa.int32()),  # calendar year in which the simulated year starts
        ("year_start", pa.date32()),
        ("exposure_years", pa.float64()),
        ("expected_emergency_admissions", pa.float64()),
        ("latent_risk", pa.float64()),
        # P(at least one emergency admission starting in the year) from the generator's own
        # hazards at the year's start (age, frailty, latent risk, deaths, care-home moves)
        ("true_admission_risk", pa.float64()),
    ]
)


def day_number(day: dt.date) -> int:
    return (day - EPOCH).days


@dataclass
class Chunk:
    """Contract tables for one chunk of people, plus what the source systems need to know."""

    area: AreaSpec
    index: int  # chunk number, for seeding the noise of the source systems
    tables: dict[str, pa.Table]
    identity: pa.Table  # person_id, names, previous postcode, partner, ... (never in Parquet)
    person_risk: pa.Table | None = None  # truth: expected emergency admissions per person-year


def horizon_for(cfg: SyntheticConfig, area: AreaSpec) -> Horizon:
    start = cfg.start
    years = tuple(day_number(start.replace(year=start.year + k)) for k in range(cfg.years))
    effects = cfg.integration
    starts = cfg.locality_starts() if area.name == cfg.integrated_area else {}
    trend = cfg.trend_change
    return Horizon(
        start=day_number(start),
        end=day_number(cfg.end),
        switch=day_number(cfg.integration_start),
        year_starts=years,
        integrated=area.name == cfg.integrated_area,
        admissions_effect=effects.emergency_admissions_frail_65_plus,
        care_home_shift=effects.residential_to_home_care_shift,
        los_effect=effects.length_of_stay,
        effect_on_recorded_frailty=effects.recorded_frailty,
        locality_switch=tuple(day_number(starts[name]) for name in area.localities)
        if starts
        else (),
        emergency_level=area.emergency_level,
        emergency_trend=area.emergency_trend,
        trend_change_from=day_number(start.replace(year=start.year + trend.from_year))
        if trend
        else NEVER,
        trend_change=trend.annual_change if trend else 0.0,
        person_risk_variance=cfg.person_risk_variance,
        initial_stock=cfg.initial_stock,
    )


def chunk_plan(cfg: SyntheticConfig) -> list[tuple[int, AreaSpec, int, int]]:
    """(area number, area, first global person index, size) for every chunk, in order."""
    plan, offset = [], 0
    for number, area in enumerate(cfg.areas):
        for first in range(0, area.people, cfg.chunk_size):
            size = min(cfg.chunk_size, area.people - first)
            plan.append((number, area, offset + first, size))
        offset += area.people
    return plan


def iter_chunks(
    cfg: SyntheticConfig, on_chunk: Callable[[int], None] | None = None
) -> Iterator[Chunk]:
    """Generate the population chunk by chunk; memory stays bounded by the chunk size."""
    cfg.validate()
    nhs_numbers = allocate_nhs_numbers(cfg.total_people, cfg.seed)
    encounter_offset = event_offset = 0
    for index, (number, area, first, size) in enumerate(chunk_plan(cfg)):
        chunk = _simulate_chunk(
            cfg, number, area, index, first, size, nhs_numbers, encounter_offset, event_offset
        )
        encounter_offset += chunk.tables["encounters"].num_rows
        event_offset += chunk.tables["social_care_events"].num_rows
        if on_chunk:
            on_chunk(size)
        yield chunk


def _simulate_chunk(cfg, number, area, index, first, size, nhs_numbers, enc_offset, ev_offset):
    horizon = horizon_for(cfg, area)
    rng = np.random.default_rng([cfg.seed, number, index, SIMULATION_STREAM])
    people = make_people(area, size, horizon.start, rng)
    risk_rng = np.random.default_rng([cfg.seed, number, index, RISK_STREAM])
    stock_rng = np.random.default_rng([cfg.seed, number, index, STOCK_STREAM])
    sim = ChunkSimulation(people, horizon, rng, risk_rng, stock_rng).run()
    global_index = np.arange(first, first + size)
    person_ids = prefixed_ids("P", global_index + 1, 7)
    death = sim.death
    tables = {
        "people": _people_table(
            person_ids, nhs_numbers[global_index], people, area, sim, horizon.end
        ),
        "conditions": conditions_table(person_ids, sim.onset, death, horizon.end),
        "encounters": encounters_table(sim.encounters.table(), person_ids, enc_offset),
        "social_care_events": social_table(
            sim.social.log.table(), person_ids, area.la_code, ev_offset
        ),
    }
    if cfg.prescriptions:
        prescribing = np.random.default_rng([cfg.seed, number, index, PRESCRIPTION_STREAM])
        tables["prescriptions"] = prescriptions_table(
            person_ids, sim.onset, death, horizon.start, horizon.end, prescribing
        )
    identity = _identity(person_ids, people, global_index)
    return Chunk(area, index, tables, identity, _person_risk(person_ids, sim))


def _person_risk(person_ids: pa.Array, sim: ChunkSimulation) -> pa.Table:
    """Truth: each person's true expected emergency admissions in each simulated year alive."""
    parts = []
    for (t0, exposure, expected), true_risk in zip(sim.expected, sim.true_risk, strict=True):
        alive = np.flatnonzero(exposure > 0)
        year = (EPOCH + dt.timedelta(days=int(t0))).year
        parts.append(
            pa.table(
                {
                    "person_id": person_ids.take(pa.array(alive)),
                    "year": pa.array(np.full(len(alive), year, dtype=np.int32)),
                    "year_start": dates(np.full(len(alive), t0)),
                    "exposure_years": pa.array(exposure[alive]),
                    "expected_emergency_admissions": pa.array(expected[alive]),
                    "latent_risk": pa.array(sim.risk[alive]),
                    "true_admission_risk": pa.array(true_risk[alive]),
                },
                schema=PERSON_RISK_SCHEMA,
            )
        )
    return pa.concat_tables(parts) if parts else PERSON_RISK_SCHEMA.empty_table()


def _people_table(person_ids, nhs, people, area, sim, end) -> pa.Table:
    death = np.where(sim.death < end, sim.death, NEVER)
    return pa.table(
        {
            "person_id": person_ids,
            "nhs_number": pa.array(nhs.astype(str)),
            "sex": pa.array(np.where(people.sex == 0, "female", "male")),
            "birth_date": dates(people.birth),
            "death_date": dates(death),
            "area": pa.array(np.full(people.n, area.name)),
            "locality": pa.array(np.array(area.localities)[people.locality]),
            "gp_practice": pa.array(people.practice),
            "postcode": pa.array(people.postcode, pa.string()),
            "lives_alone": pa.array(people.lives_alone),
            "has_unpaid_carer": pa.array(sim.has_carer),
            "opted_out": pa.array(people.opted_out),
        },
        schema=SCHEMAS["people"],
    )


def _identity(person_ids: pa.Array, people, global_index: np.ndarray) -> pa.Table:
    female = np.array(names.FEMALE_GIVEN)[people.given]
    male = np.array(names.MALE_GIVEN)[people.given]
    partner = np.where(people.partner >= 0, global_index[0] + people.partner, -1)
    return pa.table(
        {
            "person_id": person_ids,
            "index": pa.array(global_index),
            "given_name": pa.array(np.where(people.sex == 0, female, male)),
            "family_name": pa.array(np.array(names.SURNAMES)[people.family]),
            "previous_postcode": pa.array(people.previous_postcode, pa.string()),
            "partner_index": pa.array(partner),
        }
    )

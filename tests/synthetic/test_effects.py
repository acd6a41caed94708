"""The integration effects planted in Torbay show in the raw data, against the comparison area."""

from __future__ import annotations

import datetime as dt

from caretrust.synthetic import IntegrationEffects, SyntheticConfig, generate

DID = """
with spells as (
  select p.area, e.start_date >= date '2019-04-01' as after, {measure} as value
  from encounters e join people p using (person_id)
  where e.kind = 'emergency_admission' and e.discharge_destination != 'died'
    and date_diff('day', p.birth_date, e.start_date) >= 65 * 365.25
)
select area, after, {aggregate} from spells group by all
"""


def _difference_in_differences(db, measure: str, aggregate: str) -> float:
    values = {(area, after): v for area, after, v in
              db.sql(DID.format(measure=measure, aggregate=aggregate)).fetchall()}  # fmt: skip
    torbay = values[("torbay", True)] / values[("torbay", False)]
    comparison = values[("comparison_1", True)] / values[("comparison_1", False)]
    return torbay / comparison


def test_emergency_admissions_fall_in_the_integrated_area(db):
    # admissions per year (4 years before, 6 after); only frail 65+ are affected, so the
    # all-65+ ratio is diluted from 0.85 towards 1
    ratio = _difference_in_differences(db, "1", "count(*)")
    assert 0.75 < ratio < 0.95, ratio


def test_emergency_stays_are_shorter_in_the_integrated_area(db):
    ratio = _difference_in_differences(
        db, "date_diff('day', e.start_date, e.end_date)", "avg(value)"
    )
    assert 0.75 < ratio < 0.95, ratio


def test_care_home_admissions_are_diverted_to_home_care():
    effects = IntegrationEffects(start=dt.date(2016, 4, 1), residential_to_home_care_shift=1.0)
    population = generate(SyntheticConfig(people=4_000, comparison_people=4_000, years=3,
                                          seed=5, integration=effects))  # fmt: skip
    people = population.tables["people"].to_pandas()[["person_id", "area"]]
    events = population.tables["social_care_events"].to_pandas().merge(people, on="person_id")
    care_home = events.service_type.isin(["long_term_residential", "long_term_nursing"])
    after = events.start_date >= dt.date(2016, 4, 1)
    assert (care_home & after & (events.area == "torbay")).sum() == 0
    assert (care_home & after & (events.area == "comparison_1")).sum() > 10
    # about six expected in the year before (1,080 people 65+ at 560 per 100,000); any will do
    assert (care_home & ~after & (events.area == "torbay")).sum() > 0


def test_true_effects_are_reported(population):
    effects = population.effects
    assert effects["area"] == "torbay"
    assert effects["start_month"] == "2019-04"
    sizes = {e["name"]: e["size"] for e in effects["effects"]}
    assert sizes["emergency_admissions"] == -0.15


def _target_admissions(tmp_path, recorded_frailty: bool) -> tuple[int, int]:
    """(admissions after the switch of people 66+ frail by the record's eFI on the year's first
    day that the planted effect could have reached, all admissions of those people) in a place
    where the effect avoids every admission it reaches."""
    import pandas as pd

    from caretrust.population import connect
    from caretrust.population.frailty import frailty_scores
    from caretrust.synthetic import write

    switch = dt.date(2017, 4, 1)
    effects = IntegrationEffects(
        start=switch,
        emergency_admissions_frail_65_plus=-1.0,
        residential_to_home_care_shift=0.0,
        length_of_stay=0.0,
        recorded_frailty=recorded_frailty,
    )
    config = SyntheticConfig(people=3_000, comparison_people=1_000, years=3, seed=11,
                             start=dt.date(2016, 4, 1), integration=effects, initial_stock=True)  # fmt: skip
    write(config, tmp_path, formats=("parquet",))
    ds = connect(tmp_path)
    frail = ds.execute(frailty_scores(ds, switch).select("person_id", "category"))
    frail = set(frail.person_id[frail.category != "fit"])
    people = ds.execute(ds.people.select("person_id", "area", "birth_date"))
    old = people[(people.area == "torbay") & (people.birth_date < pd.Timestamp(1951, 4, 1))]
    encounters = ds.execute(ds.table("encounters"))
    spells = encounters[
        (encounters.kind == "emergency_admission")
        & (encounters.start_date >= pd.Timestamp(switch))
        & (encounters.start_date < pd.Timestamp(2018, 4, 1))
        & encounters.person_id.isin(set(old.person_id) & frail)
    ]
    # stays ending in death or in a care home are drawn apart from the effect
    reachable = ~spells.discharge_destination.isin(["died", "residential_care", "nursing_care"])
    return int(reachable.sum()), len(spells)


def test_recorded_frailty_plants_the_admissions_effect_on_the_frail_the_record_shows(tmp_path):
    # the effect avoids every admission it reaches: with the record's frailty, no frail person
    # 66+ has an admission it could have reached; with the simulation's own count of conditions
    # (no polypharmacy, no home help), some frail by the record are missed
    reached, everyone = _target_admissions(tmp_path / "recorded", recorded_frailty=True)
    assert reached == 0 and everyone > 0
    missed, _ = _target_admissions(tmp_path / "simulation", recorded_frailty=False)
    assert missed > 0

"""Baseline data preparation for projections, by hand on DuckDB and Spark (the same tables)."""

import datetime as dt

import numpy as np
import pytest

from caretrust.population import connect
from caretrust.population.projection import observed_totals, prepare_baseline
from caretrust.population.projection.baseline import NURSING_VISITS_PER_DISCHARGE_HOME, SEXES
from caretrust.population.projection.scenario import FRAILTY, SETTING_INDEX
from tests.population.contract import World
from tests.population.projection_place import small_place

D = dt.date
YEAR = D(2023, 4, 1)
MILD = FRAILTY.index("mild")
FIT = FRAILTY.index("fit")
UNDER_65 = FRAILTY.index("under_65")
FEMALE, MALE = SEXES.index("female"), SEXES.index("male")


def service(w: World, pid: str, start, end, **fields) -> None:
    w.rows["social_care_events"].append(
        {
            "person_id": pid,
            "event_id": f"S{len(w.rows['social_care_events'])}",
            "la_code": "LA1",
            "event_type": "service",
            "start_date": start,
            "end_date": end,
            "client_type": "service_user",
            **fields,
        }
    )


def world() -> World:
    w = World()
    a = w.person("A", D(1950, 6, 1), area="north")  # 72: band 70-74, mild (5 deficits)
    for code in ("38341003", "49436004", "5370000", "84114007", "73211009", "161898004"):
        w.condition(a, code, D(2020, 1, 1))
    w.spell(a, D(2022, 1, 1), kind="gp")  # before the year before: transitions can be counted
    w.spell(a, D(2023, 3, 31), kind="gp")  # the day before the year: not counted
    w.spell(a, D(2023, 5, 1), kind="gp")
    w.spell(a, D(2024, 3, 31), kind="gp")  # the last day of the year
    w.spell(a, D(2023, 6, 1), D(2023, 6, 4), destination="home")  # 3 bed days, discharged home
    # open home care from 18 March 2024: 14 days of the year at 10 hours a week = 20 hours
    service(
        w,
        a,
        D(2024, 3, 18),
        None,
        service_type="long_term_community",
        service_component="home_care",
        cost_frequency_unit_type="hourly",
        planned_units_per_week=10.0,
    )
    b = w.person("B", D(1990, 1, 1), sex="male", area="south")  # 33: under 65
    w.spell(b, D(2023, 7, 1), kind="ae")
    w.spell(b, D(2023, 8, 1), D(2023, 8, 2), kind="elective_admission")
    service(
        w,
        b,
        D(2023, 9, 1),
        D(2023, 10, 12),
        service_type="short_term_st_max",
        service_component="reablement",
        cost_frequency_unit_type="hourly",
        planned_units_per_week=5.0,
    )
    c = w.person("C", D(1930, 1, 1), area="north")  # 93: placed before the year, still there
    service(w, c, D(2022, 10, 1), None, service_type="long_term_residential")
    d = w.person("D", D(1935, 1, 1), area="north")  # 88: a fortnight in a nursing home
    service(w, d, D(2024, 1, 1), D(2024, 1, 14), service_type="long_term_nursing")
    w.person("E", D(1940, 1, 1), sex="male", area="north", death=D(2023, 12, 1))  # 83, dies
    f = w.person("F", D(1950, 1, 1), opted_out=True)
    w.spell(f, D(2023, 5, 1), kind="gp")
    g = w.person("G", D(2023, 6, 1))  # born during the year: not in the baseline population
    w.spell(g, D(2023, 7, 1), kind="ae")
    return w


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def backend(request):
    """A function opening a contract directory on the parametrised engine."""
    if request.param == "spark":
        session = request.getfixturevalue("spark_session")
        return lambda path: connect(path, "spark", session=session)
    return lambda path: connect(path)


def test_baseline_by_hand(backend, tmp_path):
    base = prepare_baseline(backend(world().write(tmp_path)), YEAR)
    north, south = base.areas.index("north"), base.areas.index("south")
    act = base.activity
    s = SETTING_INDEX
    assert base.population.sum() == 5  # A, B, C, D, E (F opted out, G not yet born)
    assert base.population[north, FEMALE, 72, MILD] == 1
    assert act[north, FEMALE, 14, MILD, s["gp_contacts"]] == 2
    assert act[north, FEMALE, 14, MILD, s["emergency_admissions"]] == 1
    assert act[north, FEMALE, 14, MILD, s["emergency_bed_days"]] == 3
    assert act[north, FEMALE, 14, MILD, s["community_nursing_visits"]] == (
        NURSING_VISITS_PER_DISCHARGE_HOME
    )
    assert act[north, FEMALE, 14, MILD, s["home_care_hours"]] == pytest.approx(20.0)
    assert act[south, MALE, 6, UNDER_65, s["ae_attendances"]] == 1
    assert act[south, MALE, 6, UNDER_65, s["elective_admissions"]] == 1
    assert act[south, MALE, 6, UNDER_65, s["reablement_episodes"]] == 1
    assert act[..., s["emergency_bed_days"]].sum() == 3  # elective stays are not emergency bed days
    assert act[north, FEMALE, 18, FIT, s["residential_weeks"]] == pytest.approx(366 / 7)
    assert act[..., s["residential_placements"]].sum() == 0  # placed before the year
    assert act[north, FEMALE, 17, FIT, s["nursing_placements"]] == 1
    assert act[north, FEMALE, 17, FIT, s["nursing_weeks"]] == pytest.approx(2.0)
    assert act[..., s["ae_attendances"]].sum() == 1  # G's attendance is outside the baseline
    assert base.deaths.sum() == 1 and base.deaths[north, MALE, 16, FIT] == 1
    # frailty over the year before, people 65+: A stays mild, C, D and E stay fit
    assert base.transitions.sum() == 4 and base.transitions[14, MILD, MILD] == 1
    assert observed_totals(backend(tmp_path), YEAR)["gp_contacts"] == 2


def test_stays_that_end_in_death_and_the_ae_attendance_that_brought_an_admission(backend, tmp_path):
    w = world()
    h = w.person("H", D(1940, 1, 1), sex="male", area="south", death=D(2023, 12, 1))  # 83, fit
    w.spell(h, D(2023, 11, 20), kind="ae")
    w.spell(h, D(2023, 11, 20), D(2023, 12, 1), destination="died")  # 11 bed days, ends in death
    w.spell(h, D(2023, 9, 1), kind="ae")  # an attendance that admitted nobody
    w.spell("A", D(2023, 6, 1), kind="ae")  # brought A's admission (discharged home)
    base = prepare_baseline(backend(w.write(tmp_path)), YEAR)
    north, south = base.areas.index("north"), base.areas.index("south")
    s = SETTING_INDEX
    dying = base.ending_in_death
    assert dying[south, MALE, 16, FIT, s["emergency_admissions"]] == 1
    assert dying[south, MALE, 16, FIT, s["emergency_bed_days"]] == 11
    assert dying.sum() == 12  # A's stay ends at home; no other setting has any
    assert base.activity[south, MALE, 16, FIT, s["emergency_bed_days"]] == 11
    # only A's attendance brought an admission that did not end in death
    assert base.ae_with_admission[north, FEMALE, 14, MILD] == 1
    assert base.ae_with_admission.sum() == 1
    assert base.activity[..., s["ae_attendances"]].sum() == 4


@pytest.mark.spark
def test_generated_place_same_baseline_on_duckdb_and_spark(tmp_path_factory, spark_session):
    path = small_place(tmp_path_factory.mktemp("parity"))
    duck = prepare_baseline(connect(path))
    spark = prepare_baseline(connect(path, "spark", session=spark_session))
    assert duck.year_start == spark.year_start and duck.areas == spark.areas
    for name in (
        "population",
        "activity",
        "squares",
        "deaths",
        "transitions",
        "entry",
        "reablement_after_discharge",
        "ending_in_death",
        "ae_with_admission",
    ):
        assert np.allclose(getattr(duck, name), getattr(spark, name)), name

"""The same indicator and frailty expressions give identical results on DuckDB and Spark."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from caretrust.population import connect
from caretrust.population.frailty import codelist, frailty_scores
from caretrust.population.indicators import INDICATORS, Scope, compute_indicators
from tests.population.contract import World

D = dt.date
SCOPE = Scope(start=D(2022, 4, 1), end=D(2024, 3, 31), level="locality", grain="month")
AS_OF = D(2024, 3, 31)
pytestmark = pytest.mark.spark


def mixed_world(seed: int = 8) -> World:
    """300 people with a bit of everything, seeded so both engines read the same files."""
    rng = np.random.default_rng(seed)
    w = World()
    codes = codelist().code.tolist()
    start = D(2022, 4, 1)
    for i in range(300):
        birth = D(1925 + int(rng.integers(0, 85)), int(rng.integers(1, 13)), 1)
        area = ["north", "south"][i % 2]
        pid = w.person(
            f"P{i:04d}",
            birth,
            area=area,
            locality=f"{area}_{i % 3}",
            gp=f"G{i % 5}",
            opted_out=bool(rng.random() < 0.05),
            death=start + dt.timedelta(days=int(rng.integers(0, 800)))
            if rng.random() < 0.1
            else None,
        )
        for code in rng.choice(codes, size=int(rng.integers(0, 12)), replace=False):
            w.condition(pid, str(code), start - dt.timedelta(days=int(rng.integers(-600, 3000))))
        for _ in range(int(rng.integers(0, 8))):
            w.prescription(
                pid,
                f"02{rng.integers(1, 9):02d}",
                AS_OF - dt.timedelta(days=int(rng.integers(0, 200))),
            )
        for _ in range(int(rng.poisson(1.5))):
            admitted = start + dt.timedelta(days=int(rng.integers(0, 730)))
            dx, cause = rng.choice([("I500", None), ("S720", "W19"), ("J44", None), ("K35", None)])
            w.spell(
                pid,
                admitted,
                admitted + dt.timedelta(days=int(rng.integers(0, 20))),
                kind=str(rng.choice(["emergency_admission", "elective_admission"])),
                dx=dx,
                cause=cause,
                transfer=bool(rng.random() < 0.1),
                destination=str(rng.choice(["home", "home_with_reablement", "other"])),
                destination_code=str(rng.choice(["19", "54", "79"])),
            )
        if rng.random() < 0.3:
            asked = start + dt.timedelta(days=int(rng.integers(0, 700)))
            w.social_care(pid, "request", asked)
            w.social_care(pid, "assessment", asked + dt.timedelta(days=int(rng.integers(0, 40))))
            w.social_care(
                pid,
                "service",
                asked + dt.timedelta(days=int(rng.integers(40, 90))),
                service_type=str(
                    rng.choice(
                        ["long_term_community", "long_term_residential", "long_term_nursing"]
                    )
                ),
            )
    return w


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    return mixed_world().write(tmp_path_factory.mktemp("parity"))


def normalise(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys).reset_index(drop=True)


def test_indicators_match(data_dir, spark_session):
    duck = compute_indicators(connect(data_dir), SCOPE)
    spark = compute_indicators(connect(data_dir, "spark", session=spark_session), SCOPE)
    keys = ["indicator", "group", "period_start"]
    assert set(duck.indicator) == {ind.id for ind in INDICATORS}
    assert duck.numerator.sum() > 0
    pd.testing.assert_frame_equal(normalise(duck, keys), normalise(spark, keys))


def test_frailty_matches(data_dir, spark_session):
    duck = connect(data_dir)
    spark = connect(data_dir, "spark", session=spark_session)
    left = duck.execute(frailty_scores(duck, AS_OF))
    right = spark.execute(frailty_scores(spark, AS_OF))
    assert left.deficits.max() > 0
    pd.testing.assert_frame_equal(
        normalise(left, ["person_id"]), normalise(right, ["person_id"]), check_dtype=False
    )

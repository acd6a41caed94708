"""Evaluation data preparation gives the same tables on DuckDB and (marked spark) on Spark."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from caretrust.population import connect
from caretrust.population.evaluation import prepare
from caretrust.synthetic import IntegrationEffects, SyntheticConfig, write

INDEX = dt.date(2016, 4, 1)
END = dt.date(2018, 4, 1)


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    path = tmp_path_factory.mktemp("evaluation_prepare") / "place"
    config = SyntheticConfig(
        people=1_500, comparison_people=1_000, years=3, seed=9, prescriptions=False,
        integration=IntegrationEffects(start=dt.date(2017, 4, 1)),
    )  # fmt: skip
    write(config, path, formats=("parquet",))
    return path


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def dataset(request, place):
    if request.param == "spark":
        return connect(place, "spark", session=request.getfixturevalue("spark_session"))
    return connect(place)


def _tables(ds) -> dict[str, pd.DataFrame]:
    outcome = prepare.OUTCOMES["emergency_admissions"]
    cohort = prepare.cohort(ds, INDEX)
    windows = [("pre", INDEX, dt.date(2017, 4, 1)), ("post", dt.date(2017, 4, 1), END)]
    return {
        "cohort": prepare.to_frame(ds, cohort, ["person_id"]),
        "windows": prepare.to_frame(
            ds, prepare.person_windows(ds, cohort, windows, outcome), ["person_id", "window"]
        ),
        "months": prepare.to_frame(
            ds, prepare.area_months(ds, cohort, INDEX, END, outcome), ["area", "locality", "month"]
        ),
    }


def test_preparation_shapes(dataset):
    tables = _tables(dataset)
    cohort = tables["cohort"]
    assert (cohort.age >= 65).all() and (cohort.deficits >= 5).all()
    assert set(cohort.age_band) <= {"65-74", "75-84", "85+"}
    windows = tables["windows"]
    assert len(windows) == 2 * len(cohort)  # every member in both windows, dead or alive
    assert (windows.exposure >= 0).all() and (windows.exposure <= 1.0).all()
    months = tables["months"]
    assert months.month.nunique() == 24
    assert months.events.sum() == windows.events.sum()
    assert months.person_years.sum() == pytest.approx(windows.exposure.sum())


@pytest.mark.spark
def test_duckdb_and_spark_prepare_the_same_tables(place, spark_session):
    duck = _tables(connect(place))
    spark = _tables(connect(place, "spark", session=spark_session))
    for name in duck:
        left, right = duck[name], spark[name][duck[name].columns]
        for column in left.columns:
            if left[column].dtype.kind == "M" or right[column].dtype.kind == "M":
                left[column] = pd.to_datetime(left[column])
                right[column] = pd.to_datetime(right[column])
        pd.testing.assert_frame_equal(left, right, check_dtype=False, check_exact=False, obj=name)

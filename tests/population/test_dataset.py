import datetime as dt
import shutil

import pyarrow.parquet as pq
import pytest

from caretrust.population import MissingTableError, connect
from tests.population.contract import World

D = dt.date


def world_dir(tmp_path):
    w = World()
    kept = w.person("P1", D(1950, 1, 1))
    gone = w.person("P2", D(1950, 1, 1), opted_out=True)
    w.spell(kept, D(2023, 1, 1))
    w.spell(gone, D(2023, 1, 1))
    return w.write(tmp_path / "data")


def test_opted_out_people_and_their_events_are_left_out(tmp_path, backend):
    ds = connect(world_dir(tmp_path))
    assert ds.execute(ds.people.person_id).tolist() == ["P1"]
    assert ds.execute(ds.table("encounters").person_id).tolist() == ["P1"]
    assert ds.execute(ds.raw("encounters").count()) == 2  # raw keeps them: never for outputs


def test_a_table_may_be_a_directory_of_part_files(tmp_path, backend):
    data = world_dir(tmp_path)
    table = pq.read_table(data / "encounters.parquet")
    (data / "encounters").mkdir()
    pq.write_table(table.slice(0, 1), data / "encounters" / "part-0.parquet")
    pq.write_table(table.slice(1, 1), data / "encounters" / "part-1.parquet")
    (data / "encounters.parquet").unlink()
    ds = connect(data)
    assert ds.execute(ds.raw("encounters").count()) == 2


def test_missing_required_table_is_reported(tmp_path, backend):
    data = world_dir(tmp_path)
    (data / "conditions.parquet").unlink()
    with pytest.raises(MissingTableError, match="conditions"):
        connect(data)
    shutil.rmtree(data)


def test_unknown_backend_is_refused(tmp_path):
    with pytest.raises(ValueError, match="backend"):
        connect(world_dir(tmp_path), backend="sqlite")


@pytest.mark.spark
def test_spark_keeps_each_table_once_split_on_person(tmp_path, spark_session):
    """Local mode (ADR 0129): the table without opted-out people is held in memory in one part per
    shuffle partition, every person's rows in one part; the same expression on every call."""
    w = World()
    for i in range(20):
        person = w.person(f"P{i:02d}", D(1950, 1, 1), opted_out=i % 5 == 0)
        w.spell(person, D(2023, 1, 1))
        w.spell(person, D(2023, 6, 1))
    ds = connect(w.write(tmp_path / "data"), "spark", session=spark_session)
    encounters = ds.table("encounters")
    assert ds.table("encounters") is encounters
    view = encounters.get_name()
    assert spark_session.catalog.isCached(view)
    frame = spark_session.table(view)
    parts = frame.rdd.glom().map(lambda rows: sorted({r.person_id for r in rows})).collect()
    assert len(parts) == int(spark_session.conf.get("spark.sql.shuffle.partitions"))
    people = [p for part in parts for p in part]
    assert sorted(people) == [f"P{i:02d}" for i in range(20) if i % 5]
    assert len(people) == len(set(people))  # no person split across parts

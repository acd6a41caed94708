import pytest


@pytest.fixture(scope="session")
def spark_session():
    """One local SparkSession for the whole run: starting Spark costs seconds."""
    pytest.importorskip("pyspark")
    from caretrust.population.backends import make_spark_session

    session = make_spark_session("local[2]", "1g")
    yield session
    session.stop()

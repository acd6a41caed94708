import pytest


@pytest.fixture(scope="session")
def spark_session():
    """One local SparkSession for the whole run: starting Spark costs seconds."""
    pytest.importorskip("pyspark")
    from caretrust.population.backends import make_spark_session

    session = make_spark_session("local[2]", "1g")
    yield session
    session.stop()


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "spark_gap(reason): a known difference on Spark; the Spark run is a strict expected failure",
    )


@pytest.fixture(params=["duckdb", pytest.param("spark", marks=pytest.mark.spark)])
def backend(request, monkeypatch):
    """Run the test on each engine, as ehrQL's spec tests do: the test module's `connect` opens
    its data on this engine (the Spark session is shared by the whole run). A test marked
    `spark_gap` is a strict expected failure on Spark: when the gap is fixed it fails, and the
    mark must go."""
    import caretrust.population as population

    options = {}
    if request.param == "spark":
        options["session"] = request.getfixturevalue("spark_session")
        gap = request.node.get_closest_marker("spark_gap")
        if gap is not None:
            reason = gap.args[0] if gap.args else gap.kwargs.get("reason", "")
            request.applymarker(pytest.mark.xfail(strict=True, reason=f"Spark gap: {reason}"))

    def connect(data_dir, backend=request.param, **extra):
        return population.connect(
            data_dir, backend, **({**options, **extra} if backend == request.param else extra)
        )

    if hasattr(request.module, "connect"):
        monkeypatch.setattr(request.module, "connect", connect)
    return request.param

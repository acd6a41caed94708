"""caretrust.population: frailty, risk, indicators and SPC on Parquet extracts (no Django).

Expressions are written once with Ibis and run on DuckDB (default) or Spark::

    from caretrust.population import connect
    ds = connect("var/synthetic", backend="duckdb")
"""

from caretrust.population.backends import Backend, DuckDBBackend, SparkBackend
from caretrust.population.dataset import Dataset, MissingTableError, connect

__all__ = ["Backend", "Dataset", "DuckDBBackend", "MissingTableError", "SparkBackend", "connect"]

"""caretrust.synthetic: a synthetic Torbay-like population and its noisy source systems.

Plain Python (NumPy + Arrow); never imports Django. Public API:

- ``SyntheticConfig`` (with ``IntegrationEffects`` and ``NoiseConfig``): every parameter.
- ``generate(config) -> Population``: in memory, ``.tables`` are the Parquet contract tables
  (docs/data-contract.md), ``.fhir`` the NDJSON lines, ``.cld`` the council rows, ``.truth``.
- ``write(config, out, formats=("parquet", "fhir", "cld"))``: streams chunk by chunk to disk.
- ``EFI_DEFICIT_BY_SNOMED``: every SNOMED CT code written, mapped to its eFI deficit.

Sources of every rate are beside it in ``rates.py``; see README.md in this folder.
"""

from caretrust.synthetic.codes import EFI_DEFICIT_BY_SNOMED
from caretrust.synthetic.config import (
    ConfigError,
    IntegrationEffects,
    NoiseConfig,
    SyntheticConfig,
    TrendChange,
)
from caretrust.synthetic.output import FORMATS, WriteStats, write
from caretrust.synthetic.population import Population, generate

__all__ = [
    "EFI_DEFICIT_BY_SNOMED",
    "FORMATS",
    "ConfigError",
    "IntegrationEffects",
    "NoiseConfig",
    "Population",
    "SyntheticConfig",
    "TrendChange",
    "WriteStats",
    "generate",
    "write",
]

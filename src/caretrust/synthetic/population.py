"""The in-memory API: generate a (small) population and get Arrow tables back."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from caretrust.synthetic import fhir
from caretrust.synthetic.config import SyntheticConfig
from caretrust.synthetic.generator import Chunk, iter_chunks
from caretrust.synthetic.output import cld_for_chunk, fhir_truth


@dataclass
class Population:
    """Everything `caretrust generate` writes, as Arrow tables.

    `tables` holds the Parquet contract tables; `fhir` the NDJSON lines per resource type;
    `cld` the council CSV rows; `truth` maps every source record to its person.
    """

    config: SyntheticConfig
    tables: dict[str, pa.Table]
    fhir: dict[str, pa.Array]
    cld: pa.Table
    truth: pa.Table
    effects: dict
    person_risk: pa.Table  # truth: expected emergency admissions per person and year
    _chunks: list[Chunk]

    def bundle(self, person_id: str) -> dict:
        """A FHIR Bundle of one person's health record."""
        for chunk in self._chunks:
            people = chunk.tables["people"]["person_id"]
            if person_id in set(people.to_pylist()):
                return fhir.person_bundle(chunk.tables, chunk.identity, person_id, self.config.seed)
        raise KeyError(f"no person {person_id}")


def generate(config: SyntheticConfig | None = None) -> Population:
    """Generate a whole population in memory (keep it small; `write` streams big ones)."""
    config = (config or SyntheticConfig()).validate()
    chunks = list(iter_chunks(config))
    tables = {name: pa.concat_tables([c.tables[name] for c in chunks]) for name in chunks[0].tables}
    lines: dict[str, list[pa.Array]] = {}
    cld_parts, truth_parts = [], []
    for chunk in chunks:
        for resource_type, array in fhir.resources(
            chunk.tables, chunk.identity, config.seed, chunk.index
        ).items():
            lines.setdefault(resource_type, []).append(array)
        rows, cld_truth = cld_for_chunk(chunk, config)
        cld_parts.append(rows)
        truth_parts += [fhir_truth(chunk, config.seed), cld_truth]
    effects = config.truth()
    return Population(
        config=config,
        tables=tables,
        fhir={k: pa.chunked_array(v).combine_chunks() for k, v in lines.items()},
        cld=pa.concat_tables(cld_parts),
        truth=pa.concat_tables(truth_parts),
        effects=effects,
        person_risk=pa.concat_tables([c.person_risk for c in chunks]),
        _chunks=chunks,
    )

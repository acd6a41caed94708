"""Column-wise accumulation of events, batch by batch, with no per-row Python."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NEVER = np.iinfo(np.int32).max  # "no such day yet": onset, death or end beyond the horizon


class EventLog:
    """Append batches of columns (arrays or scalars broadcast to the batch); build one table.

    Columns missing from a batch are null there. Every column must be given a type.
    """

    def __init__(self, schema: dict[str, pa.DataType]):
        self.schema = schema
        self.batches: list[tuple[int, dict]] = []

    def add(self, person: np.ndarray, **columns) -> None:
        n = len(person)
        if n:
            unknown = set(columns) - set(self.schema)
            if unknown:
                raise KeyError(f"unknown event columns {sorted(unknown)}")
            self.batches.append((n, {"person": person, **columns}))

    def __len__(self) -> int:
        return sum(n for n, _ in self.batches)

    def table(self) -> pa.Table:
        schema = {"person": pa.int64(), **self.schema}
        arrays: dict[str, list] = {name: [] for name in schema}
        for n, batch in self.batches:
            for name, kind in schema.items():
                arrays[name].append(_column(batch.get(name), n, kind))
        columns = {
            name: pa.concat_arrays(parts) if parts else pa.array([], type=schema[name])
            for name, parts in arrays.items()
        }
        return pa.table(columns)


def _column(value, n: int, kind: pa.DataType) -> pa.Array:
    if value is None:
        return pa.nulls(n, type=kind)
    if isinstance(value, pa.Array):
        return value.cast(kind)
    if isinstance(value, np.ndarray):
        if pa.types.is_date32(kind):
            days = value.astype(np.int32)
            return pa.array(days, mask=days == NEVER).cast(pa.date32())
        return pa.array(value).cast(kind)
    # a scalar: repeat it through a one-entry dictionary, cheap for any n
    indices = pa.array(np.zeros(n, dtype=np.int32))
    return pa.DictionaryArray.from_arrays(indices, pa.array([value]).cast(kind)).cast(kind)


def coded(index: np.ndarray, vocabulary: Sequence[str] | np.ndarray) -> pa.Array:
    """Strings from indices into a vocabulary; negative index gives null."""
    index = np.asarray(index, dtype=np.int32)
    dictionary = pa.array(list(vocabulary), type=pa.string())
    array = pa.DictionaryArray.from_arrays(
        pa.array(np.maximum(index, 0), mask=index < 0), dictionary
    )
    return pc.cast(array, pa.string())

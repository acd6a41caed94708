"""Council records disagree with the truth the way real ones do (NoiseConfig sets how often).

Applied once per council client record, so all of a person's events carry the same errors.
Typos and nicknames touch a small subset, so the per-name Python there stays off the hot path.
"""

from __future__ import annotations

import numpy as np

from caretrust.synthetic import names
from caretrust.synthetic.config import NoiseConfig


def typo(name: str, rng: np.random.Generator) -> str:
    """One keying error: drop, double, swap two neighbours or change a letter."""
    i = int(rng.integers(0, max(len(name) - 1, 1)))
    kind = int(rng.integers(0, 4))
    if kind == 0 and len(name) > 2:
        return name[:i] + name[i + 1 :]
    if kind == 1:
        return name[: i + 1] + name[i] + name[i + 1 :]
    if kind == 2 and len(name) > 2:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    letter = "aeiourstnl"[int(rng.integers(0, 10))]
    changed = name[:i] + (letter if name[i] != letter else "y") + name[i + 1 :]
    return changed if i else changed.capitalize()


def apply_noise(
    records: dict[str, np.ndarray], noise: NoiseConfig, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Return noisy copies of nhs_number, given/family names, birth (datetime64[D]), postcode.

    `records` holds true values plus `previous_postcode`; returns the same keys plus boolean
    flags of which noise each record received (for the tests; never written).
    """
    n = len(records["nhs_number"])
    out = {key: value.copy() for key, value in records.items()}

    missing = rng.random(n) < noise.missing_nhs_number
    wrong = ~missing & (rng.random(n) < noise.wrong_nhs_number) & (n > 1)
    donor = (np.flatnonzero(wrong) + rng.integers(1, max(n, 2), wrong.sum())) % max(n, 1)
    out["nhs_number"][wrong] = records["nhs_number"][donor]  # valid, but someone else's
    out["nhs_number"][missing] = ""

    given = out["given_name"]
    has_nickname = np.isin(given, list(names.NICKNAMES))
    nickname = has_nickname & (rng.random(n) < noise.nickname)
    given[nickname] = [names.NICKNAMES[g] for g in given[nickname]]

    surname_changed = rng.random(n) < noise.changed_surname
    surnames = np.array(names.SURNAMES, dtype=object)
    pick = rng.integers(0, len(surnames), surname_changed.sum())
    same = surnames[pick] == out["family_name"][surname_changed]
    pick[same] = (pick[same] + 1) % len(surnames)
    out["family_name"][surname_changed] = surnames[pick]
    typo_mask = rng.random(n) < noise.name_typo
    out["family_name"][typo_mask] = [typo(x, rng) for x in out["family_name"][typo_mask]]

    birth = records["birth"]
    day = (birth - birth.astype("datetime64[M]")).astype(int) + 1
    month = birth.astype("datetime64[M]").astype(int) % 12 + 1
    swappable = (day <= 12) & (day != month)
    swapped = swappable & (rng.random(n) < noise.dob_day_month_swap)
    year_start = birth.astype("datetime64[Y]")
    out["birth"][swapped] = (
        year_start[swapped].astype("datetime64[M]") + (day[swapped] - 1)
    ).astype("datetime64[D]") + (month[swapped] - 1)

    outdated = rng.random(n) < noise.outdated_postcode
    out["postcode"][outdated] = records["previous_postcode"][outdated]

    out.update(
        missing_nhs=missing,
        wrong_nhs=wrong,
        nickname=nickname,
        nickname_eligible=has_nickname,
        changed_surname=surname_changed,
        typo=typo_mask,
        dob_swapped=swapped,
        dob_swappable=swappable,
        outdated_postcode=outdated,
    )
    return out

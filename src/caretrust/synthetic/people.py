"""Baseline people of one chunk: age, sex, household, practice, postcode and names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from caretrust.synthetic import names, rates
from caretrust.synthetic.config import AreaSpec
from caretrust.synthetic.identifiers import postcodes

DAYS_PER_YEAR = 365.25
PEOPLE_PER_PRACTICE = 8_000  # ASSUMPTION: about the average list size of an English practice


@dataclass
class People:
    """Column arrays for one chunk of people; index i is local to the chunk."""

    sex: np.ndarray  # 0 female, 1 male
    birth: np.ndarray  # days since 1970-01-01 (int32)
    locality: np.ndarray  # index into area.localities
    practice: np.ndarray  # practice codes (str)
    postcode: np.ndarray  # current postcode (str)
    previous_postcode: np.ndarray  # postcode of the previous address (str)
    lives_alone: np.ndarray
    partner: np.ndarray  # local index of the partner in the household, -1 if none
    given: np.ndarray  # index into the sex's given names
    family: np.ndarray  # index into SURNAMES
    opted_out: np.ndarray

    @property
    def n(self) -> int:
        return len(self.sex)


def age_band_shares(share_65_plus: float) -> np.ndarray:
    """England's five-year-band shape, reweighted so `share_65_plus` are 65 or older."""
    counts = rates.ENGLAND_POPULATION_THOUSANDS
    old = rates.FIVE_YEAR_BANDS >= 65
    shares = np.where(
        old,
        counts / counts[old].sum() * share_65_plus,
        counts / counts[~old].sum() * (1 - share_65_plus),
    )
    return shares / shares.sum()


def practice_codes(area: AreaSpec) -> np.ndarray:
    if area.practices:
        return np.array(area.practices)
    count = max(1, -(-area.people // PEOPLE_PER_PRACTICE))
    return np.array([f"{area.practice_prefix}{i + 1:03d}" for i in range(count)])


def broad_band(age_years: np.ndarray) -> np.ndarray:
    return np.searchsorted(rates.BROAD_BANDS, age_years, side="right") - 1


def make_people(area: AreaSpec, n: int, start_day: int, rng: np.random.Generator) -> People:
    band = rng.choice(len(rates.FIVE_YEAR_BANDS), size=n, p=age_band_shares(area.share_65_plus))
    within = rng.random(n) * 5
    last_band = band == len(rates.FIVE_YEAR_BANDS) - 1
    within[last_band] = np.minimum(rng.exponential(3.5, last_band.sum()), 14.9)  # 90-104
    age = rates.FIVE_YEAR_BANDS[band] + within
    sex = (rng.random(n) >= rates.FEMALE_SHARE[band]).astype(np.int8)
    birth = (start_day - np.floor(age * DAYS_PER_YEAR)).astype(np.int32)

    lives_alone = rng.random(n) < rates.LIVES_ALONE_SHARE[broad_band(age)]
    partner = _pair_households(age, lives_alone, rng)

    locality = rng.integers(0, len(area.localities), n)
    practices = practice_codes(area)
    practice = practices[_pick_within(locality, len(area.localities), len(practices), rng)]
    districts = np.array(area.postcode_districts)
    district = districts[_pick_within(locality, len(area.localities), len(districts), rng)]
    postcode = np.asarray(postcodes(district, rng).to_numpy(zero_copy_only=False), dtype=object)
    has_partner = partner >= 0
    # a couple shares an address and (usually) a surname
    postcode[has_partner] = postcode[partner[has_partner]]
    previous = np.asarray(postcodes(district, rng).to_numpy(zero_copy_only=False), dtype=object)

    given = rng.integers(0, len(names.FEMALE_GIVEN), n)
    family = rng.integers(0, len(names.SURNAMES), n)
    shares_surname = has_partner & (rng.random(n) < 0.8)
    family[shares_surname] = family[partner[shares_surname]]
    # re-copy so both partners agree whichever of the pair was drawn first
    family[shares_surname] = np.minimum(family, family[partner])[shares_surname]

    return People(
        sex=sex,
        birth=birth,
        locality=locality,
        practice=practice,
        postcode=postcode,
        previous_postcode=previous,
        lives_alone=lives_alone,
        partner=partner,
        given=given,
        family=family,
        opted_out=rng.random(n) < rates.OPT_OUT_SHARE,
    )


def _pick_within(group: np.ndarray, groups: int, items: int, rng: np.random.Generator):
    """Pick an item index among those assigned (round robin) to each person's group."""
    per_group = np.maximum(1, (items - group + groups - 1) // groups)  # items i with i%groups==g
    k = (rng.random(len(group)) * per_group).astype(np.int64)
    return np.minimum(group + k * groups, items - 1)


def _pair_households(age: np.ndarray, lives_alone: np.ndarray, rng: np.random.Generator):
    """Pair adults who do not live alone into couples of similar age (ASSUMPTION: 60% of them)."""
    n = len(age)
    partner = np.full(n, -1, dtype=np.int64)
    candidates = np.flatnonzero((age >= 18) & ~lives_alone & (rng.random(n) < 0.6))
    order = candidates[np.argsort(age[candidates] + rng.normal(0, 3, len(candidates)))]
    pairs = order[: len(order) // 2 * 2].reshape(-1, 2)
    partner[pairs[:, 0]] = pairs[:, 1]
    partner[pairs[:, 1]] = pairs[:, 0]
    return partner

"""Council (CLD) records carry the configured noise; the truth table finds the real person."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc

from caretrust.synthetic import names


def _clients(population):
    """One row per council client record, with the true person's values alongside."""
    cld = population.cld.to_pandas().drop_duplicates("LA_Person_Unique_Identifier")
    truth = population.truth.to_pandas()
    truth = truth[truth.source == "cld"].rename(columns={"source_record_id":
                                                         "LA_Person_Unique_Identifier"})  # fmt: skip
    people = population.tables["people"].to_pandas()
    identity = np.concatenate([c.identity["given_name"].to_numpy(zero_copy_only=False)
                               for c in population._chunks])  # fmt: skip
    people["given_name"] = identity
    return cld.merge(truth, on="LA_Person_Unique_Identifier").merge(people, on="person_id")


def test_default_noise_leaves_about_ten_percent_without_nhs_number(population):
    clients = _clients(population)
    missing = (clients.NHS_Number.fillna("") == "").mean()
    assert 0.07 < missing < 0.13, missing


def test_noise_rates_as_configured(noisy):
    clients = _clients(noisy)
    noise = noisy.config.noise
    nhs = clients.NHS_Number.fillna("")
    assert abs((nhs == "").mean() - noise.missing_nhs_number) < 0.04
    present = clients[nhs != ""]
    wrong = (present.NHS_Number != present.nhs_number).mean()
    assert abs(wrong - noise.wrong_nhs_number) < 0.04

    eligible = clients[clients.given_name.isin(list(names.NICKNAMES))]
    nicknamed = (eligible.First_Name != eligible.given_name).mean()
    assert abs(nicknamed - noise.nickname) < 0.06

    birth = clients.birth_date.astype(str)
    swappable = clients[(clients.birth_date.map(lambda d: d.day <= 12 and d.day != d.month))]
    swapped = (swappable.Date_of_Birth != swappable.birth_date.astype(str)).mean()
    assert abs(swapped - noise.dob_day_month_swap) < 0.06
    assert (
        clients.Date_of_Birth[~clients.index.isin(swappable.index)]
        == birth[~clients.index.isin(swappable.index)]
    ).all()

    moved = (clients.Postcode != clients.postcode).mean()
    assert abs(moved - noise.outdated_postcode) < 0.05


def test_surname_noise_changes_some_surnames(noisy):
    clients = _clients(noisy)
    identity = {c: [] for c in ("person_id", "family_name")}
    for chunk in noisy._chunks:
        for column in identity:
            identity[column] += chunk.identity[column].to_pylist()
    family = dict(zip(identity["person_id"], identity["family_name"], strict=True))
    differs = (clients.Last_Name != clients.person_id.map(family)).mean()
    expected = 1 - (1 - noisy.config.noise.changed_surname) * (1 - noisy.config.noise.name_typo)
    assert abs(differs - expected) < 0.06


def test_every_source_record_maps_to_a_true_person(population):
    truth = population.truth
    cld_ids = set(population.cld["LA_Person_Unique_Identifier"].to_pylist())
    mapped = truth.filter(pc.equal(truth["source"], "cld"))["source_record_id"].to_pylist()
    assert cld_ids == set(mapped)
    people = set(population.tables["people"]["person_id"].to_pylist())
    assert set(truth["person_id"].to_pylist()) <= people
    fhir = truth.filter(pc.equal(truth["source"], "fhir"))
    assert fhir.num_rows == len(people)
    assert len(set(truth["source_record_id"].to_pylist())) == truth.num_rows

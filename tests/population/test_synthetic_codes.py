"""The synthetic population and the eFI code list must agree, or frailty on synthetic data is wrong."""

from __future__ import annotations

from caretrust.population.frailty import codelist
from caretrust.synthetic import EFI_DEFICIT_BY_SNOMED


def test_every_synthetic_efi_code_is_in_the_code_list() -> None:
    listed = set(codelist().code.astype(str))
    assert set(map(str, EFI_DEFICIT_BY_SNOMED)) - listed == set()


def test_synthetic_codes_group_into_the_same_deficits_as_the_code_list() -> None:
    deficit_of = dict(zip(codelist().code.astype(str), codelist().deficit, strict=True))
    pairs = {(name, deficit_of[str(code)]) for code, name in EFI_DEFICIT_BY_SNOMED.items()}
    synthetic_names = {name for name, _ in pairs}
    listed_names = {deficit for _, deficit in pairs}
    # One-to-one: each synthetic deficit name maps to exactly one code-list deficit and back.
    assert len(pairs) == len(synthetic_names) == len(listed_names)

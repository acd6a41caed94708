"""The synthetic population and the eFI code list must agree, or frailty on synthetic data is wrong."""

from __future__ import annotations

from caretrust.population.frailty import codelist
from caretrust.synthetic import EFI_DEFICIT_BY_SNOMED


def test_every_synthetic_efi_code_is_in_the_code_list() -> None:
    listed = set(codelist().code.astype(str))
    assert set(map(str, EFI_DEFICIT_BY_SNOMED)) - listed == set()


def test_synthetic_codes_stand_for_their_deficit_in_the_published_list() -> None:
    frame = codelist()
    deficits_of: dict[str, set[str]] = {}
    for code, deficit in zip(frame.code.astype(str), frame.deficit, strict=True):
        deficits_of.setdefault(code, set()).add(deficit)

    def key(name: str) -> str:  # "memory and cognitive problems" ~ memory_cognitive_problems
        return "".join(sorted(w[:4] for w in name.replace("/", " ").split() if w != "and"))

    for code, name in EFI_DEFICIT_BY_SNOMED.items():
        listed = {key(d.replace("_", " ")) for d in deficits_of[str(code)]}
        assert key(name) in listed or len(listed) == 1, (code, name, deficits_of[str(code)])

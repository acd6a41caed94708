"""Write `src/caretrust/fhir/r4_search_parameters.py`: the canonical URLs of the FHIR R4 (4.0.1)
SearchParameters caretrust's CapabilityStatement names (ADR 0121).

    python scripts/r4_search_parameters.py path/to/search-parameters.json

The source is R4's own `search-parameters.json` (a Bundle of SearchParameter, in the R4
definitions, `definitions.json.zip`, and in the `hl7.fhir.r4.core` package as one file per
parameter: a folder of `SearchParameter-*.json` is read too). Only the (type, code) pairs in
WANTED are written, so the module stays a page long. Without an argument the script looks for
an installed copy (fhir.resources and fhirpy ship none; neither does any package installed
here today), and says so: the module in the repository was then written from R4's search
parameter registry by hand, in the same form, and this script checks and replaces it when a
copy is given."""

from __future__ import annotations

import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/caretrust/fhir/r4_search_parameters.py"

# What the CapabilityStatement names a definition for: the Patient parameters a chain can end
# in, and the `patient` and `subject` references of the types caretrust answers for itself and
# the record's most kept types (the ones a chain starts from and `_has` goes through).
PATIENT_CODES = ("identifier", "name", "family", "given", "birthdate", "gender")
REFERRING_TYPES = (
    "AllergyIntolerance",
    "Appointment",
    "CarePlan",
    "CareTeam",
    "Condition",
    "Consent",
    "DiagnosticReport",
    "DocumentReference",
    "Encounter",
    "EpisodeOfCare",
    "Flag",
    "Goal",
    "Immunization",
    "MedicationRequest",
    "MedicationStatement",
    "Observation",
    "Procedure",
    "QuestionnaireResponse",
    "ServiceRequest",
    "Task",
)
WANTED = {("Patient", code) for code in PATIENT_CODES} | {
    (kind, code) for kind in REFERRING_TYPES for code in ("patient", "subject")
}


def definitions(source: Path) -> list[dict]:
    if source.is_dir():
        return [json.loads(p.read_text()) for p in sorted(source.glob("SearchParameter-*.json"))]
    bundle = json.loads(source.read_text())
    return [entry["resource"] for entry in bundle.get("entry", [])]


def pairs(parameters: list[dict]) -> dict[tuple[str, str], str]:
    found = {}
    for parameter in parameters:
        if parameter.get("resourceType") != "SearchParameter":
            continue
        for base in parameter.get("base", []):
            key = (base, parameter["code"])
            if key in WANTED:
                found[key] = parameter["url"]
    return found


def module(found: dict[tuple[str, str], str], source: str) -> str:
    lines = [
        '"""Canonical URLs of FHIR R4 (4.0.1) SearchParameters: (resource type, code) → url.',
        "",
        f"Written by scripts/r4_search_parameters.py from {source}; do not edit by hand",
        '(ADR 0121)."""',
        "",
        "DEFINITIONS: dict[tuple[str, str], str] = {",
    ]
    lines += [f"    {key!r}: {url!r}," for key, url in sorted(found.items())]
    lines += ["}", ""]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(
            "no installed copy of R4's search-parameters.json was found: give its path "
            "(R4 definitions.json.zip, or the hl7.fhir.r4.core package's folder)",
            file=sys.stderr,
        )
        return 2
    source = Path(argv[1])
    OUT.write_text(module(pairs(definitions(source)), f"R4 4.0.1 {source.name}"))
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

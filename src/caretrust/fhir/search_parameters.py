"""Which R4 SearchParameter defines a search parameter caretrust offers (ADR 0121): the
CapabilityStatement's `searchParam.definition`, from the R4 definitions in
`r4_search_parameters` (written by scripts/r4_search_parameters.py)."""

from __future__ import annotations

from caretrust.fhir.r4_search_parameters import DEFINITIONS

R4 = "http://hl7.org/fhir/SearchParameter/"
# Every resource type has these (R4 search.html#all), defined once on Resource.
RESOURCE_PARAMETERS = {"_id": f"{R4}Resource-id", "_lastUpdated": f"{R4}Resource-lastUpdated"}


def definition(resource_type: str, name: str) -> str | None:
    """The canonical URL of the R4 SearchParameter `name` means on `resource_type`; None when
    the parameter is caretrust's own (a `patient` on a type R4 gives none) or not in the
    subset written."""
    return RESOURCE_PARAMETERS.get(name) or DEFINITIONS.get((resource_type, name))

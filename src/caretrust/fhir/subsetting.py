"""`_summary` and `_elements` (FHIR R4 search.html#summary, #elements; ADR 0119): a resource cut
down to what was asked for, keeping what R4 makes mandatory, and tagged SUBSETTED so no client
mistakes it for the whole resource (and writes it back)."""

from __future__ import annotations

from functools import cache

from caretrust.fhir.registry import Invalid

SUBSETTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
    "display": "subsetted",
}
SUMMARY_VALUES = ("true", "text", "data", "count", "false")
ALWAYS = ("resourceType", "id", "meta")


@cache
def _elements(resource_type: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(every top-level element, the summary elements, the mandatory ones) of a type, from the
    R4B models' element metadata; a choice element `value[x]` counts under each of its names."""
    from fhir.resources.R4B import get_fhir_model_class

    try:
        model = get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        return frozenset(), frozenset(), frozenset()
    every, summary, mandatory = set(), set(), set()
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if not extra.get("element_property"):
            continue
        key = info.alias or name
        every.add(key)
        if extra.get("summary_element_property"):
            summary.add(key)
        if info.is_required() or extra.get("element_required") or extra.get("one_of_many_required"):
            mandatory.add(key)
    return frozenset(every), frozenset(summary), frozenset(mandatory)


def element_names(values: list[str], resource_type: str) -> list[str]:
    """`_elements=a,b`: top-level element names; a name the type does not have is a 400."""
    every, _summary, _mandatory = _elements(resource_type)
    names = [n.strip() for value in values for n in value.split(",") if n.strip()]
    for name in names:
        base = name.split(".", 1)[0]
        if base != name or (every and base not in every and base not in ALWAYS):
            raise Invalid(
                f"_elements: {name!r} is not a top-level element of {resource_type}",
                expression="_elements",
            )
    return names


def subset(body: dict, resource_type: str, summary: str | None, elements: list[str]) -> dict:
    """The body as `_summary` (true, text, data) and `_elements` ask; unchanged otherwise."""
    if (summary in (None, "false")) and not elements:
        return body
    _every, in_summary, mandatory = _elements(resource_type)
    keep = set(ALWAYS) | set(mandatory)
    if elements:  # named elements win over a summary (R4 leaves the pair undefined)
        keep |= set(elements)
    elif summary == "true":
        keep |= in_summary
    elif summary == "text":
        keep |= {"text"}
    elif summary == "data":
        keep |= set(body) - {"text"}
    # A primitive's extension travels with it (`_birthDate` with `birthDate`).
    cut = {k: v for k, v in body.items() if k in keep or (k[:1] == "_" and k[1:] in keep)}
    meta = dict(cut.get("meta") or {})
    meta["tag"] = [*(meta.get("tag") or []), SUBSETTED]
    cut["meta"] = meta
    return cut

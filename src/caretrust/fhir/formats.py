"""FHIR's two wire formats, JSON and XML: which one a request asks for, and the conversions.

Resources are stored and handled as JSON; XML exists only at the edge. A request names the format
it wants with `_format` (which wins) or `Accept`; a body says its own with `Content-Type`. Anything
else is refused: 406 for a response nobody can read, 415 for a body we cannot (ADR 115).

The conversion goes through fhir.resources' R4B models, which know each element's place in the
XML schema's order (XML, unlike JSON, is ordered) and write primitives' extensions, contained
resources and the narrative's XHTML as the specification lays them out; R4B is the model the
importer already validates every resource against (`ingest.checks`), so a stored resource converts.
"""

from __future__ import annotations

import json

from caretrust.fhir.registry import FhirError, Invalid

JSON, XML = "json", "xml"
_FHIR_NS = "http://hl7.org/fhir"
CONTENT_TYPES = {
    JSON: "application/fhir+json; charset=utf-8",
    XML: "application/fhir+xml; charset=utf-8",
}
# The MIME types and `_format` shorthands each format answers to (the specification's list).
_NAMES = {
    JSON: {"json", "application/json", "application/fhir+json", "application/json+fhir"},
    XML: {"xml", "text/xml", "application/xml", "application/fhir+xml", "application/xml+fhir"},
}
# Media ranges in `Accept` that any format satisfies; JSON is then our choice.
_ANY = {"*/*", "application/*"}


class NotAcceptable(FhirError):
    status, code = 406, "not-supported"


class UnsupportedMedia(FhirError):
    status, code = 415, "not-supported"


def _named(value: str) -> str | None:
    # A `+` in a query string arrives as a space ("application/fhir json") unless encoded.
    name = value.split(";")[0].strip().lower().replace(" ", "+")
    for fmt, names in _NAMES.items():
        if name in names:
            return fmt
    return JSON if name in _ANY else None


def negotiate(format_param: str | None, accept: str | None) -> str:
    """JSON or XML, from `_format` if given, else from `Accept` (highest quality first, JSON
    on a tie or a wildcard, JSON when there is no Accept). NotAcceptable when neither names a
    format we write."""
    if format_param:
        fmt = _named(format_param)
        if fmt is None:
            raise NotAcceptable(
                f"_format={format_param[:80]!r}: this server writes json or xml",
                expression="_format",
            )
        return fmt
    if not accept or not accept.strip():
        return JSON
    offers: list[tuple[float, int, str]] = []
    for order, part in enumerate(accept.split(",")):
        media, *options = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for option in options:
            key, _, value = option.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        fmt = _named(media)
        if fmt is not None and quality > 0:
            offers.append((-quality, order, fmt))
    if not offers:
        raise NotAcceptable(
            f"Accept: {accept[:120]!r}: this server writes application/fhir+json or "
            "application/fhir+xml"
        )
    return min(offers)[2]


def body_format(content_type: str) -> str:
    """The format of a request body from its Content-Type; UnsupportedMedia for anything else."""
    fmt = _named(content_type) if content_type else None
    if fmt is None or content_type.split(";")[0].strip() in _ANY:
        raise UnsupportedMedia(
            f"send application/fhir+json or application/fhir+xml, not {content_type or 'nothing'}"
        )
    return fmt


def _model(resource_type: str):
    from fhir.resources.R4B import get_fhir_model_class

    try:
        return get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        return None


def to_xml(resource: dict) -> bytes:
    """The resource as FHIR XML, each primitive written as the JSON had it (the model would
    rewrite "2014-09-03T01:12:15+00:00" as "...Z" and ".928" as ".928000")."""
    from lxml import etree

    model = _model(str(resource.get("resourceType", "")))
    if model is None:
        raise NotAcceptable(
            f"{resource.get('resourceType')!r} resources can only be written as JSON here"
        )
    root = etree.fromstring(model.model_validate(resource).model_dump_xml())
    _restore_primitives(root, resource)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def _json_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value)


def _restore_primitives(element, data: dict, *, into_xml: bool = True) -> None:
    """Walk an XML element and the JSON object of the same resource together and copy each
    primitive's text from one to the other: into the XML's `value` attributes (`into_xml`), or
    into the JSON's strings. An element named n is the JSON key n (the k-th element of that name,
    the k-th item of a list); a primitive's extensions are under "_n"; a resource inside
    `resource` or `contained` is its own object."""
    from lxml import etree

    seen: dict[str, int] = {}
    for child in element:
        if not isinstance(child.tag, str) or etree.QName(child).namespace != _FHIR_NS:
            continue  # the narrative's XHTML, comments
        name = etree.QName(child).localname
        index = seen[name] = seen.get(name, -1) + 1
        value, extra = data.get(name), data.get(f"_{name}")
        holder, key = data, name
        if isinstance(value, list):
            holder, key = value, index
            value = value[index] if index < len(value) else None
        if isinstance(extra, list):
            extra = extra[index] if index < len(extra) else None
        if isinstance(value, dict):
            # <resource><Patient>…</Patient></resource>: the resource is the inner element
            value_element = child[0] if "resourceType" in value and len(child) else child
            _restore_primitives(value_element, value, into_xml=into_xml)
            continue
        text = child.get("value")
        if value is not None and text is not None:
            if into_xml:
                child.set("value", _json_text(value))
            elif isinstance(value, str):
                holder[key] = text  # type: ignore[index]
        if isinstance(extra, dict):
            _restore_primitives(child, extra, into_xml=into_xml)


def from_xml(raw: bytes) -> dict:
    """A FHIR XML body as the JSON dict the handlers take (parsed as the importer parses XML
    files), each string primitive as the XML wrote it; Invalid (400) saying what is wrong."""
    from lxml import etree

    from caretrust.ingest.readers import parse_xml

    try:
        resource = parse_xml(raw)
    except ValueError as exc:
        raise Invalid(f"the body: {exc}") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    _restore_primitives(etree.fromstring(raw, parser), resource, into_xml=False)
    return resource

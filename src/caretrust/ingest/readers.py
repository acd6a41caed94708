"""Reading FHIR files one resource at a time, whatever the format: Bulk Data NDJSON, JSON Bundles
(streamed with ijson, so a Bundle of any size stays in constant memory), single JSON resources and
XML resources or Bundles."""

from __future__ import annotations

import gzip
import json
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import ijson

from caretrust.ingest import checks

BUNDLE_TYPES = {"transaction", "batch", "collection", "searchset", "document", "message"}


@dataclass
class Item:
    location: str  # "line 3", "entry 5", "resource"
    resource: dict | None
    problem: tuple[str, str] | None = None  # (field, reason) when unreadable
    full_url: str | None = None
    method: str | None = None  # Bundle entry request method
    # (problems, content hash) when a worker process has already checked the resource.
    checked: checks.Checked | None = None


@dataclass
class BundleInfo:
    bundle_type: str | None
    # fullUrl → (resourceType, id or None) for every entry, to resolve references across entries.
    full_urls: dict[str, tuple[str, str | None]]
    # "Type?identifier=system|value" → fullUrl, for conditional references to another entry.
    identifiers: dict[str, str] = field(default_factory=dict)


def identifier_tokens(resource: dict) -> list[str]:
    """ "system|value" for each of the resource's identifiers that has a value."""
    identifiers = resource.get("identifier")
    if isinstance(identifiers, dict):
        identifiers = [identifiers]
    if not isinstance(identifiers, list):
        return []
    return [
        f"{i.get('system', '')}|{i['value']}"
        for i in identifiers
        if isinstance(i, dict) and i.get("value")
    ]


def _open(path: Path) -> IO[bytes]:
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def kind_of(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".ndjson", ".jsonl")):
        return "ndjson"
    if name.endswith(".xml"):
        return "xml"
    return "json"


def iter_ndjson(path: Path, checker: Executor | None = None) -> Iterator[Item]:
    """Each line's resource in order. With `checker`, chunks of lines are validated in another
    process a couple of chunks ahead of the caller, keeping memory bounded."""
    with _open(path) as handle:
        chunks = _chunks(handle)
        if checker is None:
            for chunk in chunks:
                yield from _ndjson_items(chunk, None)
            return
        ahead: deque[tuple[list[tuple[int, bytes]], Future]] = deque()
        for chunk in chunks:
            ahead.append((chunk, checker.submit(checks.check_lines, [raw for _, raw in chunk])))
            if len(ahead) > CHUNKS_AHEAD:
                yield from _ndjson_items(*ahead.popleft())
        while ahead:
            yield from _ndjson_items(*ahead.popleft())


CHUNK_LINES = 500
CHUNKS_AHEAD = 2


def _chunks(handle: IO[bytes]) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for number, raw in enumerate(handle, 1):
        if raw.strip():
            chunk.append((number, raw))
        if len(chunk) >= CHUNK_LINES:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _ndjson_items(chunk: list[tuple[int, bytes]], checked: Future | None) -> Iterator[Item]:
    results = checked.result() if checked is not None else [None] * len(chunk)
    for (number, raw), result in zip(chunk, results, strict=True):
        location = f"line {number}"
        try:
            resource = json.loads(raw)
        except ValueError as exc:
            yield Item(location, None, ("", f"not valid JSON ({exc})"))
            continue
        if not isinstance(resource, dict) or "resourceType" not in resource:
            yield Item(location, None, ("resourceType", "missing: not a FHIR resource"))
            continue
        yield Item(location, resource, checked=result)


def scan_json(path: Path) -> tuple[str | None, BundleInfo]:
    """One streaming pass: the top-level resourceType and, for a Bundle, its entries' identities
    (fullUrl, type, id and identifiers)."""
    resource_type = None
    bundle_type = None
    info = BundleInfo(None, {})
    entry: dict = {}
    identifier: dict = {}
    with _open(path) as handle:
        for prefix, event, value in ijson.parse(handle):
            if prefix == "resourceType":
                resource_type = value
            elif prefix == "type" and event == "string":
                bundle_type = value
            elif prefix == "entry.item":
                if event == "start_map":
                    entry = {"fullUrl": None, "type": None, "id": None, "identifiers": []}
                elif event == "end_map":
                    _add_entry(info, entry)
            elif prefix in ENTRY_FIELDS:
                entry[ENTRY_FIELDS[prefix]] = value
            elif prefix in IDENTIFIER_PREFIXES and event in ("start_map", "end_map"):
                if event == "start_map":
                    identifier = {}
                elif identifier.get("value"):
                    entry["identifiers"].append(identifier)
            elif prefix in IDENTIFIER_FIELDS:
                identifier[IDENTIFIER_FIELDS[prefix]] = value
    info.bundle_type = bundle_type
    return resource_type, info


ENTRY_FIELDS = {
    "entry.item.fullUrl": "fullUrl",
    "entry.item.resource.resourceType": "type",
    "entry.item.resource.id": "id",
}
# An identifier is a list of objects, or (in a few types) one object.
IDENTIFIER_PREFIXES = ("entry.item.resource.identifier.item", "entry.item.resource.identifier")
IDENTIFIER_FIELDS = {
    f"{p}.{name}": name for p in IDENTIFIER_PREFIXES for name in ("system", "value")
}


def _add_entry(info: BundleInfo, entry: dict) -> None:
    if not (entry.get("fullUrl") and entry.get("type")):
        return
    info.full_urls[entry["fullUrl"]] = (entry["type"], entry["id"])
    for token in identifier_tokens({"identifier": entry["identifiers"]}):
        info.identifiers[f"{entry['type']}?identifier={token}"] = entry["fullUrl"]


def iter_bundle_entries(path: Path) -> Iterator[Item]:
    with _open(path) as handle:
        for number, entry in enumerate(ijson.items(handle, "entry.item", use_float=True), 1):
            yield _entry_item(number, entry)


def _entry_item(number: int, entry: dict) -> Item:
    location = f"entry {number}"
    resource = entry.get("resource")
    method = (entry.get("request") or {}).get("method")
    if method == "DELETE":
        return Item(location, None, ("request.method", "DELETE entries are not imported"))
    if resource is None and method in ("GET", "HEAD"):
        return Item(location, None)  # a read request in a batch: no data to import
    if not isinstance(resource, dict) or "resourceType" not in resource:
        return Item(location, None, ("resource", "entry has no resource"))
    return Item(location, resource, full_url=entry.get("fullUrl"), method=method)


def read_xml(path: Path) -> tuple[dict | None, str | None]:
    """Parse a FHIR XML file into its JSON form (validated); (resource, error)."""
    from fhir.resources.R4B import get_fhir_model_class
    from lxml import etree

    try:
        root = etree.parse(str(path)).getroot()
    except etree.XMLSyntaxError as exc:
        return None, f"not well-formed XML ({exc})"
    resource_type = etree.QName(root).localname
    try:
        model = get_fhir_model_class(resource_type)
    except KeyError:
        return None, f"unknown resource type {resource_type!r}"
    try:
        parsed = model.model_validate_xml(path.read_bytes())
    except Exception as exc:
        return None, f"invalid {resource_type}: {str(exc).splitlines()[0]}"
    return json.loads(parsed.model_dump_json(exclude_none=True, by_alias=True)), None


def bundle_info_from_dict(bundle: dict) -> BundleInfo:
    info = BundleInfo(bundle.get("type"), {})
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") or {}
        _add_entry(
            info,
            {
                "fullUrl": entry.get("fullUrl"),
                "type": resource.get("resourceType"),
                "id": resource.get("id"),
                "identifiers": resource.get("identifier") or [],
            },
        )
    return info


def iter_dict_bundle(bundle: dict) -> Iterator[Item]:
    for number, entry in enumerate(bundle.get("entry") or [], 1):
        yield _entry_item(number, entry)

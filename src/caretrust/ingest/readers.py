"""Reading FHIR files one resource at a time, whatever the format: Bulk Data NDJSON, JSON Bundles
(streamed with ijson, so a Bundle of any size stays in constant memory), single JSON resources and
XML resources or Bundles."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import ijson

BUNDLE_TYPES = {"transaction", "batch", "collection", "searchset", "document", "message"}


@dataclass
class Item:
    location: str  # "line 3", "entry 5", "resource"
    resource: dict | None
    problem: tuple[str, str] | None = None  # (field, reason) when unreadable
    full_url: str | None = None
    method: str | None = None  # Bundle entry request method


@dataclass
class BundleInfo:
    bundle_type: str | None
    # fullUrl → (resourceType, id or None) for every entry, to resolve references across entries.
    full_urls: dict[str, tuple[str, str | None]]


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


def iter_ndjson(path: Path) -> Iterator[Item]:
    with _open(path) as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            location = f"line {number}"
            try:
                resource = json.loads(raw)
            except ValueError as exc:
                yield Item(location, None, ("", f"not valid JSON ({exc})"))
                continue
            if not isinstance(resource, dict) or "resourceType" not in resource:
                yield Item(location, None, ("resourceType", "missing: not a FHIR resource"))
                continue
            yield Item(location, resource)


def scan_json(path: Path) -> tuple[str | None, BundleInfo]:
    """One streaming pass: the top-level resourceType and, for a Bundle, its entries' identities."""
    resource_type = None
    bundle_type = None
    full_urls: dict[str, tuple[str, str | None]] = {}
    current: dict[str, str | None] = {}
    with _open(path) as handle:
        for prefix, event, value in ijson.parse(handle):
            if prefix == "resourceType":
                resource_type = value
            elif prefix == "type" and event == "string":
                bundle_type = value
            elif prefix == "entry.item" and event == "start_map":
                current = {"fullUrl": None, "type": None, "id": None}
            elif prefix == "entry.item.fullUrl":
                current["fullUrl"] = value
            elif prefix == "entry.item.resource.resourceType":
                current["type"] = value
            elif prefix == "entry.item.resource.id":
                current["id"] = value
            elif (
                prefix == "entry.item"
                and event == "end_map"
                and current.get("fullUrl")
                and current.get("type")
            ):
                full_urls[current["fullUrl"]] = (current["type"], current["id"])
    return resource_type, BundleInfo(bundle_type, full_urls)


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
    full_urls = {}
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") or {}
        if entry.get("fullUrl") and resource.get("resourceType"):
            full_urls[entry["fullUrl"]] = (resource["resourceType"], resource.get("id"))
    return BundleInfo(bundle.get("type"), full_urls)


def iter_dict_bundle(bundle: dict) -> Iterator[Item]:
    for number, entry in enumerate(bundle.get("entry") or [], 1):
        yield _entry_item(number, entry)

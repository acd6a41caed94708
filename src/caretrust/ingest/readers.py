"""Reading FHIR files one resource at a time, whatever the format: Bulk Data NDJSON, JSON Bundles
(streamed with ijson, so a Bundle of any size stays in constant memory), single JSON resources and
XML resources or Bundles."""

from __future__ import annotations

import gzip
import io
import json
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import ijson

from caretrust.ingest import checks, limits
from caretrust.ingest.references import identifier_tokens

BUNDLE_TYPES = {"transaction", "batch", "collection", "searchset", "document", "message"}


@dataclass
class Item:
    location: str  # "line 3", "entry 5", "resource"
    resource: dict | None
    problem: tuple[str, str] | None = None  # (field, reason) when unreadable
    full_url: str | None = None
    method: str | None = None  # Bundle entry request method
    # What a worker process found checking the resource (`checks.Checked`), if one did.
    checked: checks.Checked | None = None
    # The NDJSON line of a resource a worker found valid: parsed only if the importer needs
    # more than the worker handed over (ADR 136). `content()` reads it.
    raw: bytes | None = None

    def content(self) -> dict | None:
        """The resource, parsed from its line on first use when only the line was kept."""
        if self.resource is None and self.raw is not None:
            self.resource = json.loads(self.raw)
        return self.resource


@dataclass
class BundleInfo:
    bundle_type: str | None
    # fullUrl → (resourceType, id or None) for every entry, to resolve references across entries.
    full_urls: dict[str, tuple[str, str | None]]
    # "Type?identifier=system|value" → fullUrl, for conditional references to another entry.
    identifiers: dict[str, str] = field(default_factory=dict)
    # Entries (by number) larger than a record may be: refused without their content.
    oversized: set[int] = field(default_factory=set)


def open_bytes(path: Path) -> IO[bytes]:
    """The file's bytes, decompressed when it ends in .gz; buffered (it can peek)."""
    if path.suffix == ".gz":
        return io.BufferedReader(gzip.open(path, "rb"))
    return path.open("rb")


_open = open_bytes


class Refused(ValueError):
    """A file (or a part of it) that cannot be read as FHIR: where, which field, why."""

    def __init__(self, location: str, field: str, reason: str) -> None:
        super().__init__(reason)
        self.location, self.field, self.reason = location, field, reason


def file_problem(path: Path) -> str | None:
    """Empty or not UTF-8 (by its byte order mark), read from the start without holding more
    than a chunk."""
    with _open(path) as handle:
        head = handle.read(4096)
        problem = limits.file_problem(head)
        if problem != "the file is empty" or len(head) < 4096:
            return problem
        while chunk := handle.read(2**16):  # whitespace so far: is there anything after it?
            if chunk.strip():
                return None
    return problem


def kind_of(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    if name.endswith((".ndjson", ".jsonl")):
        return "ndjson"
    if name.endswith(".xml"):
        return "xml"
    return "json"


def iter_ndjson(path: Path, checker: Executor | None = None) -> Iterator[Item]:
    """Each line's resource in order. With `checker`, chunks of lines are validated in another
    process a couple of chunks ahead of the caller, keeping memory bounded. A line longer than
    MAX_RECORD_BYTES is never held whole."""
    with _open(path) as handle:
        chunks = _chunks(limits.bounded_lines(handle))
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
# Enough for the workers to keep going while the writer waits for the server (the foreign keys
# checked as a COPY ends, an ANALYZE): 2 left them idle through those waits (ADR 138). A few MB.
CHUNKS_AHEAD = 8


def _chunks(lines: Iterator[tuple[int, bytes]]) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for number, raw in lines:
        if limits.too_long(raw) or raw.strip():
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
        if result is not None and not result[0]:
            # Valid, and the worker made all the importer needs: not parsed again (ADR 136).
            yield Item(location, None, checked=result, raw=raw)
            continue
        resource, problem = parse_line(raw)
        if problem is not None:
            yield Item(location, None, problem)
            continue
        yield Item(location, resource, checked=result)


def parse_line(raw: bytes) -> tuple[dict | None, tuple[str, str] | None]:
    """One NDJSON line as a resource, or (field, reason) why it is not one."""
    if limits.too_long(raw):
        return None, ("", f"the line is longer than the limit of {limits.MAX_RECORD_BYTES:,} bytes")
    nul = raw.find(b"\x00")
    if nul >= 0:
        return None, ("", f"a NUL byte at column {nul + 1}: not JSON text")
    try:
        resource = json.loads(raw)
    except UnicodeDecodeError as exc:
        return None, ("", limits.undecodable(raw, exc))
    except ValueError as exc:
        return None, ("", f"not valid JSON ({exc})")
    except RecursionError:
        return None, ("", f"nested deeper than {limits.MAX_DEPTH} levels")
    if isinstance(resource, list):
        return None, ("", "a line holds one resource, not a list")
    if not isinstance(resource, dict) or "resourceType" not in resource:
        return None, ("resourceType", "missing: not a FHIR resource")
    return resource, None


def scan_json(path: Path) -> tuple[str | None, BundleInfo]:
    """One streaming pass: the top-level resourceType and, for a Bundle, its entries' identities
    (fullUrl, type, id and identifiers). Refuses (`Refused`) a top-level list and nesting deeper
    than MAX_DEPTH as soon as it is seen, from the parser's events, without building anything:
    a file of 100,000 brackets costs a few kilobytes."""
    resource_type = None
    bundle_type = None
    info = BundleInfo(None, {})
    entry: dict = {}
    identifier: dict = {}
    entries = entry_bytes = 0
    with _open(path) as handle:
        for prefix, event, value in _events(limits.skip_bom(handle)):
            if event == "string" or event == "map_key":
                entry_bytes += len(value)
                if len(value) > limits.MAX_RECORD_BYTES:
                    raise Refused(
                        f"entry {entries}" if entries else "file",
                        prefix or "",
                        f"a value of {len(value):,} characters: larger than a whole record may "
                        f"be ({limits.MAX_RECORD_BYTES:,} bytes)",
                    )
            entry_bytes += 8  # punctuation, numbers: roughly
            if prefix is None:
                continue
            if prefix == "resourceType":
                resource_type = value
            elif prefix == "type" and event == "string":
                bundle_type = value
            elif prefix == "entry.item":
                if event == "start_map":
                    entries += 1
                    entry_bytes = 0
                    entry = {"fullUrl": None, "type": None, "id": None, "identifiers": []}
                elif event == "end_map":
                    _add_entry(info, entry)
                    if entry_bytes > limits.MAX_RECORD_BYTES:
                        info.oversized.add(entries)
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


PREFIX_DEPTH = 6  # the deepest prefix scan_json looks at: entry.item.resource.identifier.item.x


def _events(handle: IO[bytes]) -> Iterator[tuple[str | None, str, object]]:
    """ijson's (prefix, event, value) from its basic events (None for prefixes deeper than any
    scan_json looks at). ijson's own prefixed parser builds each event's whole path, which for
    deep nesting is quadratic; here each level's prefix is built once, and only near the top."""
    path: list[str | None] = []
    prefixes: list[str | None] = [""]  # prefixes[i]: the prefix at depth i (None: not wanted)
    depth = 0
    entries = 0
    events = ijson.basic_parse(handle, use_float=True)
    for event, value in events:
        if event == "start_array":
            raise Refused(
                "file",
                "",
                "a JSON file holds one resource or a Bundle; a list is not FHIR: "
                "use NDJSON (one resource a line)",
            )
        if event != "start_map":
            raise Refused("file", "", "not a FHIR resource (a JSON object)")
        yield "", event, value
        path.append(None)
        prefixes.append(None)
        depth = 1
        break
    for event, value in events:
        if event == "map_key":
            path[-1] = value
            parent = prefixes[depth - 1]
            if depth <= PREFIX_DEPTH and parent is not None:
                prefixes[depth] = f"{parent}.{value}" if parent else value
            else:
                prefixes[depth] = None
            continue
        if event == "end_map" or event == "end_array":
            path.pop()
            prefixes.pop()
            depth -= 1
            yield prefixes[depth], event, value
            continue
        prefix = prefixes[depth]
        if event == "start_map" or event == "start_array":
            if depth >= limits.MAX_DEPTH:
                where = f"entry {entries}" if path[:2] == ["entry", "item"] else "file"
                raise Refused(where, _shown(path), f"nested deeper than {limits.MAX_DEPTH} levels")
            if prefix == "entry.item" and event == "start_map":
                entries += 1
            yield prefix, event, value
            depth += 1
            if event == "start_map":
                path.append(None)
                prefixes.append(None)
            else:
                path.append("item")
                below = f"{prefix}.item" if prefix else "item"
                prefixes.append(below if prefix is not None and depth <= PREFIX_DEPTH else None)
            continue
        yield prefix, event, value


def _shown(path: list[str | None]) -> str:
    text = ".".join(p or "" for p in path[:8])
    return text + ("…" if len(path) > 8 else "")


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


def iter_bundle_entries(path: Path, oversized: set[int] = frozenset()) -> Iterator[Item]:
    """Each entry (scan_json has already refused excessive nesting and values larger than a
    record; `oversized` entries are refused here)."""
    with _open(path) as handle:
        entries = ijson.items(limits.skip_bom(handle), "entry.item", use_float=True)
        for number, entry in enumerate(entries, 1):
            if number in oversized:
                reason = f"the entry is larger than the limit of {limits.MAX_RECORD_BYTES:,} bytes"
                yield Item(f"entry {number}", None, ("", reason))
                continue
            yield _entry_item(number, entry)


def _entry_item(number: int, entry: dict) -> Item:
    location = f"entry {number}"
    if not isinstance(entry, dict):
        return Item(location, None, ("", "a Bundle entry must be an object"))
    resource = entry.get("resource")
    request = entry.get("request")
    method = request.get("method") if isinstance(request, dict) else None
    if method == "DELETE":
        return Item(location, None, ("request.method", "DELETE entries are not imported"))
    if resource is None and method in ("GET", "HEAD"):
        return Item(location, None)  # a read request in a batch: no data to import
    if not isinstance(resource, dict) or "resourceType" not in resource:
        return Item(location, None, ("resource", "entry has no resource"))
    full_url = entry.get("fullUrl")
    return Item(
        location, resource, full_url=full_url if isinstance(full_url, str) else None, method=method
    )


def read_xml(path: Path) -> tuple[dict | None, str | None]:
    """Parse a FHIR XML file into its JSON form (validated); (resource, error)."""
    try:
        return parse_xml(path.read_bytes()), None
    except ValueError as exc:
        return None, str(exc)


def parse_xml(raw: bytes) -> dict:
    """A FHIR XML resource in its JSON form, validated by its R4B model (the importer's files and
    the API's XML bodies). ValueError saying what is wrong otherwise."""
    from fhir.resources.R4B import get_fhir_model_class
    from lxml import etree

    # No external entities or network: a file or a body must not make us read other files.
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not well-formed XML ({exc})") from None
    resource_type = etree.QName(root).localname
    try:
        model = get_fhir_model_class(resource_type)
    except (KeyError, ValueError):
        raise ValueError(f"unknown resource type {resource_type!r}") from None
    try:
        parsed = model.model_validate_xml(raw)
    except Exception as exc:
        raise ValueError(f"invalid {resource_type}: {str(exc).splitlines()[0]}") from None
    return json.loads(parsed.model_dump_json(exclude_none=True, by_alias=True))


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

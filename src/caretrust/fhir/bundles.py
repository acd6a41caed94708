"""Transaction and batch Bundles at `POST [base]` (ADR 109).

A **transaction** is all or nothing: every entry is checked first, then carried out in one
database transaction in the order FHIR R4 gives (DELETE, then POST, then PUT and PATCH, then
GET), with the `urn:uuid:` (or any) `fullUrl` of a created entry replaced, in every later entry's
references, by the `Type/id` it was given, and each conditional reference (`Type?criteria`)
replaced by the one resource it finds. The first entry that fails undoes them all, and the answer
is that entry's OperationOutcome and status. A **batch** carries out each entry on its own
(each in its own savepoint), and answers each with its own status.
"""

from __future__ import annotations

import base64
import binascii
from http import HTTPStatus
from urllib.parse import parse_qsl

from django.core.exceptions import PermissionDenied
from django.db import transaction

from caretrust.fhir import registry
from caretrust.fhir.interactions import Answer, Call, bare_version, body_of, perform
from caretrust.fhir.registry import FhirContext, FhirError

ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}
MAX_ENTRIES = 1_000
PATCH_CONTENT_TYPE = "application/json-patch+json"


class EntryError(FhirError):
    """An entry's own error, naming the entry (so a client knows which one failed)."""

    def __init__(self, index: int, error: FhirError) -> None:
        super().__init__(f"entry {index}: {error.diagnostics}", expression=error.expression)
        self.status, self.code = error.status, error.code
        self.index = index


def process(ctx: FhirContext, bundle: dict, prefer: str = "representation") -> dict:
    kind = bundle.get("type")
    if kind not in ("transaction", "batch"):
        raise registry.Invalid(
            f"POST a Bundle of type transaction or batch to the base, not {kind!r}",
            expression="Bundle.type",
        )
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise registry.Invalid("Bundle.entry is a list of entries", expression="Bundle.entry")
    if len(entries) > MAX_ENTRIES:
        raise registry.Invalid(f"a Bundle here holds at most {MAX_ENTRIES:,} entries")
    if kind == "transaction":
        return _transaction(ctx, entries, prefer)
    return _batch(ctx, entries, prefer)


# ---------------------------------------------------------------------------------- entries


def _call(ctx: FhirContext, index: int, entry: dict) -> Call:
    """The interaction an entry asks for, checked before anything is written."""
    from caretrust.ingest.checks import validate

    request = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(request, dict):
        raise registry.Invalid("every entry needs a request (method and url)")
    method = str(request.get("method") or "").upper()
    if method not in ORDER:
        raise registry.Invalid(f"request.method {method!r} is not one of {', '.join(ORDER)}")
    url = str(request.get("url") or "")
    url = url.removeprefix(ctx.base_url).lstrip("/")
    path, _, query = url.partition("?")
    parts = path.split("/")
    if not parts[0] or not parts[0].isalpha() or not parts[0][0].isupper():
        raise registry.Invalid(f"request.url {request.get('url')!r} names no resource type")
    call = Call(
        method="GET" if method == "HEAD" else method,
        resource_type=parts[0],
        query=parse_qsl(query),
        if_match=bare_version(request.get("ifMatch")),
        if_none_exist=request.get("ifNoneExist"),
        if_none_match=bare_version(request.get("ifNoneMatch")),
    )
    if len(parts) >= 2:
        call.id = parts[1]
    if len(parts) == 4 and parts[2] == "_history":
        call.vid = parts[3]
    elif len(parts) > 2 or (len(parts) == 2 and not parts[1]):
        raise registry.Invalid(f"request.url {request.get('url')!r} is not one this server reads")
    if call.method in ("POST", "PUT"):
        resource = entry.get("resource")
        if not isinstance(resource, dict) or resource.get("resourceType") != call.resource_type:
            raise registry.Invalid(
                f"a {call.method} of {call.resource_type} needs a {call.resource_type} resource"
            )
        problems = validate(resource)
        if problems:
            field, reason = problems[0]
            raise registry.Invalid(
                f"{call.resource_type}.{field}: {reason}" if field else reason,
                expression=f"{call.resource_type}.{field}" if field else None,
            )
        call.resource = resource
    elif call.method == "PATCH":
        call.patch = _patch_of(entry.get("resource"))
    if call.method in ("POST",) and call.id is not None:
        raise registry.Invalid("POST creates at the type (request.url Type): to write an id, PUT")
    if call.method in ("PUT", "PATCH", "DELETE") and call.id is None and not call.query:
        raise registry.Invalid(f"{call.method} needs an id or search criteria in request.url")
    return call


def _patch_of(resource) -> list:
    """A PATCH entry carries its JSON Patch as a Binary (FHIR R4, http.html#patch)."""
    from caretrust.fhir.interactions import json_list

    if not isinstance(resource, dict) or resource.get("resourceType") != "Binary":
        raise registry.Invalid("a PATCH entry carries its JSON Patch as a Binary resource")
    if resource.get("contentType") != PATCH_CONTENT_TYPE:
        raise registry.Invalid(f"the Binary of a PATCH entry has contentType {PATCH_CONTENT_TYPE}")
    try:
        raw = base64.b64decode(str(resource.get("data") or ""), validate=True)
    except (binascii.Error, ValueError):
        raise registry.Invalid("the Binary's data is not base64") from None
    return json_list(raw)


def _status(status: int) -> str:
    return f"{status} {HTTPStatus(status).phrase}"


def success_outcome(answer: Answer) -> dict:
    """What `Prefer: return=OperationOutcome` gives back for a write that worked."""
    what = f"{answer.resource_type}"
    if answer.stored is not None:
        what += f"/{answer.stored.resource.get('id')} version {answer.stored.version_id}"
    done = {201: "created", 200: "written", 204: "done"}.get(answer.status, "done")
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {"severity": "information", "code": "informational", "diagnostics": f"{what}: {done}"}
        ],
    }


def error_outcome(error: FhirError) -> dict:
    issue = {"severity": "error", "code": error.code, "diagnostics": error.diagnostics}
    if error.expression:
        issue["expression"] = [error.expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def _response_entry(ctx: FhirContext, answer: Answer, prefer: str) -> dict:
    entry: dict = {"response": {"status": _status(answer.status)}}
    if answer.bundle is not None:
        entry["resource"] = answer.bundle
        return entry
    stored = answer.stored
    if stored is None:
        return entry
    rid = stored.resource.get("id")
    response = entry["response"]
    response["etag"] = f'W/"{stored.version_id}"'
    response["lastModified"] = stored.last_updated.isoformat()
    if answer.located:
        entry["fullUrl"] = f"{ctx.base_url}/{answer.resource_type}/{rid}"
        response["location"] = f"{answer.resource_type}/{rid}/_history/{stored.version_id}"
    if answer.status == 304:
        return entry
    if answer.located and prefer == "minimal":
        return entry
    if answer.located and prefer == "OperationOutcome":
        response["outcome"] = success_outcome(answer)
        return entry
    entry["resource"] = body_of(stored, answer.resource_type)
    return entry


# ----------------------------------------------------------------------------- transaction


def _identity(call: Call) -> str | None:
    if call.id is not None and call.method != "GET":
        return f"{call.resource_type}/{call.id}"
    return None


def _transaction(ctx: FhirContext, entries: list, prefer: str) -> dict:
    from caretrust.ingest.fhir_import import _references

    calls: list[Call] = []
    for index, entry in enumerate(entries):
        try:
            calls.append(_call(ctx, index, entry))
        except FhirError as error:
            raise EntryError(index, error) from None
    seen: dict[str, int] = {}
    for index, call in enumerate(calls):
        identity = _identity(call)
        if identity is None:
            continue
        if identity in seen:
            raise registry.Invalid(
                f"entries {seen[identity]} and {index} both change {identity}: a transaction "
                "changes a resource once"
            )
        seen[identity] = index
    full_urls = {
        str(entry.get("fullUrl")): index
        for index, entry in enumerate(entries)
        if isinstance(entry, dict) and entry.get("fullUrl")
    }
    # Where each entry will be found: known now for a PUT to an id, after the write for the rest.
    target: dict[str, str] = {}
    for url, index in full_urls.items():
        call = calls[index]
        if call.method == "PUT" and call.id is not None:
            target[url] = f"{call.resource_type}/{call.id}"
    order = _order(calls, entries, full_urls)
    answers: dict[int, Answer] = {}
    with transaction.atomic():
        for index in order:
            call = calls[index]
            for body in (call.resource,):
                if body is None:
                    continue
                for _path, holder in _references(body):
                    reference = holder["reference"]
                    if reference in target:
                        holder["reference"] = target[reference]
                    elif reference in full_urls and full_urls[reference] != index:
                        raise EntryError(
                            index,
                            registry.Invalid(
                                f"it refers to entry {full_urls[reference]} ({reference}), "
                                "which is written after it (a conditional update or patch): "
                                "refer to that resource by identifier instead"
                            ),
                        )
            try:
                answer = perform(ctx, call)
            except FhirError as error:
                raise EntryError(index, error) from None
            answers[index] = answer
            url = entries[index].get("fullUrl")
            if url and answer.stored is not None and call.method in ("POST", "PUT", "PATCH"):
                target[str(url)] = f"{call.resource_type}/{answer.stored.resource.get('id')}"
    return {
        "resourceType": "Bundle",
        "type": "transaction-response",
        "entry": [_response_entry(ctx, answers[i], prefer) for i in range(len(calls))],
    }


def _order(calls: list[Call], entries: list, full_urls: dict[str, int]) -> list[int]:
    """The spec's order (DELETE, POST, PUT/PATCH, GET), and within the POSTs each one after the
    POSTs whose fullUrl it refers to, so every reference to a new resource can be written."""
    from caretrust.ingest.fhir_import import _references

    posts = [i for i, c in enumerate(calls) if c.method == "POST"]
    needs: dict[int, set[int]] = {}
    for i in posts:
        resource = calls[i].resource or {}
        needs[i] = {
            full_urls[holder["reference"]]
            for _path, holder in _references(resource)
            if holder["reference"] in full_urls
            and full_urls[holder["reference"]] != i
            and calls[full_urls[holder["reference"]]].method == "POST"
        }
    ordered_posts: list[int] = []
    done: set[int] = set()
    waiting = list(posts)
    while waiting:
        ready = [i for i in waiting if needs[i] <= done]
        if not ready:
            raise registry.Invalid(
                "entries " + ", ".join(map(str, waiting)) + " refer to each other in a circle: "
                "create one of them first, or refer by identifier"
            )
        ordered_posts.extend(ready)
        done.update(ready)
        waiting = [i for i in waiting if i not in done]
    rank = {i: n for n, i in enumerate(ordered_posts)}
    return sorted(range(len(calls)), key=lambda i: (ORDER[calls[i].method], rank.get(i, i)))


# ----------------------------------------------------------------------------------- batch


def _batch(ctx: FhirContext, entries: list, prefer: str) -> dict:
    from caretrust.access.middleware import audit_refusal

    calls: dict[int, Call] = {}
    responses: dict[int, dict] = {}
    for index, entry in enumerate(entries):
        try:
            calls[index] = _call(ctx, index, entry)
        except FhirError as error:
            responses[index] = _failed(error)
    order = sorted(calls, key=lambda i: (ORDER[calls[i].method], i))
    for index in order:
        try:
            with transaction.atomic():
                answer = perform(ctx, calls[index])
        except FhirError as error:
            if error.status == 403:
                audit_refusal(ctx.user, error.diagnostics, path=f"batch entry {index}", via="fhir")
            responses[index] = _failed(error)
            continue
        except PermissionDenied as denied:
            audit_refusal(ctx.user, str(denied), path=f"batch entry {index}", via="fhir")
            responses[index] = _failed(registry.Forbidden(str(denied) or "not allowed"))
            continue
        responses[index] = _response_entry(ctx, answer, prefer)
    return {
        "resourceType": "Bundle",
        "type": "batch-response",
        "entry": [responses[i] for i in range(len(entries))],
    }


def _failed(error: FhirError) -> dict:
    return {"response": {"status": _status(error.status), "outcome": error_outcome(error)}}

"""The FHIR RESTful interactions, once, for both a plain HTTP request and an entry of a
transaction or batch Bundle (ADR 109): a `Call` in, an `Answer` out. `views` turns requests into
calls and answers into responses; `bundles` does the same for Bundle entries. Nothing here
speaks HTTP."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

import jsonpatch

from caretrust.fhir import chaining, registry, subsetting
from caretrust.fhir.registry import FhirContext, SearchParams, SearchResult, Stored

# The search result parameters (and paging): not criteria, applied in `search` for every type.
CONTROL_PARAMS = {
    "_count",
    "_cursor",
    "_include",
    "_format",
    "_sort",
    "_total",
    "_summary",
    "_elements",
    "_revinclude",
    # ADR 0121: applied to what the search already included, up to ITERATE_ROUNDS times.
    "_include:iterate",
    "_include:recurse",  # R4's name for :iterate in earlier versions, accepted as the same
    "_revinclude:iterate",
    "_revinclude:recurse",
}
# Interactions that change something: after one, whom the client may see is worked out again.
WRITES = ("POST", "PUT", "PATCH", "DELETE")


@dataclass
class Call:
    """One interaction: what an HTTP request or a Bundle entry's `request` asks for."""

    method: str
    resource_type: str
    id: str | None = None
    vid: str | None = None
    query: list[tuple[str, str]] = field(default_factory=list)  # search or conditional criteria
    resource: dict | None = None  # POST, PUT
    patch: list | None = None  # PATCH: JSON Patch operations
    if_match: str | None = None  # bare version id
    if_none_exist: str | None = None
    if_none_match: str | None = None  # bare version id, or "*"
    strict: bool = False  # `Prefer: handling=strict`: an unknown search parameter is a 400


@dataclass
class Answer:
    status: int
    resource_type: str
    stored: Stored | None = None  # the resource it concerns
    bundle: dict | None = None  # a search's searchset, a history
    located: bool = False  # a write: say where the version lives (Location)


def bare_version(value: str | None) -> str | None:
    if value is None:
        return None
    return value.strip().removeprefix("W/").strip('"')


def body_of(stored: Stored, resource_type: str) -> dict:
    body = dict(stored.resource)
    body["resourceType"] = resource_type
    meta = dict(body.get("meta") or {})
    meta["versionId"] = stored.version_id
    meta["lastUpdated"] = stored.last_updated.isoformat()
    body["meta"] = meta
    return body


def no_nul(name: str, values: list[str]) -> None:
    """PostgreSQL refuses NUL in text: say so as a 400, before a query fails with a 500."""
    if "\x00" in name or any("\x00" in value for value in values):
        raise registry.Invalid(f"{name!r} contains a NUL character", expression=name)


def handler_for(resource_type: str) -> registry.ResourceHandler:
    handler = registry.get(resource_type)
    if handler is None:
        raise registry.NotFound(f"resource type {resource_type!r} is not supported here")
    return handler


def criteria(query: list[tuple[str, str]] | str, what: str) -> dict[str, list[str]]:
    pairs = (
        parse_qsl(query.lstrip("?"), keep_blank_values=False) if isinstance(query, str) else query
    )
    found: dict[str, list[str]] = {}
    for name, value in pairs:
        no_nul(name, [value])
        if name in CONTROL_PARAMS:
            continue
        found.setdefault(name, []).append(value)
    if not found:
        raise registry.Invalid(f"{what} needs search criteria, e.g. identifier=system|value")
    return found


def matches(
    ctx: FhirContext, resource_type: str, found: dict[str, list[str]], limit: int = 2
) -> list[Stored]:
    """The resources the criteria select (at most `limit`); a parameter the type does not
    support is a 400, never ignored (ignoring it would select more than was asked for)."""
    handler = handler_for(resource_type)
    for name in found:
        if not handler.supports(name):
            raise registry.Invalid(
                f"search parameter {name!r} is not supported for {resource_type}", expression=name
            )
    return handler.search(ctx, SearchParams(params=found, count=limit)).matches


def one_match(ctx: FhirContext, resource_type: str, query, what: str) -> Stored | None:
    """The one resource conditional criteria find; None when none; 412 when several."""
    found = matches(ctx, resource_type, criteria(query, what))
    if len(found) > 1:
        raise registry.PreconditionFailed(
            f"{what} {resource_type}?{_query_text(query)} matches more than one resource"
        )
    return found[0] if found else None


def _query_text(query) -> str:
    return query.lstrip("?") if isinstance(query, str) else urlencode(query)


# --------------------------------------------------------------------- conditional references


def resolve_conditional_references(ctx: FhirContext, resource: dict) -> None:
    """`Type?identifier=system|value` references become the `Type/id` of the one resource they
    find (ADR 109): none is a 404, several a 412, and the write does not happen."""
    from caretrust.ingest.fhir_import import _references

    for path, holder in _references(resource):
        reference = holder["reference"]
        if "?" not in reference or reference.startswith(("#", "urn:", "http:", "https:")):
            continue
        resource_type, _, query = reference.partition("?")
        if not resource_type.isalpha() or registry.get(resource_type) is None:
            raise registry.Invalid(
                f"{path}: {reference!r} is not a conditional reference to a known type",
                expression=path,
            )
        found = matches(ctx, resource_type, criteria(query, f"{path} {reference}"))
        if not found:
            raise registry.NotFound(f"{path}: nothing matches the reference {reference!r}")
        if len(found) > 1:
            raise registry.PreconditionFailed(
                f"{path}: the reference {reference!r} matches more than one resource"
            )
        holder["reference"] = f"{resource_type}/{found[0].resource['id']}"


# ------------------------------------------------------------------------------- interactions


def interaction_of(call: Call) -> str:
    """The FHIR interaction a call asks for, as SMART scopes name them (ADR 113)."""
    if call.method == "GET":
        if call.id is None:
            return "search"
        return "vread" if call.vid is not None else "read"
    if call.method == "POST":
        return "create"
    return {"PUT": "update", "PATCH": "update", "DELETE": "delete"}[call.method]


def _check_scopes(ctx: FhirContext, call: Call) -> None:
    """A backend-services token may do only what its scopes allow, however the call came: a
    URL, or an entry of a transaction or batch Bundle (ADR 113). Conditional interactions also
    search, so they need search as well."""
    if ctx.scopes is None:
        return
    from caretrust.fhir.smart import INTERACTION_LETTER, permits

    needed = [interaction_of(call)]
    criteria = [name for name, _ in call.query if name not in CONTROL_PARAMS]
    if call.if_none_exist or (call.id is None and call.method != "GET" and criteria):
        needed.append("search")
    for interaction in needed:
        if not permits(ctx.scopes, call.resource_type, interaction):
            letter = INTERACTION_LETTER[interaction]
            raise registry.Forbidden(
                f"the access token's scopes ({ctx.scopes}) do not allow {interaction} of "
                f"{call.resource_type} (it needs system/{call.resource_type}.{letter} or wider)"
            )


def perform(ctx: FhirContext, call: Call) -> Answer:
    """Carry out one interaction; errors are raised as `registry.FhirError`s."""
    _check_scopes(ctx, call)
    handler = handler_for(call.resource_type)
    try:
        return _perform(ctx, handler, call)
    finally:
        if call.method in WRITES:
            ctx.visible_people = None


def _perform(ctx: FhirContext, handler: registry.ResourceHandler, call: Call) -> Answer:
    rt, method = call.resource_type, call.method
    if method == "GET":
        if call.id is None:
            return Answer(200, rt, bundle=search(ctx, handler, rt, call.query, call.strict))
        if call.vid is not None:
            return Answer(200, rt, handler.vread(ctx, call.id, call.vid))
        found = handler.read(ctx, call.id)
        if call.if_none_match is not None and call.if_none_match in ("*", found.version_id):
            return Answer(304, rt, found)
        return Answer(200, rt, found)
    if method == "POST" and call.id is None:
        resource = _resource(ctx, call)
        condition = call.if_none_exist
        if condition is None and any(name not in CONTROL_PARAMS for name, _ in call.query):
            # `POST Type?criteria` (fhirpy's get_or_create): the criteria as If-None-Exist.
            condition = urlencode(call.query)
        if condition is not None:
            existing = one_match(ctx, rt, condition, "If-None-Exist")
            if existing is not None:
                return Answer(200, rt, existing, located=True)
        return Answer(201, rt, handler.create(ctx, resource), located=True)
    if method == "PUT":
        resource = _resource(ctx, call)
        if call.id is None:
            # Conditional update: none found creates, one found is updated, several is a 412.
            existing = one_match(ctx, rt, call.query, "a conditional update")
            if existing is None:
                if resource.get("id"):
                    return _update(ctx, handler, call, str(resource["id"]), resource)
                return Answer(201, rt, handler.create(ctx, resource), located=True)
            target = str(existing.resource["id"])
            if resource.get("id") not in (None, target):
                raise registry.Invalid(
                    f"the body's id {resource['id']!r} is not {target!r}, the one found",
                    expression="id",
                )
            return _update(ctx, handler, call, target, resource, found=True)
        if resource.get("id") not in (None, call.id):
            raise registry.Invalid(
                f"the body's id {resource.get('id')!r} is not {call.id!r}", expression="id"
            )
        return _update(ctx, handler, call, call.id, resource)
    if method == "PATCH":
        target = call.id
        if target is None:
            existing = one_match(ctx, rt, call.query, "a conditional patch")
            if existing is None:
                raise registry.NotFound(f"a conditional patch found no {rt}")
            target = str(existing.resource["id"])
        return _patch(ctx, handler, call, target)
    if method == "DELETE":
        if call.id is None:
            existing = one_match(ctx, rt, call.query, "a conditional delete")
            if existing is None:
                return Answer(204, rt)  # nothing matched: nothing to delete, and that is fine
            handler.delete(ctx, str(existing.resource["id"]), call.if_match)
            return Answer(204, rt)
        handler.delete(ctx, call.id, call.if_match)
        return Answer(204, rt)
    where = f"/{rt}/{call.id}" if call.id else f"/{rt}"
    raise registry.NotSupported(f"{method} is not supported on {where}")


def _resource(ctx: FhirContext, call: Call) -> dict:
    if call.resource is None:
        raise registry.Invalid(f"{call.method} needs a {call.resource_type} resource")
    resolve_conditional_references(ctx, call.resource)
    return call.resource


def _update(ctx, handler, call: Call, id: str, resource: dict, *, found: bool = False) -> Answer:
    from caretrust.record.models import Resource

    # Whether the id is new (an update that creates: 201) is known before the write. `found`:
    # a conditional update's search found it, so it exists even when an app, not the record,
    # holds it (a referral updated with no change stays at version 1, and was answered 201).
    exists = (
        found or Resource.objects.filter(resource_type=call.resource_type, logical_id=id).exists()
    )
    updated = handler.update(ctx, id, resource, call.if_match)
    created = not exists and updated.version_id == "1"
    return Answer(201 if created else 200, call.resource_type, updated, located=True)


def _patch(ctx, handler, call: Call, id: str) -> Answer:
    """JSON Patch (RFC 6902) on the current version: a read, the patch, then an update that
    expects the version read (so a change in between is a 412, never lost)."""
    from caretrust.ingest.checks import validate

    if not isinstance(call.patch, list):
        raise registry.Invalid("a JSON Patch is a list of operations")
    current = handler.read(ctx, id)
    if call.if_match is not None and call.if_match != current.version_id:
        raise registry.PreconditionFailed(
            f"{call.resource_type}/{id} is at version {current.version_id}, not {call.if_match}"
        )
    before = body_of(current, call.resource_type)
    try:
        after = jsonpatch.JsonPatch(call.patch).apply(before)
    except jsonpatch.JsonPatchTestFailed as exc:
        raise registry.PreconditionFailed(f"the patch's test failed: {exc}") from None
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise Unprocessable(f"the patch cannot be applied: {exc}") from None
    except (TypeError, ValueError, KeyError) as exc:
        raise registry.Invalid(f"the patch is not a valid JSON Patch: {exc}") from None
    if not isinstance(after, dict) or after.get("resourceType") != call.resource_type:
        raise Unprocessable("a patch may not change the resource's type", expression="resourceType")
    if after.get("id") != id:
        raise Unprocessable("a patch may not change the resource's id", expression="id")
    problems = validate(after)
    if problems:
        name, reason = problems[0]
        raise Unprocessable(
            f"the patched {call.resource_type} is not valid: {name}: {reason}",
            expression=f"{call.resource_type}.{name}" if name else None,
        )
    updated = handler.update(ctx, id, after, current.version_id)
    return Answer(200, call.resource_type, updated, located=True)


Unprocessable = registry.Unprocessable


def search(
    ctx: FhirContext,
    handler,
    resource_type: str,
    query: list[tuple[str, str]],
    strict: bool = False,
) -> dict:
    """A search as R4 defines it (ADR 0119), the same for every type: the handler filters and
    authorises; here unknown parameters are ignored and reported (refused with
    `Prefer: handling=strict`), and `_count` (0 too), `_total`, `_sort`, `_summary` and
    `_elements` are applied."""
    params: dict[str, list[str]] = {}
    controls: dict[str, list[str]] = {}
    ignored: list[str] = []
    chained: list[tuple[str, str]] = []
    people = []
    for name, value in query:
        no_nul(name, [value])
        if name in CONTROL_PARAMS:
            controls.setdefault(name, []).append(value)
            continue
        if chaining.is_chained(name) and not handler.supports(name):
            # Each value on its own (R4: each chain is evaluated independently), ANDed.
            try:
                people.append(chaining.people_for(ctx, resource_type, handler, name, value))
            except chaining.NotChainable as unsupported:
                if strict:
                    raise registry.Invalid(str(unsupported), expression=name) from None
                ignored.append(str(unsupported))
                continue
            chained.append((name, value))
            continue
        if not handler.supports(name):
            why = f"search parameter {name!r} is not supported for {resource_type}"
            if strict:
                raise registry.Invalid(why, expression=name)
            ignored.append(why)
            continue
        params.setdefault(name, []).append(value)
    count = _number(controls, "_count", 20)
    summary = _one_of(controls, "_summary", subsetting.SUMMARY_VALUES)
    total_mode = _one_of(controls, "_total", ("none", "estimate", "accurate"))
    elements = subsetting.element_names(controls.get("_elements", []), resource_type)
    sort: list[str] = []
    for value in controls.get("_sort", []):
        for name in filter(None, (n.strip() for n in value.split(","))):
            if name.lstrip("-") in handler.search_sorts:
                sort.append(name)
                continue
            why = f"_sort by {name.lstrip('-')!r} is not supported for {resource_type}"
            if strict:
                raise registry.Invalid(why, expression="_sort")
            ignored.append(why)
    revinclude: list[str] = []
    for value in controls.get("_revinclude", []):
        if value in revincludes(resource_type):
            revinclude.append(value)
            continue
        why = f"_revinclude {value!r} is not supported for {resource_type}"
        if strict:
            raise registry.Invalid(why, expression="_revinclude")
        ignored.append(why)
    iterate = _iterations(resource_type, controls, strict, ignored)
    only_count = count == 0 or summary == "count"
    request = SearchParams(
        params=params,
        count=max(1, min(count, 100)),
        cursor=(controls.get("_cursor") or [None])[-1],
        include=controls.get("_include", []),
        sort=sort,
        people=people,
    )
    total: int | None = None
    if only_count:
        result = SearchResult([])
    else:
        result = handler.search(ctx, request)
        total = result.total
        if revinclude:
            result.included = [
                *result.included,
                *_revinclude(ctx, resource_type, result.matches, revinclude),
            ]
        if iterate.includes or iterate.revincludes:
            result.included = [
                *result.included,
                *_iterate(ctx, resource_type, result.matches, result.included, iterate),
            ]
    # Bundle.total: counted when asked (_total, _count=0, _summary=count) or when cheap (a
    # first page narrowed by an indexed parameter); else known when one page holds everything.
    asked = only_count or total_mode in ("accurate", "estimate")
    cheap = not request.cursor and any(key.partition(":")[0] in NARROWING for key in params)
    if total is None and total_mode != "none" and handler.counts and (asked or cheap):
        total = handler.search(ctx, _count_only(request)).total
    if total is None and not request.cursor and not result.next_cursor and not only_count:
        total = len(result.matches)  # the whole answer is on this first page
    pairs = [(k, v) for k, vs in params.items() for v in vs]
    pairs += chained
    pairs += [("_include", v) for v in request.include]
    pairs += [(name, v) for name in PASSED_ON for v in controls.get(name, [])]
    pairs += [("_count", str(0 if only_count else request.count))]
    bundle: dict = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "self", "url": f"{ctx.base_url}/{resource_type}?{urlencode(pairs)}"}],
        "entry": [],
    }
    if total is not None and total_mode != "none":
        bundle["total"] = total
    if result.next_cursor:
        following = urlencode([*pairs, ("_cursor", result.next_cursor)])
        bundle["link"].append(
            {"relation": "next", "url": f"{ctx.base_url}/{resource_type}?{following}"}
        )
    for match in result.matches:
        bundle["entry"].append(
            {
                "fullUrl": f"{ctx.base_url}/{resource_type}/{match.resource['id']}",
                "resource": subsetting.subset(
                    body_of(match, resource_type), resource_type, summary, elements
                ),
                "search": {"mode": "match"},
            }
        )
    shown = {entry["fullUrl"] for entry in bundle["entry"]}
    for extra in result.included:
        kind = extra.resource.get("resourceType", "Patient")
        full_url = f"{ctx.base_url}/{kind}/{extra.resource['id']}"
        if full_url in shown:
            continue
        shown.add(full_url)
        bundle["entry"].append(
            {
                "fullUrl": full_url,
                "resource": body_of(extra, kind),
                "search": {"mode": "include"},
            }
        )
    if ignored:
        # R4 (search.html#errors): what was not used, as an OperationOutcome entry.
        bundle["entry"].append(
            {
                "resource": {
                    "resourceType": "OperationOutcome",
                    "issue": [
                        {"severity": "warning", "code": "not-supported", "diagnostics": why}
                        for why in ignored
                    ],
                },
                "search": {"mode": "outcome"},
            }
        )
    return bundle


# Controls repeated in the self and next links (the paging cursor is added per page).
PASSED_ON = (
    "_revinclude",
    "_include:iterate",
    "_include:recurse",
    "_revinclude:iterate",
    "_revinclude:recurse",
    "_sort",
    "_summary",
    "_elements",
    "_total",
)
NARROWING = ("patient", "subject", "_id", "identifier")
REVINCLUDE_LIMIT = 100  # resources revincluded per match (the first page of that search)


def revincludes(resource_type: str) -> list[str]:
    """The `_revinclude` values a type takes (ADR 0119): `T:p` for every type T whose reference
    parameter p points at it (`patient` and `subject` at Patient unless the handler says
    otherwise in `search_targets`; Task's `focus` at ServiceRequest). Each is T's own search, so
    its access rules and audit apply."""
    found = []
    for kind, handler in registry.handlers().items():
        if "search" not in handler.interactions():
            continue
        for name, param_type in handler.search_params.items():
            if param_type != "reference":
                continue
            default = ("Patient",) if name in ("patient", "subject") else ()
            if resource_type in handler.search_targets.get(name, default):
                found.append(f"{kind}:{name}")
    return found


def _revinclude(
    ctx: FhirContext, resource_type: str, matches: list[Stored], wanted: list[str]
) -> list[Stored]:
    included: list[Stored] = []
    for value in wanted:
        kind, _, name = value.partition(":")
        handler = handler_for(kind)
        if ctx.scopes is not None:
            _check_scopes(ctx, Call(method="GET", resource_type=kind))
        for match in matches:
            reference = f"{resource_type}/{match.resource['id']}"
            found = handler.search(
                ctx, SearchParams(params={name: [reference]}, count=REVINCLUDE_LIMIT)
            )
            for extra in found.matches:
                resource = dict(extra.resource)
                resource["resourceType"] = kind
                included.append(
                    Stored(resource, extra.version_id, extra.last_updated, extra.deleted)
                )
    return included


def _count_only(request: SearchParams) -> SearchParams:
    return SearchParams(
        params=request.params,
        count=request.count,
        sort=[],
        count_only=True,
        include=[],
        people=request.people,
    )


# --------------------------------------------------------------- _include/_revinclude:iterate

ITERATE_ROUNDS = 3  # R4 leaves the depth to the server; three reaches a referral's Task's patient
ITERATE_LIMIT = 1000  # resources :iterate adds to one page, all rounds together


@dataclass
class Iterations:
    includes: list[str] = field(default_factory=list)  # "Type:param" or "Type:param:Target"
    revincludes: list[str] = field(default_factory=list)


def includes(resource_type: str) -> list[str]:
    """The `_include:iterate` values a type takes: `T:p` for each reference parameter p of T
    whose targets caretrust knows (`patient`, `subject`: Patient; others as `search_targets`)."""
    handler = registry.get(resource_type)
    if handler is None or "search" not in handler.interactions():
        return []
    return [
        f"{resource_type}:{name}"
        for name, kind in handler.search_params.items()
        if kind == "reference" and chaining.targets(handler, name)
    ]


def _include_targets(value: str) -> tuple[str, ...]:
    """The types an `_include:iterate` value reaches, () when it is not one caretrust takes."""
    source, _, rest = value.partition(":")
    name, _, target = rest.partition(":")
    handler = registry.get(source)
    if handler is None or f"{source}:{name}" not in includes(source):
        return ()
    reached = chaining.targets(handler, name)
    if target:
        return (target,) if target in reached else ()
    return reached


def _iterations(
    resource_type: str, controls: dict[str, list[str]], strict: bool, ignored: list[str]
) -> Iterations:
    found = Iterations()
    asked = any(controls.get(f"_revinclude:{m}") for m in ("iterate", "recurse"))
    # Every type's `_revinclude` values: worked out only when asked (a walk of the registry).
    every_revinclude = (
        {v for kind in registry.handlers() for v in revincludes(kind)} if asked else set()
    )
    iterated = (
        ("_include", _include_targets, found.includes),
        ("_revinclude", every_revinclude.__contains__, found.revincludes),
    )
    for modifier in ("iterate", "recurse"):
        for name, supported, kept in iterated:
            key = f"{name}:{modifier}"
            for value in controls.get(key, []):
                if supported(value):
                    kept.append(value)
                    continue
                why = f"{key} {value!r} is not supported"
                if strict:
                    raise registry.Invalid(why, expression=key)
                ignored.append(why)
    return found


def _typed(stored: Stored, resource_type: str) -> Stored:
    resource = dict(stored.resource)
    resource["resourceType"] = resource_type
    return Stored(resource, stored.version_id, stored.last_updated, stored.deleted)


def _referenced(resource: dict, name: str) -> list[tuple[str, str]]:
    """(type, id) of each relative reference the element a reference parameter searches
    holds: `patient` and `subject` read the elements a record names its person in."""
    from caretrust.record.summaries import SUBJECT_PATHS

    paths = SUBJECT_PATHS if name in chaining.PATIENT_REFERENCES else (name,)
    found = []
    for path in paths:
        held = resource.get(path)
        for holder in held if isinstance(held, list) else [held]:
            reference = holder.get("reference") if isinstance(holder, dict) else None
            if isinstance(reference, str) and reference.count("/") == 1:
                kind, _, ident = reference.partition("/")
                found.append((kind, ident))
    return found


def _read_if_allowed(
    ctx: FhirContext, resource_type: str, id: str, visible: set[int]
) -> Stored | None:
    """The resource when the client may read it (its handler's read: authorised and audited),
    else None: an include shows nothing the client could not read, and says nothing of it.
    `visible`: the people whose records the client may read."""
    if resource_type == "Patient":
        from caretrust.fhir.handlers import person_for_reference

        person = person_for_reference(id)
        if person is None or person.pk not in visible:
            return None  # not asked, so no refusal is recorded for what was never requested
    try:
        return handler_for(resource_type).read(ctx, id)
    except registry.FhirError:
        return None


def _iterate(
    ctx: FhirContext,
    resource_type: str,
    matches: list[Stored],
    included: list[Stored],
    wanted: Iterations,
) -> list[Stored]:
    """`_include:iterate` and `_revinclude:iterate` applied to the matches and what was
    included, then to what that added, at most ITERATE_ROUNDS times; nothing twice."""
    for value in wanted.includes:
        for target in _include_targets(value):
            _check_scopes(ctx, Call(method="GET", resource_type=target, id="-"))
    for value in wanted.revincludes:
        _check_scopes(ctx, Call(method="GET", resource_type=value.partition(":")[0]))
    frontier = [(resource_type, m) for m in matches]
    frontier += [(i.resource.get("resourceType", "Patient"), i) for i in included]
    seen = {(kind, stored.resource.get("id")) for kind, stored in frontier}
    taken_by: dict[str, list[str]] = {}
    added: list[Stored] = []
    from caretrust.fhir.handlers import visible_person_ids

    visible = set(visible_person_ids(ctx)) if wanted.includes else set()
    for _round in range(ITERATE_ROUNDS):
        found: list[tuple[str, Stored]] = []
        for kind, stored in frontier:
            for value in wanted.includes:
                source, _, rest = value.partition(":")
                if source != kind:
                    continue
                reached = _include_targets(value)
                for target, ident in _referenced(stored.resource, rest.partition(":")[0]):
                    if target not in reached or (target, ident) in seen:
                        continue
                    seen.add((target, ident))
                    read = _read_if_allowed(ctx, target, ident, visible)
                    if read is not None:
                        found.append((target, _typed(read, target)))
            if kind not in taken_by:
                taken_by[kind] = revincludes(kind)
            for value in wanted.revincludes:
                if value not in taken_by[kind]:
                    continue
                source, _, name = value.partition(":")
                reference = f"{kind}/{stored.resource['id']}"
                result = handler_for(source).search(
                    ctx, SearchParams(params={name: [reference]}, count=REVINCLUDE_LIMIT)
                )
                for extra in result.matches:
                    if (source, extra.resource.get("id")) in seen:
                        continue
                    seen.add((source, extra.resource.get("id")))
                    found.append((source, _typed(extra, source)))
        if not found:
            break
        added += [stored for _kind, stored in found]
        if len(added) >= ITERATE_LIMIT:
            return added[:ITERATE_LIMIT]
        frontier = found
    return added


def _number(controls: dict[str, list[str]], name: str, default: int) -> int:
    text = (controls.get(name) or [str(default)])[-1]
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise registry.Invalid(f"{name} must be a whole number, 0 or more", expression=name)
    return int(text)


def _one_of(controls: dict[str, list[str]], name: str, allowed: tuple[str, ...]) -> str | None:
    values = controls.get(name)
    if not values:
        return None
    if values[-1] not in allowed:
        raise registry.Invalid(
            f"{name} must be one of {', '.join(allowed)}, not {values[-1]!r}", expression=name
        )
    return values[-1]


def history_bundle(ctx: FhirContext, resource_type: str, id: str) -> dict:
    versions = handler_for(resource_type).history(ctx, id)
    entries = []
    for i, version in enumerate(versions):
        entry: dict = {"fullUrl": f"{ctx.base_url}/{resource_type}/{id}"}
        if version.deleted:
            entry["request"] = {"method": "DELETE", "url": f"{resource_type}/{id}"}
            entry["response"] = {"status": "410", "etag": f'W/"{version.version_id}"'}
        else:
            entry["resource"] = body_of(version, resource_type)
            entry["request"] = {
                "method": "PUT" if i < len(versions) - 1 else "POST",
                "url": f"{resource_type}/{id}",
            }
            entry["response"] = {"status": "200", "etag": f'W/"{version.version_id}"'}
        entries.append(entry)
    return {"resourceType": "Bundle", "type": "history", "total": len(entries), "entry": entries}


def json_list(raw: str | bytes) -> list:
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise registry.Invalid(f"the patch is not JSON ({exc})") from None
    if not isinstance(value, list):
        raise registry.Invalid("a JSON Patch is a list of operations")
    return value

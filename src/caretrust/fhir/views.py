"""FHIR R4 REST over HTTP: authentication, content negotiation, errors as OperationOutcome.
Everything about resources is in the handlers (`registry`); this module only speaks HTTP."""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DataError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from caretrust.fhir import capability, registry
from caretrust.fhir.registry import FhirContext, FhirError, SearchParams, Stored
from caretrust.fhir.services import client_for_token
from caretrust.ingest.limits import MAX_DEPTH

logger = logging.getLogger(__name__)
CONTENT_TYPE = "application/fhir+json; charset=utf-8"
CONTROL_PARAMS = {"_count", "_cursor", "_include", "_format"}


def fhir_response(body: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def outcome(
    status: int, code: str, diagnostics: str, expression: str | None = None
) -> HttpResponse:
    issue = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    headers = {"WWW-Authenticate": 'Bearer realm="caretrust"'} if status == 401 else None
    return fhir_response({"resourceType": "OperationOutcome", "issue": [issue]}, status, headers)


def base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")


def body_of(stored: Stored, resource_type: str) -> dict:
    body = dict(stored.resource)
    body["resourceType"] = resource_type
    meta = dict(body.get("meta") or {})
    meta["versionId"] = stored.version_id
    meta["lastUpdated"] = stored.last_updated.isoformat()
    body["meta"] = meta
    return body


def _authenticate(request: HttpRequest) -> FhirContext:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise registry.Unauthorized("send a bearer token: Authorization: Bearer <token>")
    client = client_for_token(token.strip())
    if client is None:
        raise registry.Unauthorized("the bearer token is not valid or has been revoked")
    return FhirContext(user=client.user, base_url=base_url(request), client=client)


def _body(request: HttpRequest, resource_type: str) -> dict:
    content_type = request.content_type or ""
    if content_type not in ("application/fhir+json", "application/json"):
        raise UnsupportedMedia(f"send application/fhir+json, not {content_type or 'nothing'}")
    return _read_body_json(request, resource_type)


def _read_body_json(request: HttpRequest, resource_type: str) -> dict:
    try:
        raw = request.body or b""
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raise PayloadTooLarge(f"the body is larger than the limit of {limit:,} bytes") from None
    try:
        resource = json.loads(raw.removeprefix(codecs.BOM_UTF8))
    except ValueError as exc:
        raise registry.Invalid(f"the body is not JSON ({exc})") from None
    except RecursionError:
        raise registry.Invalid(f"the body is nested deeper than {MAX_DEPTH} levels") from None
    if not isinstance(resource, dict) or resource.get("resourceType") != resource_type:
        raise registry.Invalid(
            f"the body must be a {resource_type} resource", expression="resourceType"
        )
    from caretrust.ingest.checks import validate

    problems = validate(resource)
    if problems:
        field, reason = problems[0]
        raise registry.Invalid(
            f"{resource_type}.{field}: {reason}" if field else reason,
            expression=f"{resource_type}.{field}" if field else None,
        )
    return resource


class UnsupportedMedia(FhirError):
    status, code = 415, "not-supported"


class PayloadTooLarge(FhirError):
    status, code = 413, "too-costly"


def _no_nul(name: str, values: list[str]) -> None:
    """PostgreSQL refuses NUL in text: say so as a 400, before a query fails with a 500."""
    if "\x00" in name or any("\x00" in value for value in values):
        raise registry.Invalid(f"{name!r} contains a NUL character", expression=name)


def _if_match(request: HttpRequest) -> str | None:
    value = request.headers.get("If-Match")
    if value is None:
        return None
    return value.strip().removeprefix("W/").strip('"')


def _handler(resource_type: str) -> registry.ResourceHandler:
    handler = registry.get(resource_type)
    if handler is None:
        raise registry.NotFound(f"resource type {resource_type!r} is not supported here")
    return handler


def _guard(view: Callable) -> Callable:
    """Errors become OperationOutcomes; the API is public to bearer tokens, not to sessions."""

    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except FhirError as exc:
            if exc.status == 403:
                _audit_refusal(request, exc.diagnostics)
            return outcome(exc.status, exc.code, exc.diagnostics, exc.expression)
        except PermissionDenied as exc:
            _audit_refusal(request, str(exc))
            return outcome(403, "forbidden", str(exc) or "not allowed")
        except (DataError, ValueError, TypeError):
            # Input that got past validation and a handler could not take: the client still
            # gets a 4xx, but it is logged with its traceback as an error, because it means a
            # check is missing (the fuzz test fails on these logs). Anything else stays a 500.
            logger.exception("unvalidated input reached %s %s", request.method, request.path)
            return outcome(400, "invalid", "the request could not be processed as sent")

    wrapped.__name__ = view.__name__
    return csrf_exempt(login_not_required(wrapped))


def _audit_refusal(request: HttpRequest, reason: str) -> None:
    """FHIR refusals are audited like the web's, naming the client's service account."""
    from caretrust.access.middleware import audit_refusal

    header = request.headers.get("Authorization", "")
    client = client_for_token(header.partition(" ")[2].strip()) if header else None
    audit_refusal(client.user if client else None, reason, path=request.path, via="fhir")


def _located(ctx: FhirContext, resource_type: str, stored: Stored) -> dict:
    rid = stored.resource.get("id")
    return {
        "ETag": f'W/"{stored.version_id}"',
        "Last-Modified": stored.last_updated.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Location": f"{ctx.base_url}/{resource_type}/{rid}/_history/{stored.version_id}",
    }


@_guard
def metadata(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        raise registry.NotSupported("metadata is read with GET")
    return fhir_response(capability.statement(base_url(request)))


@_guard
def type_endpoint(request: HttpRequest, resource_type: str) -> HttpResponse:
    ctx = _authenticate(request)
    handler = _handler(resource_type)
    if request.method == "GET":
        return _search(request, ctx, handler, resource_type)
    if request.method == "POST":
        resource = _body(request, resource_type)
        condition = request.headers.get("If-None-Exist")
        if condition is not None:
            existing = _conditional_match(ctx, handler, condition)
            if existing is not None:
                return fhir_response(
                    body_of(existing, resource_type), 200, _located(ctx, resource_type, existing)
                )
        created = handler.create(ctx, resource)
        return fhir_response(
            body_of(created, resource_type), 201, _located(ctx, resource_type, created)
        )
    raise registry.NotSupported(f"{request.method} is not supported on /{resource_type}")


def _conditional_match(
    ctx: FhirContext, handler: registry.ResourceHandler, condition: str
) -> Stored | None:
    """FHIR conditional create: the one resource the criteria find (None when none; 412 when
    several, as the specification says)."""
    criteria: dict[str, list[str]] = {}
    for name, value in parse_qsl(condition.lstrip("?"), keep_blank_values=False):
        _no_nul(name, [value])
        criteria.setdefault(name, []).append(value)
    if not criteria:
        raise registry.Invalid("If-None-Exist needs search criteria, e.g. identifier=system|value")
    result = handler.search(ctx, registry.SearchParams(params=criteria, count=2))
    if len(result.matches) > 1:
        raise registry.PreconditionFailed(
            f"If-None-Exist {condition!r} matches more than one resource"
        )
    return result.matches[0] if result.matches else None


def _search(request, ctx, handler, resource_type) -> HttpResponse:
    params: dict[str, list[str]] = {}
    for name in request.GET:
        _no_nul(name, request.GET.getlist(name))
        if name in CONTROL_PARAMS:
            continue
        if name not in handler.search_params:
            raise registry.Invalid(
                f"search parameter {name!r} is not supported for {resource_type}", expression=name
            )
        params[name] = request.GET.getlist(name)
    try:
        count = int(request.GET.get("_count", 20))
    except ValueError:
        raise registry.Invalid("_count must be a number", expression="_count") from None
    search = SearchParams(
        params=params,
        count=max(1, min(count, 100)),
        cursor=request.GET.get("_cursor"),
        include=request.GET.getlist("_include"),
    )
    result = handler.search(ctx, search)
    query = [(k, v) for k, vs in params.items() for v in vs]
    query += [("_include", v) for v in search.include] + [("_count", str(search.count))]
    self_url = f"{ctx.base_url}/{resource_type}?{urlencode(query)}"
    bundle: dict = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "self", "url": self_url}],
        "entry": [],
    }
    if result.total is not None:
        bundle["total"] = result.total
    if result.next_cursor:
        next_query = [*query, ("_cursor", result.next_cursor)]
        bundle["link"].append(
            {"relation": "next", "url": f"{ctx.base_url}/{resource_type}?{urlencode(next_query)}"}
        )
    for match in result.matches:
        bundle["entry"].append(
            {
                "fullUrl": f"{ctx.base_url}/{resource_type}/{match.resource['id']}",
                "resource": body_of(match, resource_type),
                "search": {"mode": "match"},
            }
        )
    for extra in result.included:
        kind = extra.resource.get("resourceType", "Patient")
        bundle["entry"].append(
            {
                "fullUrl": f"{ctx.base_url}/{kind}/{extra.resource['id']}",
                "resource": body_of(extra, kind),
                "search": {"mode": "include"},
            }
        )
    return fhir_response(bundle)


@_guard
def instance_endpoint(request: HttpRequest, resource_type: str, id: str) -> HttpResponse:
    ctx = _authenticate(request)
    handler = _handler(resource_type)
    if request.method == "GET":
        found = handler.read(ctx, id)
        headers = _located(ctx, resource_type, found)
        headers.pop("Location")
        return fhir_response(body_of(found, resource_type), 200, headers)
    if request.method == "PUT":
        resource = _body(request, resource_type)
        if resource.get("id") not in (None, id):
            raise registry.Invalid(
                f"the body's id {resource.get('id')!r} is not {id!r}", expression="id"
            )
        updated = handler.update(ctx, id, resource, _if_match(request))
        return fhir_response(
            body_of(updated, resource_type), 200, _located(ctx, resource_type, updated)
        )
    if request.method == "DELETE":
        handler.delete(ctx, id)
        return HttpResponse(status=204)
    raise registry.NotSupported(f"{request.method} is not supported on /{resource_type}/{id}")


@_guard
def history_endpoint(request: HttpRequest, resource_type: str, id: str) -> HttpResponse:
    ctx = _authenticate(request)
    if request.method != "GET":
        raise registry.NotSupported("history is read with GET")
    versions = _handler(resource_type).history(ctx, id)
    entries = [
        {
            "fullUrl": f"{ctx.base_url}/{resource_type}/{id}",
            "resource": body_of(v, resource_type),
            "request": {
                "method": "PUT" if i < len(versions) - 1 else "POST",
                "url": f"{resource_type}/{id}",
            },
            "response": {"status": "200", "etag": f'W/"{v.version_id}"'},
        }
        for i, v in enumerate(versions)
    ]
    return fhir_response(
        {"resourceType": "Bundle", "type": "history", "total": len(entries), "entry": entries}
    )


@_guard
def vread_endpoint(request: HttpRequest, resource_type: str, id: str, vid: str) -> HttpResponse:
    ctx = _authenticate(request)
    if request.method != "GET":
        raise registry.NotSupported("vread is read with GET")
    handler = _handler(resource_type)
    if not (vid.isascii() and vid.isdigit()) or len(vid) > 18:
        # Versions here are whole numbers: anything else names no version.
        raise registry.NotFound(f"{resource_type}/{id} has no version {vid!r}")
    found = handler.vread(ctx, id, vid)
    headers = _located(ctx, resource_type, found)
    headers.pop("Location")
    return fhir_response(body_of(found, resource_type), 200, headers)


@_guard
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    raise registry.NotFound(f"no FHIR endpoint at /fhir/{rest}")

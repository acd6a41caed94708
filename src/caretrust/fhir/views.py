"""FHIR R4 REST over HTTP: authentication, content negotiation, errors as OperationOutcome.
Everything about resources is in the handlers (`registry`); this module only speaks HTTP."""

from __future__ import annotations

import codecs
import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.db import DataError, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt

from caretrust.fhir import bundles, capability, formats, registry
from caretrust.fhir.interactions import Answer, Call, bare_version, body_of, json_list, perform
from caretrust.fhir.registry import FhirContext, FhirError, Stored
from caretrust.fhir.smart import bearer, refusal
from caretrust.ingest.limits import MAX_DEPTH

logger = logging.getLogger(__name__)
CONTENT_TYPE = "application/fhir+json; charset=utf-8"
PATCH_TYPES = ("application/json-patch+json",)
PREFER_RETURN = ("minimal", "representation", "OperationOutcome")


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


def _authenticate(request: HttpRequest) -> FhirContext:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise registry.Unauthorized("send a bearer token: Authorization: Bearer <token>")
    found = bearer(token.strip())
    if found is None:
        raise registry.Unauthorized("the bearer token is not valid, has expired or been revoked")
    match = request.resolver_match
    refused = refusal(
        found,
        request.method or "",
        match.url_name if match else "",
        (match.kwargs.get("resource_type", "") if match else ""),
        request.GET.getlist("_include"),
    )
    if refused:
        raise registry.Forbidden(refused)
    return FhirContext(
        user=found.client.user, base_url=base_url(request), client=found.client, scopes=found.scopes
    )


def _body(request: HttpRequest, resource_type: str) -> dict:
    # JSON or XML (formats.body_format refuses anything else with 415)
    fmt = formats.body_format(request.headers.get("Content-Type", ""))
    return _read_body_json(request, resource_type, xml=fmt == formats.XML)


def _raw_body(request: HttpRequest) -> bytes:
    try:
        return request.body or b""
    except RequestDataTooBig:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raise PayloadTooLarge(f"the body is larger than the limit of {limit:,} bytes") from None


def _read_body_json(request: HttpRequest, resource_type: str, *, xml: bool = False) -> dict:
    raw = _raw_body(request)
    try:
        resource = formats.from_xml(raw) if xml else json.loads(raw.removeprefix(codecs.BOM_UTF8))
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


UnsupportedMedia = formats.UnsupportedMedia


class PayloadTooLarge(FhirError):
    status, code = 413, "too-costly"


def prefer_return(request: HttpRequest) -> str:
    """`Prefer: return=minimal | representation | OperationOutcome` (representation unless
    asked otherwise)."""
    for part in request.headers.get("Prefer", "").split(";"):
        name, _, value = part.strip().partition("=")
        if name.strip() == "return" and value.strip().strip('"') in PREFER_RETURN:
            return value.strip().strip('"')
    return "representation"


def prefer_strict(request: HttpRequest) -> bool:
    """`Prefer: handling=strict` (R4 search.html#errors); lenient unless asked."""
    header = request.headers.get("Prefer", "").replace(";", ",")
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name.strip() == "handling" and value.strip().strip('"') == "strict":
            return True
    return False


def _guard(view: Callable) -> Callable:
    """Errors become OperationOutcomes; the API is public to bearer tokens, not to sessions."""

    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            fmt = formats.negotiate(request.GET.get("_format"), request.headers.get("Accept"))
        except FhirError as exc:  # 406: said in JSON, the one format every client reads
            return outcome(exc.status, exc.code, exc.diagnostics, exc.expression)
        response = _answer(view, request, *args, **kwargs)
        if (
            fmt == formats.XML
            and response.content  # 204, 304 and return=minimal have no body to convert
            and response.get("Content-Type", "").startswith("application/fhir+json")
        ):
            try:
                xml = formats.to_xml(json.loads(response.content))
            except FhirError as exc:
                return outcome(exc.status, exc.code, exc.diagnostics, exc.expression)
            response.content = xml
            response["Content-Type"] = formats.CONTENT_TYPES[formats.XML]
        return response

    wrapped.__name__ = view.__name__
    return csrf_exempt(login_not_required(wrapped))


def _answer(view: Callable, request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """The view's response, or its error as an OperationOutcome."""
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


def _audit_refusal(request: HttpRequest, reason: str) -> None:
    """FHIR refusals are audited like the web's, naming the client's service account."""
    from caretrust.access.middleware import audit_refusal

    header = request.headers.get("Authorization", "")
    found = bearer(header.partition(" ")[2].strip()) if header else None
    audit_refusal(found.client.user if found else None, reason, path=request.path, via="fhir")


def located(ctx: FhirContext, resource_type: str, stored: Stored) -> dict:
    rid = stored.resource.get("id")
    return {
        "ETag": f'W/"{stored.version_id}"',
        "Last-Modified": stored.last_updated.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        "Location": f"{ctx.base_url}/{resource_type}/{rid}/_history/{stored.version_id}",
    }


def _respond(ctx: FhirContext, answer: Answer, prefer: str = "representation") -> HttpResponse:
    """An answer as HTTP: the resource (or what `Prefer: return=` asks for), its ETag and
    Last-Modified, and, for a write, its Location."""
    if answer.bundle is not None:
        return fhir_response(answer.bundle, answer.status)
    if answer.stored is None:
        return HttpResponse(status=answer.status, content_type=CONTENT_TYPE)
    headers = located(ctx, answer.resource_type, answer.stored)
    if not answer.located:
        headers.pop("Location")
    if answer.status == 304:
        return HttpResponse(status=304, headers=headers, content_type=CONTENT_TYPE)
    if answer.located and prefer == "minimal":
        return HttpResponse(status=answer.status, headers=headers, content_type=CONTENT_TYPE)
    if answer.located and prefer == "OperationOutcome":
        return fhir_response(bundles.success_outcome(answer), answer.status, headers)
    return fhir_response(body_of(answer.stored, answer.resource_type), answer.status, headers)


def _call(request: HttpRequest, resource_type: str, id: str | None = None) -> Call:
    call = Call(
        method=request.method or "GET",
        resource_type=resource_type,
        id=id,
        query=[(k, v) for k in request.GET for v in request.GET.getlist(k)],
        if_match=bare_version(request.headers.get("If-Match")),
        if_none_exist=request.headers.get("If-None-Exist"),
        if_none_match=bare_version(request.headers.get("If-None-Match")),
        strict=prefer_strict(request),
    )
    if call.method in ("POST", "PUT"):
        call.resource = _body(request, resource_type)
    elif call.method == "PATCH":
        if (request.content_type or "") not in PATCH_TYPES:
            raise UnsupportedMedia(
                "send a JSON Patch as application/json-patch+json, not "
                f"{request.content_type or 'nothing'}"
            )
        call.patch = json_list(_raw_body(request))
    return call


@_guard
def metadata(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        raise registry.NotSupported("metadata is read with GET")
    return fhir_response(capability.statement(base_url(request)))


@_guard
def base_endpoint(request: HttpRequest) -> HttpResponse:
    """`POST [base]` with a transaction or batch Bundle (ADR 109)."""
    ctx = _authenticate(request)
    if request.method != "POST":
        raise registry.NotSupported(
            f"{request.method} is not supported on the base: POST a transaction or batch Bundle"
        )
    bundle = _body(request, "Bundle")
    return fhir_response(bundles.process(ctx, bundle, prefer_return(request)))


@_guard
def type_endpoint(request: HttpRequest, resource_type: str) -> HttpResponse:
    ctx = _authenticate(request)
    if request.method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        raise registry.NotSupported(f"{request.method} is not supported on /{resource_type}")
    call = _call(request, resource_type)
    if call.method in ("PUT", "PATCH", "DELETE"):
        with transaction.atomic():
            answer = perform(ctx, call)
    else:
        answer = perform(ctx, call)
    return _respond(ctx, answer, prefer_return(request))


FORM = "application/x-www-form-urlencoded"


@_guard
def search_endpoint(request: HttpRequest, resource_type: str) -> HttpResponse:
    """`POST [type]/_search`: the parameters in a form body (and the query), the same search as
    GET (R4 http.html#search, ADR 0119)."""
    ctx = _authenticate(request)
    if request.method != "POST":
        raise registry.NotSupported(f"_search is POSTed; GET /{resource_type}?... searches too")
    if (request.content_type or "") != FORM:
        raise UnsupportedMedia(f"send the search parameters as {FORM}")
    query = [(k, v) for k in request.GET for v in request.GET.getlist(k)]
    form = QueryDict(_raw_body(request), encoding=request.encoding or "utf-8")
    query += [(k, v) for k in form for v in form.getlist(k)]
    if form.getlist("_include") and ctx.scopes is not None:
        from caretrust.fhir.smart import permits

        if not permits(ctx.scopes, "Patient", "read"):
            raise registry.Forbidden(
                f"_include returns Patients: the token's scopes ({ctx.scopes}) do not read them"
            )
    call = Call(method="GET", resource_type=resource_type, query=query)
    call.strict = prefer_strict(request)
    return _respond(ctx, perform(ctx, call))


@_guard
def instance_endpoint(request: HttpRequest, resource_type: str, id: str) -> HttpResponse:
    ctx = _authenticate(request)
    if request.method not in ("GET", "PUT", "PATCH", "DELETE"):
        raise registry.NotSupported(f"{request.method} is not supported on /{resource_type}/{id}")
    call = _call(request, resource_type, id)
    if call.method == "GET":
        answer = perform(ctx, call)
    else:
        with transaction.atomic():  # a patch reads, then writes the version it read
            answer = perform(ctx, call)
    return _respond(ctx, answer, prefer_return(request))


@_guard
def history_endpoint(request: HttpRequest, resource_type: str, id: str) -> HttpResponse:
    from caretrust.fhir.interactions import history_bundle

    ctx = _authenticate(request)
    if request.method != "GET":
        raise registry.NotSupported("history is read with GET")
    return fhir_response(history_bundle(ctx, resource_type, id))


@_guard
def type_history_endpoint(request: HttpRequest, resource_type: str) -> HttpResponse:
    """`GET [type]/_history` (ADR 0121)."""
    from caretrust.fhir import history

    ctx = _authenticate(request)
    if request.method != "GET":
        raise registry.NotSupported("history is read with GET")
    return fhir_response(history.type_history(ctx, resource_type, _query(request)))


@_guard
def system_history_endpoint(request: HttpRequest) -> HttpResponse:
    """`GET [base]/_history` (ADR 0121): the types the token may search (SMART v2: history-system
    is an "s")."""
    from caretrust.fhir import history

    ctx = _authenticate(request)
    if request.method != "GET":
        raise registry.NotSupported("history is read with GET")
    return fhir_response(history.system_history(ctx, _query(request)))


def _query(request: HttpRequest) -> list[tuple[str, str]]:
    return [(k, v) for k in request.GET for v in request.GET.getlist(k)]


@_guard
def vread_endpoint(request: HttpRequest, resource_type: str, id: str, vid: str) -> HttpResponse:
    ctx = _authenticate(request)
    if request.method != "GET":
        raise registry.NotSupported("vread is read with GET")
    if not (vid.isascii() and vid.isdigit()) or len(vid) > 18:
        # Versions here are whole numbers: anything else names no version.
        raise registry.NotFound(f"{resource_type}/{id} has no version {vid!r}")
    call = Call(method="GET", resource_type=resource_type, id=id, vid=vid)
    return _respond(ctx, perform(ctx, call))


@_guard
def everything(request: HttpRequest, id: str) -> HttpResponse:
    """`GET` (or `POST`, parameters in the query) `Patient/[id]/$everything` (ADR 118)."""
    from caretrust.fhir.everything import everything as operation

    ctx = _authenticate(request)
    if request.method not in ("GET", "POST"):
        raise registry.NotSupported(f"{request.method} is not supported on $everything")
    query = [(k, v) for k in request.GET for v in request.GET.getlist(k)]
    if request.method == "POST" and _raw_body(request).strip():
        query += _operation_parameters(_body(request, "Parameters"))
    return fhir_response(operation(ctx, id, query))


def _operation_parameters(body: dict) -> list[tuple[str, str]]:
    """A `Parameters` resource's parameters as query pairs (each a simple value)."""
    pairs = []
    for n, parameter in enumerate(body.get("parameter") or []):
        values = [v for k, v in parameter.items() if k.startswith("value")]
        if len(values) != 1 or not isinstance(values[0], str | int):
            raise registry.Invalid(
                f"Parameters.parameter[{n}] needs one simple value",
                expression=f"Parameters.parameter[{n}]",
            )
        pairs.append((str(parameter.get("name", "")), str(values[0])))
    return pairs


@_guard
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    raise registry.NotFound(f"no FHIR endpoint at /fhir/{rest}")


# ------------------------------------------------------------------ Bulk Data $export (ADR 117)


def _kick_off(request: HttpRequest, level: str, group: str | None = None) -> HttpResponse:
    from caretrust.fhir import bulk_export

    ctx = _authenticate(request)
    if request.method != "GET":
        raise registry.NotSupported("$export is started with GET")
    types, since = bulk_export.parse_kick_off(
        [(k, v) for k in request.GET for v in request.GET.getlist(k)],
        request.headers.get("Prefer", ""),
        request.headers.get("Accept", ""),
    )
    job = bulk_export.kick_off(
        ctx, level, group, request.build_absolute_uri(), types=types, since=since
    )
    status_url = f"{ctx.base_url}/bulk-status/{job.pk}"
    return HttpResponse(status=202, headers={"Content-Location": status_url})


def _bulk(view: Callable) -> Callable:
    """Like `_guard`, but without format negotiation: the kick-off checks its own Accept, the
    status answers JSON, files are NDJSON."""

    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        return _answer(view, request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    return csrf_exempt(login_not_required(wrapped))


@_bulk
def export_system(request: HttpRequest) -> HttpResponse:
    return _kick_off(request, "system")


@_bulk
def export_patients(request: HttpRequest) -> HttpResponse:
    return _kick_off(request, "patient")


@_bulk
def export_group(request: HttpRequest, id: str) -> HttpResponse:
    return _kick_off(request, "group", id)


@_bulk
def export_status(request: HttpRequest, job) -> HttpResponse:
    from caretrust.fhir import bulk_export
    from caretrust.jobs.models import Job

    ctx = _authenticate(request)
    found = bulk_export.job_for(ctx, str(job))
    if request.method == "DELETE":
        bulk_export.cancel(ctx, found)
        return HttpResponse(status=202)
    if request.method != "GET":
        raise registry.NotSupported("an export's status is read with GET, cancelled with DELETE")
    if found.status == Job.Status.DONE:
        return HttpResponse(
            json.dumps(bulk_export.manifest_of(found)),
            content_type="application/json",
            headers={"Cache-Control": "no-store"},
        )
    if found.status == Job.Status.FAILED:
        return outcome(500, "exception", f"the export failed: {found.error}"[:500])
    return HttpResponse(
        status=202,
        headers={
            "X-Progress": f"{found.get_status_display()}: {found.progress}% {found.message}"[:100],
            "Retry-After": "2",
        },
    )


@_bulk
def export_file(request: HttpRequest, job, name: str) -> HttpResponse:
    from django.http import FileResponse

    from caretrust.fhir import bulk_export

    ctx = _authenticate(request)
    if request.method != "GET":
        raise registry.NotSupported("an export's file is read with GET")
    found = bulk_export.job_for(ctx, str(job))
    path, _count = bulk_export.file_for(ctx, found, f"{name}.ndjson")
    return FileResponse(path.open("rb"), content_type="application/fhir+ndjson")

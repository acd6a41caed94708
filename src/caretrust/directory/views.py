"""The read-only Open Referral UK API over the directory. Public (the directory holds no personal
data) and rate-safe: GET only, bounded pages (`per_page` at most 100), bounded search text, and a
per-address allowance of requests a minute (429 with Retry-After beyond it)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from caretrust.directory import oruk, selectors

MAX_PER_PAGE = 100
DEFAULT_PER_PAGE = 50
DEFAULT_REQUESTS_PER_MINUTE = 120


def _limited(request: HttpRequest) -> JsonResponse | None:
    allowance = getattr(settings, "CARETRUST_ORUK_REQUESTS_PER_MINUTE", DEFAULT_REQUESTS_PER_MINUTE)
    key = f"oruk-rate:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60)
        count = 1
    if count > allowance:
        response = JsonResponse({"error": "Too many requests: try again in a minute."}, status=429)
        response["Retry-After"] = "60"
        return response
    return None


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=400)


def _positive(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 6:
        raise ValueError(f"{name} must be a whole number from 1")
    return int(raw)


def _api(view):
    def wrapped(request: HttpRequest, *args, **kwargs):
        limited = _limited(request)
        if limited is not None:
            return limited
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return login_not_required(require_GET(wrapped))


@_api
def api_info(request: HttpRequest) -> JsonResponse:
    """`/`: the API's HSDS version and profile."""
    return JsonResponse(oruk.api_info())


# Query parameters every list accepts; `format` only as "json" (HSDS: the response's format).
PAGING = {"page", "per_page", "format"}
TRUE, FALSE = {"true", "1"}, {"false", "0"}


class BadRequest(ValueError):
    """A query parameter the endpoint cannot honour: answered 400 naming it, never ignored."""


def _only(request: HttpRequest, allowed: set[str]) -> None:
    """Refuse, naming it, any parameter this endpoint does not support (a filter silently
    ignored would answer a question the client did not ask)."""
    unknown = sorted(set(request.GET) - allowed - PAGING)
    if unknown:
        raise BadRequest(
            f"{unknown[0]} is not supported here (supported: {', '.join(sorted(allowed | PAGING))})"
        )
    if request.GET.get("format", "json") != "json":
        raise BadRequest("format must be json")


def _boolean(request: HttpRequest, name: str) -> bool:
    raw = request.GET.get(name, "").lower()
    if raw in TRUE:
        return True
    if raw in FALSE or raw == "":
        return False
    raise BadRequest(f"{name} must be true or false")


def _search(request: HttpRequest) -> str:
    """`search` (HSDS 3.0) or `text` (the name this API first used): every word must match."""
    text = request.GET.get("search", "") or request.GET.get("text", "")
    if len(text) > selectors.MAX_TEXT:
        raise BadRequest(f"search must be at most {selectors.MAX_TEXT} characters")
    return text


def _paged(request: HttpRequest, items, present) -> JsonResponse:
    """One ORUK page of `items` (a queryset or a list), each shown by `present`."""
    try:
        page_number = _positive(request, "page", 1)
        per_page = _positive(request, "per_page", DEFAULT_PER_PAGE)
    except ValueError as error:
        raise BadRequest(str(error)) from error
    if per_page > MAX_PER_PAGE:
        raise BadRequest(f"per_page must be at most {MAX_PER_PAGE}")
    total = items.count() if hasattr(items, "count") and not isinstance(items, list) else len(items)
    start = (page_number - 1) * per_page
    shown = [present(i) for i in items[start : start + per_page]] if total else []
    return JsonResponse(oruk.page(shown, total=total, page_number=page_number, size=per_page))


def _refusing_bad_input(view):
    def wrapped(request: HttpRequest, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadRequest as error:
            return _bad(str(error))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _not_found(what: str) -> JsonResponse:
    return JsonResponse({"error": f"No {what} with that id."}, status=404)


def _filtered_services(request: HttpRequest):
    """Services filtered by the HSDS `/services` parameters caretrust supports."""
    found = selectors.services(
        text=_search(request), category=request.GET.get("taxonomy_term", "")[:100]
    )
    term_ids = set(request.GET.getlist("taxonomy_term_id")) - {""}
    taxonomy_id = request.GET.get("taxonomy_id", "")
    if term_ids or taxonomy_id:
        found = selectors.services_with_terms(found, term_ids=term_ids, taxonomy_id=taxonomy_id)
    if request.GET.get("organization_id"):
        found = found.filter(organization__oruk_id=request.GET["organization_id"])
    return found


SERVICE_FILTERS = {"search", "text", "taxonomy_term", "taxonomy_term_id", "taxonomy_id"}


@_api
@_refusing_bad_input
def services(request: HttpRequest) -> JsonResponse:
    """`/services`: a page of services, filtered by `search` (or `text`), `taxonomy_term_id`,
    `taxonomy_id`, `organization_id`, `taxonomy_term` (a term's name); `full` gives each in full."""
    _only(request, SERVICE_FILTERS | {"organization_id", "full"})
    if _boolean(request, "full"):
        return _paged(
            request, selectors.with_details(_filtered_services(request)), oruk.service_full
        )
    return _paged(request, _filtered_services(request), oruk.service_summary)


@_api
def service(request: HttpRequest, oruk_id: str) -> JsonResponse:
    """`/services/{id}`: one service in full."""
    found = selectors.service(oruk_id[:250])
    if found is None:
        return _not_found("service")
    return JsonResponse(oruk.service_full(found))


@_api
@_refusing_bad_input
def organizations(request: HttpRequest) -> JsonResponse:
    """`/organizations`: a page of organizations, filtered by `search`, `taxonomy_term_id` and
    `taxonomy_id` (organizations running a service with such a term); `full_service` or `full`
    nests their services (in full with `full_service`)."""
    _only(request, {"search", "taxonomy_term_id", "taxonomy_id", "full_service", "full"})
    found = selectors.organisations(text=_search(request))
    term_ids = set(request.GET.getlist("taxonomy_term_id")) - {""}
    taxonomy_id = request.GET.get("taxonomy_id", "")
    if term_ids or taxonomy_id:
        running = selectors.services_with_terms(
            selectors.services(), term_ids=term_ids, taxonomy_id=taxonomy_id
        )
        found = found.filter(pk__in=running.values("organization_id"))
    full_service, full = _boolean(request, "full_service"), _boolean(request, "full")
    if not (full_service or full):
        return _paged(request, found, oruk.organization_summary)
    return _paged(request, found, lambda org: _organization(org, full_service=full_service))


def _organization(org, *, full_service: bool) -> dict:
    services = selectors.services().filter(organization=org)
    if full_service:
        services = selectors.with_details(services)
    return oruk.organization_full(org, list(services), full_service=full_service)


@_api
@_refusing_bad_input
def organization(request: HttpRequest, oruk_id: str) -> JsonResponse:
    """`/organizations/{id}`: the organization with its services (in full with
    `full_service`)."""
    _only(request, {"full_service"})
    found = selectors.organisation(oruk_id[:250])
    if found is None:
        return _not_found("organization")
    return JsonResponse(_organization(found, full_service=_boolean(request, "full_service")))


@_api
@_refusing_bad_input
def service_at_locations(request: HttpRequest) -> JsonResponse:
    """`/service_at_locations`: a page of services at their locations, filtered as services are
    (`search`, `taxonomy_term_id`, `taxonomy_id`, `organization_id`); `full` gives each in full."""
    _only(request, {"search", "taxonomy_term_id", "taxonomy_id", "organization_id", "full"})
    found = selectors.services_at_locations().filter(service__in=_filtered_services(request))
    present = (
        oruk.service_at_location_full
        if _boolean(request, "full")
        else oruk.service_at_location_summary
    )
    return _paged(request, found, present)


@_api
def service_at_location(request: HttpRequest, oruk_id: str) -> JsonResponse:
    """`/service_at_locations/{id}`: the service at that location, the service in full."""
    found = selectors.service_at_location(oruk_id[:250])
    if found is None:
        return _not_found("service_at_location")
    return JsonResponse(oruk.service_at_location_full(found))


@_api
@_refusing_bad_input
def taxonomies(request: HttpRequest) -> JsonResponse:
    """`/taxonomies`: a page of the taxonomies the directory's terms come from (`search` on the
    name or description)."""
    _only(request, {"search"})
    words = _search(request).lower().split()
    found = [
        t
        for t in selectors.taxonomies()
        if all(w in f"{t['name']} {t['description']}".lower() for w in words)
    ]
    return _paged(request, found, lambda t: t)


@_api
def taxonomy(request: HttpRequest, oruk_id: str) -> JsonResponse:
    """`/taxonomies/{id}`: one taxonomy."""
    found = next((t for t in selectors.taxonomies() if t["id"] == oruk_id), None)
    if found is None:
        return _not_found("taxonomy")
    return JsonResponse(found)


@_api
@_refusing_bad_input
def taxonomy_terms(request: HttpRequest) -> JsonResponse:
    """`/taxonomy_terms`: a page of the terms the directory's services carry. Filters (HSDS 3.0):
    `search` (name, code or description, every word), `taxonomy_id`, `parent_id`, `top_only`
    (terms without a parent); and, from earlier ORUK versions, `vocabulary` (the taxonomy's
    name) and `term` (the term's name, exactly, ignoring case)."""
    _only(request, {"search", "taxonomy_id", "parent_id", "top_only", "vocabulary", "term"})
    words = _search(request).lower().split()
    found = selectors.taxonomy_terms()
    found = [
        t
        for t in found
        if all(w in f"{t['name']} {t['code'] or ''} {t['description']}".lower() for w in words)
    ]
    if "taxonomy_id" in request.GET:
        found = [t for t in found if t["taxonomy_id"] == request.GET["taxonomy_id"]]
    if "parent_id" in request.GET:
        found = [t for t in found if t["parent_id"] == request.GET["parent_id"]]
    if _boolean(request, "top_only"):
        found = [t for t in found if not t["parent_id"]]
    if "vocabulary" in request.GET:
        vocabulary = request.GET["vocabulary"].strip().lower()
        found = [t for t in found if (t["taxonomy"] or "").lower() == vocabulary]
    if "term" in request.GET:
        name = request.GET["term"].strip().lower()
        found = [t for t in found if t["name"].lower() == name]
    return _paged(request, found, oruk.taxonomy_term)


@_api
def taxonomy_term(request: HttpRequest, oruk_id: str) -> JsonResponse:
    """`/taxonomy_terms/{id}`: one term, with its taxonomy as `taxonomy_detail`."""
    found = next((t for t in selectors.taxonomy_terms() if t["id"] == oruk_id), None)
    if found is None:
        return _not_found("taxonomy term")
    taxonomy = next((t for t in selectors.taxonomies() if t["id"] == found["taxonomy_id"]), None)
    return JsonResponse(oruk.taxonomy_term(found, taxonomy=taxonomy))

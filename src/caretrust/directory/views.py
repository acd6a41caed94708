"""The read-only Open Referral UK API over the directory. Public (the directory holds no personal
data) and rate-safe: GET only, bounded pages (`per_page` at most 100), bounded search text, and a
per-address allowance of requests a minute (429 with Retry-After beyond it)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, JsonResponse
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


@_api
def services(request: HttpRequest) -> JsonResponse:
    """`/services`: a page of services, filtered by `text`, `page` and `per_page`."""
    try:
        page_number = _positive(request, "page", 1)
        per_page = _positive(request, "per_page", DEFAULT_PER_PAGE)
    except ValueError as error:
        return _bad(str(error))
    if per_page > MAX_PER_PAGE:
        return _bad(f"per_page must be at most {MAX_PER_PAGE}")
    text = request.GET.get("text", "")
    if len(text) > selectors.MAX_TEXT:
        return _bad(f"text must be at most {selectors.MAX_TEXT} characters")
    found = selectors.services(text=text, category=request.GET.get("taxonomy_term", "")[:100])
    total = found.count()
    start = (page_number - 1) * per_page
    items = [oruk.service_summary(s) for s in found[start : start + per_page]] if total else []
    return JsonResponse(oruk.page(items, total=total, page_number=page_number, size=per_page))


@_api
def service(request: HttpRequest, oruk_id: str) -> JsonResponse:
    """`/services/{id}`: one service in full."""
    found = selectors.service(oruk_id[:250])
    if found is None:
        raise Http404("No service with that id.")
    return JsonResponse(oruk.service_full(found))

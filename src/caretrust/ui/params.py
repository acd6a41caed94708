"""Query and form parameters read safely: a value that is not what a page expects is a 400 with
the NHS.UK error page naming the parameter, never a 500 (issue 13, ADR 46)."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render


class BadParameter(BadRequest):
    pass


def int_param(
    values: QueryDict,
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    """`values[name]` as a whole number (the default when absent or blank); a 400 otherwise."""
    raw = (values.get(name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.lstrip("-").isdigit()) or len(raw) > 18:
        raise BadParameter(f"{name} must be a whole number, not {raw[:40]!r}")
    number = int(raw)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise BadParameter(f"{name} must be between {minimum} and {maximum}")
    return number


def uuid_list(values: QueryDict, name: str) -> list[str]:
    """`values.getlist(name)` where each must be a UUID (an object's ref); a 400 otherwise."""
    found = values.getlist(name)
    for value in found:
        try:
            uuid.UUID(value)
        except ValueError:
            raise BadParameter(f"{name} must be an id, not {value[:40]!r}") from None
    return found


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: the NHS.UK error page, saying which parameter was wrong when we know."""
    reason = str(exception) if isinstance(exception, BadParameter) else ""
    return render(request, "400.html", {"page_title": "Bad request", "reason": reason}, status=400)


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefuseNulMiddleware:
    """A NUL character in a page's address or query is refused with a 400 here: PostgreSQL
    refuses NUL in text, so it would otherwise reach a query and end in a 500. Posted form fields
    too: Django's form fields refuse NUL, but a few views read a field directly. The FHIR API
    answers for itself, with an OperationOutcome."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/fhir/"):
            if "\x00" in request.path:
                raise BadParameter("the address contains a NUL character")
            forms = [request.GET]
            if request.method == "POST" and request.content_type in FORM_TYPES:
                forms.append(request.POST)  # CSRF reads it anyway; views that skip forms too
            for form in forms:
                for name, values in form.lists():
                    if "\x00" in name or any("\x00" in value for value in values):
                        raise BadParameter(f"{name[:40]} contains a NUL character")
        return self.get_response(request)

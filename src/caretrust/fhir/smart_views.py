"""HTTP of SMART Backend Services (ADR 113): the discovery document and the token endpoint.
The work is in `caretrust.fhir.smart`."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from caretrust.fhir import smart


def token_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("fhir:token"))


def _json(body: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    # RFC 6749 section 5.1: token responses are never cached.
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@login_not_required
def smart_configuration(request: HttpRequest) -> HttpResponse:
    if request.method != "GET":
        return _json({"error": "invalid_request", "error_description": "read it with GET"}, 405)
    return _json(smart.discovery(token_url(request)))


@csrf_exempt
@login_not_required
def token(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _json({"error": "invalid_request", "error_description": "POST the form"}, 405)
    if request.content_type != "application/x-www-form-urlencoded":
        return _json(
            {
                "error": "invalid_request",
                "error_description": "send application/x-www-form-urlencoded",
            },
            400,
        )
    try:
        issued = smart.issue_access_token(request.POST, token_url=token_url(request))
    except smart.OAuthError as exc:
        response = _json({"error": exc.error, "error_description": exc.description}, exc.status)
        if exc.status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="caretrust", error="invalid_client"'
        return response
    return _json(
        {
            "access_token": issued.token,
            "token_type": "bearer",
            "expires_in": issued.expires_in,
            "scope": " ".join(issued.scopes),
        }
    )

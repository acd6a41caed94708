"""SMART Backend Services (SMART App Launch 2.x, ADR 113): signed-JWT client credentials.

A backend-services client registers a public key set (JWKS, stored) and the scopes it may be
granted. It asks `POST /fhir/auth/token` for an access token with a client assertion: a JWT it
signs (RS384 or ES384) with `iss == sub == client_id`, `aud ==` the token endpoint, `exp` at most
five minutes ahead and a `jti` used once. The token lives five minutes, is stored as a hash with
the scopes granted (those asked for that the client may have), and each FHIR request it makes
is limited to the interactions its scopes allow.

Scopes say which interactions; the service account still decides whose records: its
organisation, role and the relationships that came from workflow (an accepted referral), never
break-glass. Static bearer tokens (`services.issue_client`) keep working with full interactions.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from django.db import IntegrityError, transaction
from django.utils import timezone

from caretrust.access import audit
from caretrust.access.models import AuditEvent
from caretrust.fhir.models import ApiClient, BackendAccessToken, UsedAssertion, hash_token
from caretrust.fhir.services import API_CLIENT_ROLES, TokenError, client_for_token, new_client
from caretrust.organisations.models import Organisation

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SIGNING_ALGORITHMS = ("RS384", "ES384")
ACCESS_TOKEN_LIFETIME = timedelta(minutes=5)
MAX_ASSERTION_LIFETIME = timedelta(minutes=5)
# Tolerated clock difference between a client and this server when checking `exp`.
CLOCK_SKEW = timedelta(seconds=30)
# The scopes a client may be registered with: every resource type, read or write, in the v1
# grammar (`read`, `write`, `*`) and the v2 one (letters of `cruds`, in that order).
SCOPES_SUPPORTED = (
    "system/*.read",
    "system/*.write",
    "system/*.rs",
    "system/*.cruds",
    "system/Patient.read",
    "system/Patient.rs",
)
_SCOPE = re.compile(r"^system/(\*|[A-Z][A-Za-z]{0,63})\.(read|write|\*|c?r?u?d?s?)$")
_V1 = {"read": "rs", "write": "cud", "*": "cruds"}
# What each FHIR interaction needs, as a v2 letter.
INTERACTION_LETTER = {
    "read": "r",
    "vread": "r",
    "history": "r",
    "search": "s",
    "create": "c",
    "update": "u",
    "delete": "d",
}


@dataclass(frozen=True)
class Scope:
    text: str
    resource_type: str  # "*" for every type
    letters: frozenset[str]

    def covers(self, other: Scope) -> bool:
        return self.resource_type in ("*", other.resource_type) and other.letters <= self.letters

    def allows(self, resource_type: str, letter: str) -> bool:
        return self.resource_type in ("*", resource_type) and letter in self.letters


def parse_scope(text: str) -> Scope | None:
    """A `system/` scope in the v1 or v2 grammar, or None (not one we grant)."""
    match = _SCOPE.match(text)
    if match is None or not match.group(2):
        return None
    kind, permissions = match.groups()
    return Scope(text, kind, frozenset(_V1.get(permissions, permissions)))


def parse_scopes(text: str) -> list[Scope]:
    scopes = []
    for word in text.split():
        scope = parse_scope(word)
        if scope is None:
            raise TokenError(f"{word!r} is not a system scope (e.g. system/Patient.read)")
        scopes.append(scope)
    return scopes


def grant(requested: str, allowed: str) -> list[str]:
    """The scopes granted: each asked-for scope that an allowed one covers; where none covers it,
    the allowed scopes it covers (asking `system/*.read` when allowed `system/Patient.read`
    grants `system/Patient.read`). Words that are not system scopes are left out."""
    allowed_scopes = [s for s in map(parse_scope, allowed.split()) if s is not None]
    granted: dict[str, None] = {}
    for word in requested.split():
        scope = parse_scope(word)
        if scope is None:
            continue
        if any(a.covers(scope) for a in allowed_scopes):
            granted[scope.text] = None
        else:
            granted.update((a.text, None) for a in allowed_scopes if scope.covers(a))
    return list(granted)


def permits(scopes: str, resource_type: str, interaction: str) -> bool:
    letter = INTERACTION_LETTER[interaction]
    return any(
        s is not None and s.allows(resource_type, letter) for s in map(parse_scope, scopes.split())
    )


# Registration -------------------------------------------------------------------------------


def _check_jwks(jwks: Any) -> dict:
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise TokenError('the key set must be a JWKS: {"keys": [...]} with at least one key')
    kids = set()
    for key in jwks["keys"]:
        if not isinstance(key, dict) or not key.get("kid"):
            raise TokenError("every key needs a kid")
        if "d" in key or "p" in key:
            raise TokenError(f"key {key['kid']!r} holds a private part: register the public key")
        if key.get("kid") in kids:
            raise TokenError(f"two keys share the kid {key['kid']!r}")
        kids.add(key["kid"])
        try:
            algorithm = jwt.PyJWK(key, key.get("alg") or _default_alg(key))
        except (jwt.PyJWKError, jwt.InvalidKeyError) as exc:
            raise TokenError(f"key {key['kid']!r} cannot be used: {exc}") from None
        if algorithm.algorithm_name not in SIGNING_ALGORITHMS:
            raise TokenError(
                f"key {key['kid']!r} signs with {algorithm.algorithm_name}, not RS384/ES384"
            )
    return jwks


def _default_alg(key: dict) -> str:
    return "ES384" if key.get("kty") == "EC" else "RS384"


@transaction.atomic
def register_backend_client(
    *,
    name: str,
    organisation: Organisation,
    role: str,
    jwks: Any,
    scopes: str,
    change_scope: bool = False,
    actor_label: str = "command line",
) -> ApiClient:
    """Register (or re-key) a SMART Backend Services client: its public keys and allowed scopes.

    A new client gets no usable static token (its hash is of a secret never shown). An existing
    client keeps its static token; changing its organisation or role needs `change_scope`, as
    for `issue_client`."""
    if role not in API_CLIENT_ROLES:
        allowed = ", ".join(sorted(API_CLIENT_ROLES))
        raise TokenError(f"an API client acts as one of: {allowed} (not {role!r})")
    jwks = _check_jwks(jwks)
    parsed = parse_scopes(scopes)
    if not parsed:
        raise TokenError("give at least one scope, e.g. system/Patient.read")
    scope_text = " ".join(s.text for s in parsed)
    client = ApiClient.objects.select_for_update().filter(name=name).first()
    details: dict = {"organisation": organisation.code, "role": role}
    if client is None:
        # no usable static token: it is born expired (the client uses signed assertions)
        client = new_client(
            name,
            organisation,
            role,
            token_hash=hash_token(secrets.token_urlsafe(32)),
            expires_at=timezone.now(),
        )
        action = AuditEvent.Action.CREATE
    else:
        before = {"organisation": client.organisation.code, "role": client.user.role}
        if before != details:
            if not change_scope:
                raise TokenError(
                    f"client {name} acts as {before['role']} for {before['organisation']}; "
                    f"to make it {role} for {organisation.code}, say so (--change-scope)"
                )
            details["previous"] = before
        client.user.role, client.user.organisation = role, organisation
        client.user.save(update_fields=["role", "organisation"])
        client.organisation = organisation
        action = AuditEvent.Action.UPDATE
        details["previous_scopes"] = client.allowed_scopes
    client.jwks = jwks
    client.allowed_scopes = scope_text
    client.revoked_at = None
    client.save(update_fields=["organisation", "jwks", "allowed_scopes", "revoked_at"])
    # Tokens granted under the old keys or scopes stop at once.
    client.access_tokens.all().delete()
    audit.record(
        actor=None,
        actor_label=actor_label,
        action=action,
        obj=client,
        reason="SMART backend services client registered",
        details={**details, "scopes": scope_text, "kids": [k["kid"] for k in jwks["keys"]]},
    )
    return client


# The token endpoint ---------------------------------------------------------------------------


class OAuthError(Exception):
    """An OAuth 2.0 error response (RFC 6749 section 5.2)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


@dataclass(frozen=True)
class IssuedToken:
    token: str
    scopes: list[str]
    expires_in: int


def issue_access_token(form: Any, *, token_url: str) -> IssuedToken:
    """Answer a token request (the form of `POST /fhir/auth/token`); raise OAuthError, audited,
    when it is refused."""
    client: ApiClient | None = None
    try:
        if form.get("grant_type") != "client_credentials":
            raise OAuthError("unsupported_grant_type", "grant_type must be client_credentials")
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise OAuthError("invalid_request", f"client_assertion_type must be {ASSERTION_TYPE}")
        assertion = form.get("client_assertion") or ""
        if not assertion:
            raise OAuthError("invalid_request", "send a client_assertion (a signed JWT)")
        client, claims = _verify_assertion(assertion, token_url)
        granted = grant(form.get("scope") or "", client.allowed_scopes)
        if not granted:
            raise OAuthError(
                "invalid_scope",
                f"none of the scopes asked for ({form.get('scope') or 'none'}) is allowed to "
                f"this client (it may have: {client.allowed_scopes})",
            )
        return _issue(client, claims, granted, form.get("scope") or "")
    except OAuthError as exc:
        _audit_refusal(client, exc)
        raise


def _invalid_client(description: str) -> OAuthError:
    return OAuthError("invalid_client", description, 401)


def _verify_assertion(assertion: str, token_url: str) -> tuple[ApiClient, dict]:
    try:
        header = jwt.get_unverified_header(assertion)
        unverified = jwt.decode(assertion, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise _invalid_client(f"the client assertion is not a JWT ({exc})") from None
    client_id = unverified.get("iss")
    client = (
        ApiClient.objects.select_related("user", "organisation")
        .filter(name=client_id if isinstance(client_id, str) else "")
        .first()
    )
    if client is None or not client.jwks:
        raise _invalid_client(f"no backend services client is registered as {client_id!r}")
    if client.revoked_at is not None or not client.user.is_active:
        raise _invalid_client(f"client {client.name} is revoked")
    if client.user.role not in API_CLIENT_ROLES:
        raise _invalid_client(f"client {client.name} no longer acts as an API client role")
    algorithm = header.get("alg")
    if algorithm not in SIGNING_ALGORITHMS:
        raise _invalid_client(f"the assertion is signed with {algorithm!r}, not RS384 or ES384")
    kid = header.get("kid")
    jwk = next((k for k in client.jwks.get("keys", []) if k.get("kid") == kid), None)
    if jwk is None:
        raise _invalid_client(f"client {client.name} has no registered key with kid {kid!r}")
    try:
        key = jwt.PyJWK(jwk, algorithm)
        claims = jwt.decode(
            assertion,
            key,
            algorithms=[algorithm],
            audience=token_url,
            issuer=client.name,
            leeway=CLOCK_SKEW,
            options={"require": ["iss", "sub", "aud", "exp", "jti"]},
        )
    except jwt.ExpiredSignatureError:
        raise _invalid_client("the client assertion has expired") from None
    except jwt.InvalidAudienceError:
        raise _invalid_client(
            f"the assertion's aud must be the token endpoint, {token_url}"
        ) from None
    except (jwt.PyJWTError, jwt.PyJWKError) as exc:
        raise _invalid_client(f"the client assertion is not valid: {exc}") from None
    if claims["sub"] != client.name:
        raise _invalid_client("the assertion's sub must equal its iss (the client_id)")
    expires = datetime.fromtimestamp(claims["exp"], tz=UTC)
    if expires > timezone.now() + MAX_ASSERTION_LIFETIME + CLOCK_SKEW:
        raise _invalid_client("the assertion's exp must be at most five minutes ahead")
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > 255:
        raise _invalid_client("the assertion's jti must be a string of at most 255 characters")
    return client, claims


@transaction.atomic
def _issue(client: ApiClient, claims: dict, granted: list[str], asked: str) -> IssuedToken:
    now = timezone.now()
    UsedAssertion.objects.filter(expires_at__lt=now - CLOCK_SKEW).delete()
    BackendAccessToken.objects.filter(expires_at__lt=now).delete()
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(
                client=client,
                jti=claims["jti"],
                expires_at=datetime.fromtimestamp(claims["exp"], tz=UTC),
            )
    except IntegrityError:
        raise _invalid_client("this client assertion (its jti) has been used already") from None
    token = secrets.token_urlsafe(32)
    row = BackendAccessToken.objects.create(
        client=client,
        token_hash=hash_token(token),
        scopes=" ".join(granted),
        expires_at=now + ACCESS_TOKEN_LIFETIME,
    )
    audit.record(
        actor=client.user,
        action=AuditEvent.Action.CREATE,
        obj=client,
        reason="SMART access token issued",
        details={
            "scopes": row.scopes,
            "asked": asked[:500],
            "jti": claims["jti"][:255],
            "expires_at": row.expires_at.isoformat(),
        },
    )
    return IssuedToken(token, granted, int(ACCESS_TOKEN_LIFETIME.total_seconds()))


def _audit_refusal(client: ApiClient | None, exc: OAuthError) -> None:
    with transaction.atomic():
        audit.record(
            actor=client.user if client is not None else None,
            actor_label="" if client is not None else "token endpoint",
            action=AuditEvent.Action.ACCESS_DENIED,
            obj=client,
            reason=f"SMART token refused: {exc.description}"[:500],
            details={"error": exc.error, "via": "fhir-token"},
        )


# Using a token --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bearer:
    client: ApiClient
    scopes: str | None  # None: a static token, every interaction (as before ADR 113)


def bearer(token: str) -> Bearer | None:
    """The client and scopes of a bearer token: a static one, or an unexpired access token of a
    client that is still registered, unrevoked and in an API client role."""
    client = client_for_token(token)
    if client is not None:
        return Bearer(client, None)
    row = (
        BackendAccessToken.objects.select_related(
            "client", "client__user", "client__user__organisation", "client__organisation"
        )
        .filter(token_hash=hash_token(token), expires_at__gt=timezone.now())
        .first()
    )
    if row is None:
        return None
    client = row.client
    if client.revoked_at is not None or not client.user.is_active:
        return None
    if client.user.role not in API_CLIENT_ROLES:
        return None
    return Bearer(client, row.scopes)


def interaction_of(method: str, url_name: str) -> str | None:
    """The FHIR interaction a request to the API asks for (None: not one scopes govern)."""
    return {
        ("GET", "type"): "search",
        ("POST", "type"): "create",
        ("POST", "search"): "search",
        ("GET", "instance"): "read",
        ("PUT", "instance"): "update",
        ("DELETE", "instance"): "delete",
        ("GET", "history"): "history",
        ("GET", "type_history"): "search",  # SMART v2: history-type is an "s"
        ("GET", "vread"): "vread",
    }.get((method, url_name))


def refusal(
    bearer_: Bearer, method: str, url_name: str, resource_type: str, includes: list[str]
) -> str | None:
    """Why the token's scopes do not allow this request, or None when they do."""
    if bearer_.scopes is None:
        return None
    interaction = interaction_of(method, url_name)
    if interaction is None:
        return None  # the handler answers 405 (or 404) itself
    if not permits(bearer_.scopes, resource_type, interaction):
        letter = INTERACTION_LETTER[interaction]
        return (
            f"the access token's scopes ({bearer_.scopes}) do not allow {interaction} of "
            f"{resource_type} (it needs system/{resource_type}.{letter} or wider)"
        )
    if includes and not permits(bearer_.scopes, "Patient", "read"):
        return f"_include returns Patients: the token's scopes ({bearer_.scopes}) do not read them"
    return None


def discovery(token_url: str) -> dict:
    """`.well-known/smart-configuration` for backend services."""
    return {
        "token_endpoint": token_url,
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": list(SIGNING_ALGORITHMS),
        "scopes_supported": list(SCOPES_SUPPORTED),
        "capabilities": ["client-confidential-asymmetric", "permission-v1", "permission-v2"],
    }


def load_jwks(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise TokenError(f"the key set is not JSON ({exc})") from None

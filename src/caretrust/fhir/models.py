"""API clients of the FHIR API: one bearer token per client, scoped to an organisation.

Only a SHA-256 hash of the token is stored; the token itself is shown once, when issued. A client
acts through a service account (a User with the client's role and organisation), so the same
policy, legitimate relationships and audit apply to it as to a person using the web app.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiClient(models.Model):
    name = models.SlugField(max_length=100, unique=True)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="api_clients"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A token stops working at its expiry; rotating gives a new token (and a new expiry) and the
    # old one stops at once.
    expires_at = models.DateTimeField(null=True, blank=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # SMART Backend Services (ADR 113): the client's public keys (a JWK Set, stored: no key is
    # ever fetched from a URL) and the scopes it may be granted, e.g. "system/Patient.rs".
    jwks = models.JSONField(default=dict, blank=True)
    allowed_scopes = models.TextField(blank=True)  # space-separated
    # Bulk Data system-level export for secondary use (ADR 117): only a client whose use has
    # been approved (a data sharing agreement, named in `secondary_use_approval`) may export
    # the whole record, pseudonymised unless approved for identifiable data.
    secondary_use = models.CharField(
        max_length=20,
        blank=True,
        choices=[("pseudonymised", "Pseudonymised"), ("identifiable", "Identifiable")],
    )
    secondary_use_approval = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BackendAccessToken(models.Model):
    """A short-lived access token issued by the SMART Backend Services token endpoint (ADR 113):
    stored as a SHA-256 hash, with its expiry and the scopes it was granted."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="access_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.TextField()  # space-separated, as granted
    issued_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.client.name} until {self.expires_at:%H:%M:%S}"


class UsedAssertion(models.Model):
    """The `jti` of every client assertion accepted, kept until the assertion expires, so that
    one signed assertion buys one token (replay refused)."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="used_assertions")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "jti"], name="fhir_assertion_jti_once")
        ]

    def __str__(self) -> str:
        return self.jti

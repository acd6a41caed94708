"""A FHIR R4 Subscription held for an API client, and each notification it is owed (a Delivery)."""

from __future__ import annotations

import uuid

from django.db import models


class Subscription(models.Model):
    """`criteria` as the client sent it, and what it was parsed to: every referral the client's
    organisation sent (`referral` empty) or one referral, optionally only some Task statuses."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        ACTIVE = "active", "Active"
        ERROR = "error", "Error"
        OFF = "off", "Off"

    class Payload(models.TextChoices):
        EMPTY = "", "No body"
        FHIR_JSON = "application/fhir+json", "Bundle (application/fhir+json)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        "fhir.ApiClient", on_delete=models.PROTECT, related_name="subscriptions"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    criteria = models.CharField(max_length=500)
    referral = models.ForeignKey(
        "referrals.Referral", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    statuses = models.JSONField(default=list, blank=True)  # empty: every status change
    endpoint = models.URLField(max_length=500)
    payload = models.CharField(max_length=40, choices=Payload.choices, blank=True)
    # channel.header as sent ("Name: value"): may carry the receiver's secret, so never shown on
    # a page (only their names) and only read back by the client that owns the subscription.
    headers = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    contact = models.JSONField(default=list, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    error = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=("organisation", "status"))]

    def __str__(self) -> str:
        return f"Subscription {self.uuid} ({self.status})"


class Delivery(models.Model):
    """One notification: a referral's Task reached `task_status`. Attempted by background jobs
    until delivered or, after the last attempt, dead (the dead-letter list)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        RETRYING = "retrying", "Failed, will retry"
        DELIVERED = "delivered", "Delivered"
        DEAD = "dead", "Dead letter"
        DISMISSED = "dismissed", "Dismissed"
        SKIPPED = "skipped", "Not sent (not visible to the client)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subscription = models.ForeignKey(
        Subscription, on_delete=models.PROTECT, related_name="deliveries"
    )
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    task_status = models.CharField(max_length=20)
    task_version = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    job_id = models.UUIDField(null=True, blank=True)  # the latest attempt's Job
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    dead_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=("status", "-created_at"))]

    def __str__(self) -> str:
        return f"Delivery {self.uuid} ({self.status})"

"""Every write about subscriptions: made and deleted by an API client, notified when a referral's
Task status changes, delivered by background jobs with retries, and retried or dismissed by an
administrator. Each write is audited.

A status change makes one `Delivery` per matching active subscription and submits its first
attempt as a job in the referral's own transaction (the outbox: a committed change always has its
notification queued, a rolled-back one never). Each attempt is one Job (kind `subscriptions.deliver`)
that POSTs once; a failure records why and submits the next attempt, deferred by exponential
backoff (`CARETRUST_SUBSCRIPTION_RETRY_SECONDS` x 2^(attempt-1)), until
`CARETRUST_SUBSCRIPTION_MAX_ATTEMPTS`; then the delivery is a dead letter and the subscription's
status becomes `error`. Whether the client may see the referral is checked when the delivery is
made and again when it is sent."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.jobs import services as jobs
from caretrust.referrals import fhir
from caretrust.referrals.models import Referral
from caretrust.subscriptions import endpoints
from caretrust.subscriptions.criteria import Criteria
from caretrust.subscriptions.models import Delivery, Subscription

DELIVER_JOB = "subscriptions.deliver"
OPEN = (Delivery.Status.PENDING, Delivery.Status.RETRYING)


class DeliveryFailed(RuntimeError):
    """One attempt failed; the job shows this message."""


def client_may_see(client: Any, referral: Referral) -> bool:
    """A notification goes only about a referral the client's organisation sent and that its
    service account may see (the same rule as reading the Task over the API)."""
    return referral.referrer_organisation_id == client.organisation_id and bool(
        policy.decide(client.user, "referrals.view", referral)
    )


# ------------------------------------------------------------------------- the client's side


@transaction.atomic
def create_subscription(
    *,
    client: Any,
    criteria: str,
    parsed: Criteria,
    endpoint: str,
    payload: str,
    headers: list[str],
    reason: str = "",
    end: datetime | None = None,
    contact: list | None = None,
) -> Subscription:
    """Checked, then active at once (no handshake, ADR 0114). ValidationError says what is wrong."""
    policy.require(client.user, "subscriptions.subscribe")
    if (
        parsed.organisation_code is not None
        and parsed.organisation_code != client.organisation.code
    ):
        raise ValidationError(
            f"requester must be your own organisation (Organization/{client.organisation.code})"
        )
    referral = None
    if parsed.referral_uuid is not None:
        referral = Referral.objects.filter(uuid=parsed.referral_uuid).first()
        if referral is None or not client_may_see(client, referral):
            raise ValidationError("the criteria name no referral your organisation sent")
    if payload not in Subscription.Payload.values:
        raise ValidationError("channel.payload must be empty or application/fhir+json")
    try:
        endpoints.resolve(endpoint)
        headers = endpoints.check_headers(headers)
    except endpoints.EndpointRefused as refused:
        raise ValidationError(str(refused)) from None
    subscription = Subscription.objects.create(
        client=client,
        organisation=client.organisation,
        criteria=criteria,
        referral=referral,
        statuses=parsed.statuses,
        endpoint=endpoint,
        payload=payload,
        headers=headers,
        reason=reason[:500],
        contact=contact or [],
        end=end,
        status=Subscription.Status.ACTIVE,
    )
    audit.record(
        actor=client.user,
        action=AuditEvent.Action.CREATE,
        obj=subscription,
        details={"criteria": criteria, "endpoint": endpoint, "client": client.name},
    )
    return subscription


@transaction.atomic
def delete_subscription(*, client: Any, subscription: Subscription) -> None:
    if subscription.client_id != client.pk:
        raise PermissionDenied("This subscription belongs to another API client.")
    now = timezone.now()
    Subscription.objects.filter(pk=subscription.pk).update(
        deleted_at=now, status=Subscription.Status.OFF, updated_at=now, version=F("version") + 1
    )
    subscription.refresh_from_db()
    audit.record(
        actor=client.user,
        action=AuditEvent.Action.DELETE,
        obj=subscription,
        details={"client": client.name},
    )


# --------------------------------------------------------------------------- notifications


def matching(referral: Referral, to_status: str):
    """Active subscriptions of the organisation that sent `referral` whose criteria it meets."""
    if referral.referrer_organisation_id is None:
        return []
    now = timezone.now()
    found = []
    for subscription in Subscription.objects.select_related("client__user", "client").filter(
        organisation_id=referral.referrer_organisation_id,
        status=Subscription.Status.ACTIVE,
        deleted_at__isnull=True,
    ):
        if subscription.referral_id not in (None, referral.pk):
            continue
        if subscription.statuses and to_status not in subscription.statuses:
            continue
        if subscription.end is not None and subscription.end <= now:
            continue
        if subscription.client.revoked_at is not None:
            continue
        found.append(subscription)
    return found


def referral_status_changed(*, referral: Referral, from_status: str, to_status: str) -> None:
    """The referrals hook: queue a delivery for each matching subscription the client may see."""
    for subscription in matching(referral, to_status):
        if not client_may_see(subscription.client, referral):
            continue
        delivery = Delivery.objects.create(
            subscription=subscription,
            referral=referral,
            task_status=to_status,
            task_version=referral.version,
        )
        _submit_attempt(delivery)


def _submit_attempt(delivery: Delivery, run_after: datetime | None = None) -> None:
    job = jobs.submit(
        owner=None,
        kind=DELIVER_JOB,
        title=f"Notify subscription {delivery.subscription.uuid}: Task {delivery.task_status}",
        parameters={"delivery": str(delivery.uuid)},
        run_after=run_after,
    )
    # The attempt records its own job when it starts; with a backend that runs it at once it has
    # (attempts moved on), so only a waiting attempt is recorded here.
    Delivery.objects.filter(pk=delivery.pk, attempts=delivery.attempts, status__in=OPEN).update(
        job_id=job.pk
    )


def notification_body(delivery: Delivery) -> bytes:
    """Empty payload: no body. application/fhir+json: a history Bundle holding the Task."""
    if delivery.subscription.payload != Subscription.Payload.FHIR_JSON:
        return b""
    referral = delivery.referral
    task = fhir.task(referral).model_dump(mode="json", exclude_none=True)
    base = f"{settings.CARETRUST_BASE_URL.rstrip('/')}/fhir"
    bundle = {
        "resourceType": "Bundle",
        "type": "history",
        "timestamp": timezone.now().isoformat(),
        "entry": [
            {
                "fullUrl": f"{base}/Task/{referral.uuid}",
                "resource": task,
                "request": {"method": "PUT", "url": f"Task/{referral.uuid}"},
                "response": {"status": "200", "etag": f'W/"{referral.version}"'},
            }
        ],
    }
    return json.dumps(bundle).encode()


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=settings.CARETRUST_SUBSCRIPTION_RETRY_SECONDS * 2 ** (attempts - 1))


def run_delivery_job(job: Any, progress: Any) -> str:
    """One attempt at one delivery (the job kind's handler)."""
    delivery = (
        Delivery.objects.select_related(
            "subscription__client__user",
            "subscription__client__organisation",
            "referral__person",
            "referral__referrer_organisation",
            "referral__routed_team",
            "referral__claimed_by",
            "referral__allocated_to",
        )
        .filter(uuid=job.parameters["delivery"])
        .first()
    )
    if delivery is None:
        raise DeliveryFailed("the delivery no longer exists")
    ref = f"subscriptions.delivery:{delivery.uuid}"
    if delivery.status not in OPEN:  # delivered, dismissed or retried by another job meanwhile
        return ref
    subscription = delivery.subscription
    if subscription.deleted_at is not None or subscription.status == Subscription.Status.OFF:
        _finish(delivery, Delivery.Status.SKIPPED, "the subscription was deleted or turned off")
        return ref
    if not client_may_see(subscription.client, delivery.referral):
        _finish(delivery, Delivery.Status.SKIPPED, "the client may no longer see this referral")
        return ref
    maximum = settings.CARETRUST_SUBSCRIPTION_MAX_ATTEMPTS
    attempt = delivery.attempts + 1
    Delivery.objects.filter(pk=delivery.pk).update(job_id=job.pk)
    progress(10, f"Attempt {attempt} of {maximum}")
    outcome = endpoints.post(
        subscription.endpoint,
        body=notification_body(delivery),
        headers=[*subscription.headers, f"X-Caretrust-Subscription: {subscription.uuid}"],
        content_type="application/fhir+json",
    )
    now = timezone.now()
    if outcome.ok:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.DELIVERED,
            attempts=attempt,
            delivered_at=now,
            last_http_status=outcome.http_status,
            last_error="",
            next_attempt_at=None,
        )
        referral = delivery.referral
        audit.record_read(
            actor=subscription.client.user,
            person_ref=referral.person.audit_ref if referral.person_id else "",
            object_type="fhir.Task",
            object_id=str(referral.uuid),
            details={
                "via": "subscription",
                "subscription": str(subscription.uuid),
                "client": subscription.client.name,
                "status": delivery.task_status,
            },
        )
        return ref
    if attempt < maximum:
        when = now + backoff(attempt)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.RETRYING,
            attempts=attempt,
            last_error=outcome.error,
            last_http_status=outcome.http_status,
            next_attempt_at=when,
        )
        delivery.refresh_from_db()
        _submit_attempt(delivery, run_after=when)
        raise DeliveryFailed(
            f"Attempt {attempt} of {maximum} failed: {outcome.error}. "
            f"Next attempt after {timezone.localtime(when):%H:%M:%S}."
        )
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.DEAD,
        attempts=attempt,
        last_error=outcome.error,
        last_http_status=outcome.http_status,
        next_attempt_at=None,
        dead_at=now,
    )
    error = (
        f"{maximum} attempts to notify {subscription.endpoint} failed "
        f"(last: {outcome.error}); the delivery is on the dead-letter list"
    )
    Subscription.objects.filter(pk=subscription.pk).update(
        status=Subscription.Status.ERROR, error=error, updated_at=now, version=F("version") + 1
    )
    audit.record(
        actor=None,
        actor_label="subscriptions",
        action=AuditEvent.Action.UPDATE,
        obj=subscription,
        reason="Subscription notification failed every attempt",
        details={"delivery": str(delivery.uuid), "error": outcome.error},
    )
    raise DeliveryFailed(f"Attempt {attempt} of {maximum} failed: {outcome.error}. Dead letter.")


def _finish(delivery: Delivery, status: str, why: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, last_error=why, next_attempt_at=None
    )


# ------------------------------------------------------------------ the administrator's side


@transaction.atomic
def retry(*, actor: Any, delivery: Delivery) -> Delivery:
    """Send a dead letter again, from the first attempt; the subscription is active again."""
    policy.require(actor, "subscriptions.manage")
    if delivery.status != Delivery.Status.DEAD:
        raise ValidationError("Only a dead letter can be retried.")
    subscription = delivery.subscription
    if subscription.deleted_at is not None:
        raise ValidationError("The subscription was deleted by its client.")
    Subscription.objects.filter(pk=subscription.pk, status=Subscription.Status.ERROR).update(
        status=Subscription.Status.ACTIVE,
        error="",
        updated_at=timezone.now(),
        version=F("version") + 1,
    )
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING, attempts=0, dead_at=None, next_attempt_at=None
    )
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=delivery,
        reason="Dead letter retried",
        details={"subscription": str(subscription.uuid)},
    )
    delivery.refresh_from_db()
    _submit_attempt(delivery)
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def dismiss(*, actor: Any, delivery: Delivery) -> Delivery:
    policy.require(actor, "subscriptions.manage")
    if delivery.status != Delivery.Status.DEAD:
        raise ValidationError("Only a dead letter can be dismissed.")
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.DISMISSED)
    audit.record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=delivery,
        reason="Dead letter dismissed",
        details={"subscription": str(delivery.subscription.uuid)},
    )
    delivery.refresh_from_db()
    return delivery

"""The FHIR API's Subscription (R4, rest-hook only): an API client creates, reads, searches and
deletes its own subscriptions; it never sees another client's."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError

from caretrust.fhir.handlers import filter_date, uuids
from caretrust.fhir.registry import (
    FhirContext,
    Forbidden,
    Gone,
    NotFound,
    ResourceHandler,
    SearchParams,
    SearchResult,
    Stored,
    Unprocessable,
)
from caretrust.subscriptions import criteria, services
from caretrust.subscriptions.models import Subscription


def to_fhir(subscription: Subscription) -> dict:
    channel: dict = {"type": "rest-hook", "endpoint": subscription.endpoint}
    if subscription.payload:
        channel["payload"] = subscription.payload
    if subscription.headers:
        channel["header"] = list(subscription.headers)
    resource: dict = {
        "resourceType": "Subscription",
        "id": str(subscription.uuid),
        "status": subscription.status,
        "reason": subscription.reason or "Follow referral status",
        "criteria": subscription.criteria,
        "channel": channel,
    }
    if subscription.contact:
        resource["contact"] = subscription.contact
    if subscription.end:
        resource["end"] = subscription.end.isoformat()
    if subscription.error:
        resource["error"] = subscription.error
    return resource


def _stored(subscription: Subscription) -> Stored:
    return Stored(
        resource=to_fhir(subscription),
        version_id=str(subscription.version),
        last_updated=subscription.updated_at,
    )


def _client(ctx: FhirContext):
    if ctx.client is None:
        raise Forbidden("Subscriptions belong to API clients")
    ctx.require("subscriptions.subscribe")
    return ctx.client


class SubscriptionHandler(ResourceHandler):
    resource_type = "Subscription"
    search_params = {"status": "token", "url": "uri", "_id": "token", "_lastUpdated": "date"}
    documentation = (
        "R4 rest-hook Subscriptions to the Tasks of referrals your organisation sent (ADR 0114). "
        f"criteria: {criteria.SUPPORTED}. channel.payload empty (a POST with no body) or "
        "application/fhir+json (a history Bundle holding the Task). Active once created (no "
        "handshake). Failed notifications are retried with backoff; after the last attempt the "
        "subscription's status is error with the reason in error."
    )

    def _own(self, ctx: FhirContext, id: str) -> Subscription:
        client = _client(ctx)
        try:
            key = uuid.UUID(id)
        except ValueError:
            raise NotFound(f"Subscription/{id} is not known") from None
        found = Subscription.objects.filter(uuid=key, client=client).first()
        if found is None:
            raise NotFound(f"Subscription/{id} is not known")
        if found.deleted_at is not None:
            raise Gone(f"Subscription/{id} was deleted")
        return found

    def read(self, ctx: FhirContext, id: str) -> Stored:
        return _stored(self._own(ctx, id))

    def search(self, ctx: FhirContext, params: SearchParams) -> SearchResult:
        client = _client(ctx)
        found = Subscription.objects.filter(client=client, deleted_at__isnull=True).order_by("id")
        status, url = params.first("status"), params.first("url")
        if status:
            found = found.filter(status=status)
        if url:
            found = found.filter(endpoint=url)
        for value in params.params.get("_id", []):
            found = found.filter(uuid__in=uuids(value))
        found = filter_date(
            found, "updated_at", params.params.get("_lastUpdated", []), instant=True
        )
        after = int(params.cursor) if params.cursor and params.cursor.isdigit() else 0
        page = list(found.filter(id__gt=after)[: params.count + 1])
        more = len(page) > params.count
        page = page[: params.count]
        return SearchResult([_stored(s) for s in page], str(page[-1].id) if more and page else None)

    def create(self, ctx: FhirContext, resource: dict) -> Stored:
        client = _client(ctx)
        channel = resource.get("channel") or {}
        if channel.get("type") != "rest-hook":
            raise Unprocessable(
                "only channel.type rest-hook is supported", expression="Subscription.channel.type"
            )
        try:
            parsed = criteria.parse(resource.get("criteria", ""))
        except criteria.CriteriaRefused as refused:
            raise Unprocessable(str(refused), expression="Subscription.criteria") from None
        end = None
        if resource.get("end"):
            try:
                end = datetime.fromisoformat(str(resource["end"]).replace("Z", "+00:00"))
            except ValueError:
                raise Unprocessable(
                    "end must be a date-time", expression="Subscription.end"
                ) from None
        try:
            subscription = services.create_subscription(
                client=client,
                criteria=resource["criteria"],
                parsed=parsed,
                endpoint=channel.get("endpoint", ""),
                payload=channel.get("payload", "") or "",
                headers=list(channel.get("header") or []),
                reason=resource.get("reason", ""),
                end=end,
                contact=resource.get("contact"),
            )
        except PermissionDenied as denied:
            raise Forbidden(str(denied)) from None
        except ValidationError as invalid:
            raise Unprocessable("; ".join(invalid.messages), expression="Subscription") from None
        return _stored(subscription)

    def delete(self, ctx: FhirContext, id: str, if_match: str | None = None) -> None:
        subscription = self._own(ctx, id)
        services.delete_subscription(client=ctx.client, subscription=subscription)

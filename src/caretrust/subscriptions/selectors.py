"""What the administrator's deliveries page shows: dead letters first, then recent deliveries.
Deliveries name a referral's id and status, not a person, so no person read is audited; the page
view itself is audited (services-side retries and dismissals write their own rows)."""

from __future__ import annotations

from typing import Any

from caretrust.access import audit, policy
from caretrust.access.models import AuditEvent
from caretrust.subscriptions.models import Delivery

RECENT = 50


def deliveries_for_admin(viewer: Any) -> tuple[list[Delivery], list[Delivery]]:
    policy.require(viewer, "subscriptions.manage")
    related = ("subscription__client", "subscription__organisation", "referral")
    dead = list(Delivery.objects.select_related(*related).filter(status=Delivery.Status.DEAD)[:200])
    recent = list(
        Delivery.objects.select_related(*related).exclude(status=Delivery.Status.DEAD)[:RECENT]
    )
    audit.record(
        actor=viewer,
        action=AuditEvent.Action.READ,
        object_type="subscriptions.delivery",
        details={"page": "deliveries", "dead": len(dead), "recent": len(recent)},
    )
    return dead, recent

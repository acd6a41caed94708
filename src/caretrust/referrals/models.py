"""A referral to the single point of contact, tracked as a FHIR Task (ServiceRequest + Task).

The status follows the FHIR Task state machine (see `lifecycle.py`); every transition is kept as a
`ReferralEvent`, which the referrer sees on the status page (the closed loop).
"""

from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from caretrust.guard import Guarded, GuardedQuerySet, Through

# Response standards: how soon a referral of each urgency must be answered (routed, signposted or
# closed). Configurable with settings.CARETRUST_RESPONSE_STANDARD_HOURS; urgent is 4 hours by default.
DEFAULT_RESPONSE_STANDARD_HOURS = {"urgent": 4, "soon": 48, "routine": 5 * 24}


def response_standard(urgency: str) -> timedelta:
    hours = {
        **DEFAULT_RESPONSE_STANDARD_HOURS,
        **getattr(settings, "CARETRUST_RESPONSE_STANDARD_HOURS", {}),
    }
    return timedelta(hours=hours[urgency])


def new_reference() -> str:
    # Short, unambiguous (no 0/O, 1/I) and read out over the phone: "R-7K3M-9QXD".
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    raw = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"R-{raw[:4]}-{raw[4:]}"


class DischargePathway(models.IntegerChoices):
    """What a hospital discharge referral asks for (pathways.md §2; Hospital discharge and
    community support guidance, 26 Jan 2024, Annex B). Here because the referral form and the
    FHIR ServiceRequest carry it; the discharge itself is kept by `caretrust.discharge`."""

    HOME = 0, "Pathway 0: home, no new or extra support"
    HOME_WITH_SUPPORT = 1, "Pathway 1: home with new or extra support, e.g. reablement"
    BED_BASED = 2, "Pathway 2: short-term bed-based recovery or assessment, then home"
    CARE_HOME = 3, "Pathway 3: care home, most complex needs"


class ReferralQuerySet(GuardedQuerySet):
    def open(self) -> ReferralQuerySet:
        from caretrust.referrals.lifecycle import TERMINAL

        return self.exclude(status__in=TERMINAL)


class Referral(Guarded):
    writes_through = Through(
        services="caretrust.referrals.services",
        create="caretrust.referrals.services.submit_professional_referral (or submit_self_referral)",
        factory="tests.factories.make_referral",
    )

    class Status(models.TextChoices):  # FHIR Task.status (the subset a referral uses)
        REQUESTED = "requested", "Requested"
        RECEIVED = "received", "Received"
        ACCEPTED = "accepted", "Accepted"
        IN_PROGRESS = "in-progress", "In progress"
        ON_HOLD = "on-hold", "On hold"
        COMPLETED = "completed", "Completed"
        REJECTED = "rejected", "Rejected"
        CANCELLED = "cancelled", "Cancelled"
        FAILED = "failed", "Failed"

    class Source(models.TextChoices):
        GP = "gp", "GP practice"
        HOSPITAL_DISCHARGE = "hospital_discharge", "Hospital discharge team"
        AMBULANCE = "ambulance", "Ambulance service"
        COMMUNITY_TEAM = "community_team", "Community team"
        COUNCIL_CONTACT_CENTRE = "council_contact_centre", "Council contact centre"
        CASE_FINDING = "case_finding", "Proactive case finding (risk list)"
        SELF = "self", "The person themselves"
        FAMILY = "family", "Family member, friend or carer"

    PROFESSIONAL_SOURCES = (
        Source.GP,
        Source.HOSPITAL_DISCHARGE,
        Source.AMBULANCE,
        Source.COMMUNITY_TEAM,
        Source.COUNCIL_CONTACT_CENTRE,
        Source.CASE_FINDING,
    )

    class Urgency(models.TextChoices):
        URGENT = "urgent", "Urgent"
        SOON = "soon", "Soon"
        ROUTINE = "routine", "Routine"

    class Outcome(models.TextChoices):
        ROUTED_TEAM = "routed_team", "Routed to a locality team"
        ROUTED_PRACTITIONER = "routed_practitioner", "Routed to a named practitioner"
        SIGNPOSTED = "signposted", "Signposted"
        CLOSED = "closed", "Closed"

    reference = models.CharField(max_length=20, unique=True, default=new_reference, editable=False)
    # Stable id for FHIR (ServiceRequest/Task ids) and audit rows.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=30, choices=Source.choices)
    # Null until a co-ordinator confirms who a self or family referral is about.
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    # What a self or family referrer told us about the person, kept until a co-ordinator finds
    # or adds them in the people index (public forms never write to the index).
    subject_details = models.JSONField(default=dict, blank=True)
    locality = models.ForeignKey(
        "organisations.Locality", null=True, on_delete=models.PROTECT, related_name="referrals"
    )
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    referrer_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    referrer_name = models.CharField(max_length=200, blank=True)
    referrer_contact = models.CharField(max_length=200, blank=True)
    referrer_relationship = models.CharField(max_length=100, blank=True)
    # Lets a public (self or family) referrer see the status without an account.
    status_token = models.CharField(max_length=43, default="", blank=True, editable=False)

    reason = models.TextField()
    what_matters = models.TextField(blank=True)
    lives_alone = models.BooleanField(null=True, blank=True)
    risks = models.TextField(blank=True)
    consent = models.BooleanField(default=False)
    requested_urgency = models.CharField(
        max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE
    )

    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    status_reason = models.TextField(blank=True)
    business_status = models.CharField(max_length=200, blank=True)
    urgency = models.CharField(
        max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE, db_index=True
    )
    due_by = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)

    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_claimed",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    routed_team = models.ForeignKey(
        "organisations.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    routed_practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_routed",
    )
    # The team in-tray (ADR 70): routing puts the referral in the team's in-tray (Task stays
    # `received`, businessStatus "Waiting for <team>"); a team member accepts it (Task `accepted`)
    # and allocates a named worker, or returns it to the co-ordinators with a reason.
    routed_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_accepted",
    )
    allocated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_allocated",
    )
    allocated_at = models.DateTimeField(null=True, blank=True)
    # The last time a team gave it back, and why (shown on the worklist until routed again).
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(blank=True)
    signposted_to = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_signposted",
    )
    signpost_information = models.TextField(blank=True)
    # The local services directory's service it was signposted to (ADR 110). When the
    # organisation that runs it works on caretrust, the referral waits in that organisation's team
    # in-tray (routed_team) until they accept (completed) or decline (back to the co-ordinators).
    directory_service = models.ForeignKey(
        "directory.DirectoryService",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )

    # A referral sent over the FHIR API (ADR 116): the ServiceRequest as the referrer sent it
    # (its identifiers, coded reason, requester, supporting information), served back with
    # caretrust's status merged; and its identifiers, "system|value" a line, so the referrer
    # finds it by its own identifier and a re-send (conditional create) is recognised.
    sent_service_request = models.JSONField(null=True, blank=True)
    identifier_index = models.TextField(blank=True)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Optimistic concurrency: every write is a conditional UPDATE on (id, version).
    version = models.PositiveIntegerField(default=1)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["due_by", "created_at"]
        indexes = [
            models.Index(fields=["locality", "status", "due_by"], name="referral_worklist"),
            models.Index(
                fields=["locality", "status", "-urgency", "due_by"], name="referral_by_urgency"
            ),
            models.Index(fields=["locality", "status", "created_at"], name="referral_waiting"),
            models.Index(fields=["routed_team", "status", "due_by"], name="referral_in_tray"),
            models.Index(fields=["allocated_to", "status"], name="referral_caseload"),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args, **kwargs) -> None:
        if self.due_by is None:
            self.due_by = self.created_at + response_standard(self.urgency)
        if not self.status_token and self.source in (self.Source.SELF, self.Source.FAMILY):
            self.status_token = secrets.token_urlsafe(32)
        super().save(*args, **kwargs)

    @property
    def is_professional(self) -> bool:
        return self.source in self.PROFESSIONAL_SOURCES

    @property
    def subject_name(self) -> str:
        if self.person_id:
            return self.person.display_name
        details = self.subject_details or {}
        return f"{details.get('given_name', '')} {details.get('family_name', '').upper()}".strip()

    @property
    def waiting_for_service(self) -> bool:
        """Signposted to a directory service whose organisation has yet to accept or decline."""
        return self.waiting_for_team and self.outcome == self.Outcome.SIGNPOSTED

    @property
    def waiting_for_team(self) -> bool:
        """Routed, sitting in a team's (or practitioner's) in-tray, not yet accepted."""
        return self.status == "received" and self.routed_at is not None and self.accepted_at is None

    def is_breached(self, now=None) -> bool:
        """The response standard is breached when the answer came (or is still not here) too late."""
        answered = self.responded_at or (now or timezone.now())
        return answered > self.due_by


class ReferralEvent(models.Model):
    """One step in a referral's life, shown to the referrer (the closed loop)."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    business_status = models.CharField(max_length=200, blank=True)
    reason = models.TextField(blank=True)
    # More information the referrer added (a Task note over the FHIR API, ADR 116).
    information = models.TextField(blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.referral} {self.from_status}→{self.to_status}"

"""The audit log: append-only, written in the same transaction as the change it records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditImmutableError(Exception):
    """Raised when code tries to change or remove an audit event."""


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditImmutableError("audit events are append-only: they cannot be updated")

    def delete(self):
        raise AuditImmutableError("audit events are append-only: they cannot be deleted")

    def about_person(self, person_ref: str) -> AuditEventQuerySet:
        return self.filter(person_ref=person_ref)


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        READ = "read", "Read"
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"
        SIGN_IN = "sign_in", "Signed in"
        SIGN_IN_FAILED = "sign_in_failed", "Sign-in failed"
        SIGN_IN_LOCKED = "sign_in_locked", "Sign-in locked"
        SIGN_OUT = "sign_out", "Signed out"
        ACCESS_DENIED = "access_denied", "Access denied"
        BREAK_GLASS = "break_glass", "Break-glass access"
        IMPORT = "import", "Import"
        EXPORT = "export", "Export"

    # Set before the row is hashed (not auto_now_add, which would change it after).
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # staff are deactivated, never deleted, while audit refers to them
        related_name="audit_events",
    )
    # Kept as text too, so the row still says who it was if the account is later renamed.
    actor_username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=30, choices=Action.choices)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    # The person whose record this concerns (a people-index key), so a person can be told who
    # looked at their record. Text, not a foreign key: the audit log outlives any merge of records.
    person_ref = models.CharField(max_length=64, blank=True, db_index=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    client_address = models.GenericIPAddressField(null=True, blank=True)
    reason = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    # The hash chain (access.chain): place in the log, the previous row's hash and this row's.
    sequence = models.BigIntegerField(unique=True, null=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    row_hash = models.CharField(max_length=64, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.object_type}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            raise AuditImmutableError("audit events are append-only: they cannot be updated")
        if self.sequence is None:
            # Every row joins the chain, however it is written.
            from caretrust.access import chain

            chain.append([self])
            return
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditImmutableError("audit events are append-only: they cannot be deleted")


class AuditCheckpoint(models.Model):
    """The head of the audit chain at a moment: hourly and on demand. The application's database
    role may add checkpoints but never change or remove them, so removing rows from the end of the
    log is found (`caretrust audit verify`)."""

    sequence = models.BigIntegerField()
    row_hash = models.CharField(max_length=64)
    taken_at = models.DateTimeField(default=timezone.now)
    taken_by = models.CharField(max_length=40)  # "hourly", "on demand", "migration"

    class Meta:
        ordering = ["-taken_at"]

    def __str__(self) -> str:
        return f"audit head {self.sequence} at {self.taken_at:%Y-%m-%d %H:%M}"


class BreakGlassAccess(models.Model):
    """Access to a person's record without a legitimate relationship, with a stated reason.

    Time-limited, audited when opened, and listed for a privacy officer to review afterwards.
    """

    class Justification(models.TextChoices):
        CONSENT = "consent", "The person has consented"
        LEGAL_DUTY = "legal_duty", "A legal duty requires it"
        PUBLIC_INTEREST = "public_interest", "Overriding public interest (e.g. safeguarding)"

    class ReviewOutcome(models.TextChoices):
        APPROPRIATE = "appropriate", "Appropriate"
        INAPPROPRIATE = "inappropriate", "Inappropriate: referred for follow-up"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="break_glass_accesses"
    )
    justification = models.CharField(max_length=20, choices=Justification.choices)
    reason = models.TextField()
    started_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    # Set when access ended before it expired: a privacy officer found it inappropriate.
    revoked_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="break_glass_reviews",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, blank=True)
    review_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name_plural = "break-glass accesses"

    def __str__(self) -> str:
        return f"{self.user} → {self.person} ({self.started_at:%Y-%m-%d %H:%M})"


class BreakGlassLimit(models.Model):
    """How many break-glass accesses one user may open in a period: data, so a privacy officer's
    organisation can set its own. One row; `current()` gives it (created with the defaults)."""

    max_accesses = models.PositiveIntegerField(default=5)
    period_hours = models.PositiveIntegerField(default=24)
    minimum_reason_length = models.PositiveIntegerField(default=20)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "break-glass limit"

    def __str__(self) -> str:
        return f"{self.max_accesses} break-glass accesses per {self.period_hours} hours"

    @classmethod
    def current(cls) -> BreakGlassLimit:
        limit = cls.objects.order_by("pk").first()
        return limit if limit is not None else cls.objects.create()


class PrivacyAlert(models.Model):
    """Something a privacy officer must look at, raised by the system (e.g. a user reaching the
    break-glass limit). Listed on the privacy officer's break-glass page until acknowledged."""

    class Kind(models.TextChoices):
        BREAK_GLASS_LIMIT = "break_glass_limit", "Break-glass limit reached"

    kind = models.CharField(max_length=40, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="privacy_alerts"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    message = models.TextField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user} ({self.raised_at:%Y-%m-%d %H:%M})"

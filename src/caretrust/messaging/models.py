"""Secure messages between staff about a person (issue #15, ADR 71). A message is part of the
person's record: reading it needs the same legitimate relationship as the record."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Message(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="messages_sent"
    )
    # To one colleague or to a team (each member with a relationship gets their own copy to read).
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages_addressed",
    )
    recipient_team = models.ForeignKey(
        "organisations.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="messages_addressed",
    )
    # The first message of the conversation (itself for the first one): replies share it.
    thread = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient_user__isnull=False)
                | models.Q(recipient_team__isnull=False),
                name="message_addressed_to_someone",
            )
        ]
        indexes = [models.Index(fields=["person", "sent_at"], name="message_person")]

    def __str__(self) -> str:
        return self.subject

    @property
    def recipient_label(self) -> str:
        if self.recipient_user_id:
            return self.recipient_user.get_full_name() or self.recipient_user.username
        return self.recipient_team.name if self.recipient_team_id else ""


class Receipt(models.Model):
    """One recipient's copy of a message: whether (and when) they read it."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_receipts"
    )
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="one_receipt_a_recipient")
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="receipt_unread")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.message_id}"

"""A sign-in for the person receiving care, or for a carer the person has authorised."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class PersonPortalAccount(models.Model):
    class Relationship(models.TextChoices):
        SELF = "self", "The person themselves"
        CARER = "carer", "Carer authorised by the person"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_account"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="portal_accounts"
    )
    relationship = models.CharField(max_length=10, choices=Relationship.choices)
    carer_relationship = models.CharField(
        max_length=100, blank=True, help_text="For example: daughter"
    )
    # Who authorised a carer: the person (their own account) or staff acting on their recorded consent.
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    authorised_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} for {self.person} ({self.relationship})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

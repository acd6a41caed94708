"""Capacity assessments (decision-specific), best-interests decisions, and the people with legal
authority to decide for someone: attorneys under a lasting power of attorney and deputies
appointed by the Court of Protection (Mental Capacity Act 2005)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class DecisionCategory(models.TextChoices):
    CARE_PLAN = "care_plan", "Care and support plan"
    MONEY = "money", "Money and property"
    ACCOMMODATION = "accommodation", "Where to live"
    MEDICAL_TREATMENT = "medical_treatment", "Medical treatment"
    REFERRAL = "referral", "Being referred for care and support"
    OTHER = "other", "Other"


class CapacityAssessment(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="capacity_assessments"
    )
    decision = models.TextField(help_text="The decision, in words: capacity is decision-specific.")
    category = models.CharField(max_length=30, choices=DecisionCategory.choices)
    practicable_steps = models.TextField(
        blank=True, help_text="What was done to help the person decide (MCA s1(3))."
    )
    impairment = models.BooleanField()
    impairment_details = models.TextField(blank=True)
    unable_to_understand = models.BooleanField(default=False)
    unable_to_retain = models.BooleanField(default=False)
    unable_to_use_or_weigh = models.BooleanField(default=False)
    unable_to_communicate = models.BooleanField(default=False)
    because_of_impairment = models.BooleanField(null=True, blank=True)
    functional_details = models.TextField(blank=True)
    lacks_capacity = models.BooleanField()
    reasons = models.JSONField(default=list)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-assessed_on", "-created_at"]

    def __str__(self) -> str:
        outcome = "lacks capacity" if self.lacks_capacity else "has capacity"
        return f"{self.decision} ({outcome}, {self.assessed_on:%d %b %Y})"

    @property
    def audit_ref(self) -> str:
        return self.person.audit_ref

    @property
    def unable_to(self) -> set[str]:
        return {
            key
            for key in ("understand", "retain", "use_or_weigh", "communicate")
            if getattr(self, f"unable_to_{key}")
        }


class BestInterestsDecision(models.Model):
    """A decision taken for someone who lacks capacity to make it (MCA s4 checklist)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="best_interests_decisions"
    )
    capacity_assessment = models.ForeignKey(
        CapacityAssessment, on_delete=models.PROTECT, related_name="best_interests_decisions"
    )
    decision = models.TextField()
    wishes_and_feelings = models.TextField(
        help_text="The person's past and present wishes and feelings, beliefs and values."
    )
    consulted = models.TextField(help_text="Who was consulted and what they said.")
    less_restrictive_options = models.TextField(
        help_text="Less restrictive options considered, and why not chosen."
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_on", "-created_at"]

    def __str__(self) -> str:
        return f"Best interests: {self.decision} ({self.decided_on:%d %b %Y})"

    @property
    def audit_ref(self) -> str:
        return self.person.audit_ref


class LegalAuthority(models.Model):
    """A lasting power of attorney or a deputyship, with its scope."""

    class Kind(models.TextChoices):
        LPA_HEALTH_WELFARE = "lpa_hw", "Lasting power of attorney: health and welfare"
        LPA_PROPERTY_FINANCE = "lpa_pf", "Lasting power of attorney: property and financial affairs"
        DEPUTY_HEALTH_WELFARE = "deputy_hw", "Deputy: personal welfare"
        DEPUTY_PROPERTY_FINANCE = "deputy_pf", "Deputy: property and financial affairs"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="legal_authorities"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    holder_name = models.CharField(max_length=200)
    holder_relationship = models.CharField(max_length=100, blank=True)
    # The attorney's or deputy's portal sign-in, when they have one.
    holder_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_authorities",
    )
    registered_on = models.DateField(
        help_text="Registered with the Office of the Public Guardian, or the court order date."
    )
    reference = models.CharField(max_length=50, help_text="OPG or Court of Protection reference.")
    scope_notes = models.TextField(blank=True, help_text="Conditions or restrictions in the order.")
    life_sustaining_treatment = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "holder_name"]

    def __str__(self) -> str:
        return f"{self.holder_name}: {self.get_kind_display()}"

    @property
    def audit_ref(self) -> str:
        return self.person.audit_ref

    @property
    def is_deputy(self) -> bool:
        return self.kind.startswith("deputy")


class ReferralConsent(models.Model):
    """Who agreed to a referral and how, or the capacity assessment behind a referral made in the
    person's best interests. Recorded by people, never set in code."""

    class Basis(models.TextChoices):
        AGREED = "agreed", "The person agreed"
        BEST_INTERESTS = "best_interests", "In the person's best interests (they lack capacity)"

    class Method(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        PHONE = "phone", "By phone"
        WRITTEN = "written", "In writing"
        ATTESTED = "attested", "Confirmed by the referrer on the referral form"

    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.CASCADE, related_name="consent_record"
    )
    basis = models.CharField(max_length=20, choices=Basis.choices)
    given_by = models.CharField(max_length=200, blank=True)
    method = models.CharField(max_length=20, choices=Method.choices)
    given_on = models.DateField()
    capacity_assessment = models.ForeignKey(
        CapacityAssessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.get_basis_display()} ({self.get_method_display().lower()})"

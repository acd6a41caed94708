"""One joint assessment per episode: health needs and Care Act eligibility together, with
contributions from practitioners of different organisations."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from caretrust.assessments.eligibility import DIFFICULTIES, OUTCOMES
from caretrust.guard import Guarded, GuardedQuerySet, Through
from caretrust.organisations.models import User

_PROFESSIONS = User.Profession.choices


class Assessment(Guarded):
    writes_through = Through(
        services="caretrust.assessments.services",
        create="caretrust.assessments.services.start_assessment",
        factory="tests.factories.make_assessment",
    )
    objects = GuardedQuerySet.as_manager()

    class Status(models.TextChoices):
        # Allowed moves: `assessments.states.TRANSITIONS`.
        IN_PROGRESS = "in-progress", "In progress"
        COMPLETED = "completed", "Decided"
        CANCELLED = "cancelled", "Ended without a decision"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="assessments"
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    # Why it started when there is no referral (a review found new needs; the person asked).
    started_because = models.CharField(max_length=300, blank=True)
    ended_reason = models.TextField(blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments_started"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    health_needs = models.TextField(blank=True)
    what_matters = models.TextField(blank=True, help_text="In the person's own words.")
    impairment = models.BooleanField(null=True, blank=True)
    impairment_details = models.TextField(blank=True)
    significant_impact = models.BooleanField(null=True, blank=True)
    wellbeing_details = models.TextField(blank=True)
    desired_outcomes = models.TextField(
        blank=True, help_text="What the person wants to achieve, in their own words."
    )
    strengths = models.TextField(blank=True, help_text="The person's strengths and abilities.")
    community_resources = models.TextField(
        blank=True, help_text="Family, friends and community support that help already."
    )
    # Regulation 2(4): fluctuating needs are judged over the period that shows the true level.
    needs_fluctuate = models.BooleanField(null=True, blank=True)
    fluctuation_period = models.TextField(blank=True)
    # Care Act s67: an independent advocate when the person would have substantial difficulty
    # being involved and there is no appropriate person to support them.
    substantial_difficulty = models.BooleanField(null=True, blank=True)
    appropriate_person = models.CharField(max_length=200, blank=True)
    advocate = models.CharField(max_length=200, blank=True)
    has_carer = models.BooleanField(null=True, blank=True)
    carer_name = models.CharField(max_length=200, blank=True)
    carer_needs = models.TextField(blank=True)
    carer_willing_and_able = models.BooleanField(null=True, blank=True)

    eligible = models.BooleanField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)
    decision_notes = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="eligibility_decisions",
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # Done once: a person has at most one assessment in progress.
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="in-progress"),
                name="one_open_assessment_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"Joint assessment of {self.person} ({self.get_status_display()})"

    def outcome_map(self) -> dict[str, str]:
        return {f.outcome: f.difficulty for f in self.findings.all()}

    @property
    def advocacy_needed(self) -> bool:
        """s67 triggers: substantial difficulty in being involved AND no appropriate person."""
        return bool(self.substantial_difficulty) and not self.appropriate_person.strip()


class OutcomeFinding(models.Model):
    """How the person manages one of the ten specified outcomes."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="findings")
    outcome = models.CharField(max_length=30, choices=list(OUTCOMES.items()))
    difficulty = models.CharField(max_length=30, choices=list(DIFFICULTIES.items()))
    notes = models.TextField(blank=True)
    evidence = models.TextField(blank=True, help_text="What was seen or heard, and from whom.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "outcome"], name="one_finding_per_outcome"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.get_difficulty_display()}"


class Contribution(models.Model):
    """A practitioner's part of the joint assessment, with their organisation."""

    class Section(models.TextChoices):
        HEALTH = "health", "Health needs"
        SOCIAL_CARE = "social_care", "Care and support needs"
        THERAPY = "therapy", "Therapy and equipment"
        CARER = "carer", "Carer's needs"
        OTHER = "other", "Other"

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="contributions"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "organisations.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    section = models.CharField(max_length=20, choices=Section.choices)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_section_display()} by {self.author}"


class EligibilityDecider(models.Model):
    """Council policy, held as data: who may decide Care Act eligibility (s13; delegable under
    s79). A rule names a profession (every practitioner of it) or one named user. Defaults
    (data migration): social workers and occupational therapists."""

    profession = models.CharField(
        max_length=30, blank=True, choices=[("", "A named person"), *_PROFESSIONS]
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="eligibility_decider_rules",
    )
    note = models.CharField(max_length=300, blank=True, help_text="The council's authority.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    (models.Q(profession="") & models.Q(user__isnull=False))
                    | (~models.Q(profession="") & models.Q(user__isnull=True))
                ),
                name="decider_is_a_profession_or_a_named_user",
            )
        ]

    def __str__(self) -> str:
        return self.get_profession_display() if self.profession else f"Named: {self.user}"

    @classmethod
    def allows(cls, user) -> bool:
        rules = cls.objects.filter(models.Q(user=user.pk))
        if getattr(user, "profession", ""):
            rules = rules | cls.objects.filter(profession=user.profession)
        return rules.exists()

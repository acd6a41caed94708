"""Safeguarding adults (Care Act 2014 s42): a concern, the s42 decision, an s42 or "other"
enquiry with Making Safeguarding Personal, a risk assessment, a plan and the outcome.

Codes and labels follow the Safeguarding Adults Collection (SAC) tables named beside each
(pathways.md §1 [S]), so the return counts what practitioners recorded, never free text.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from caretrust import clock
from caretrust.safeguarding import states, timescale


class DecisionTimescale(models.Model):
    """The council's local procedure, held as data: how soon after a concern is received the s42
    decision is due, and which team decides. No national timescale exists (pathways.md §1,
    [unconfirmed]); the shipped default, 2 working days, is a placeholder a council changes.
    The row in force is the newest whose `effective_from` has come."""

    class Counting(models.TextChoices):
        WORKING = timescale.WORKING, "Working days (Monday to Friday, less non-working days)"
        CALENDAR = timescale.CALENDAR, "Calendar days"

    days = models.PositiveSmallIntegerField(default=2)
    counting = models.CharField(max_length=10, choices=Counting.choices, default=Counting.WORKING)
    non_working_days = models.JSONField(
        default=list, blank=True, help_text="ISO dates the council does not count (bank holidays)."
    )
    team = models.ForeignKey(
        "organisations.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The council's team that receives concerns and makes s42 decisions.",
    )
    effective_from = models.DateField(default=clock.today)
    note = models.CharField(max_length=300, blank=True, help_text="The procedure's authority.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-effective_from", "-id"]

    def __str__(self) -> str:
        return f"s42 decision within {self.days} {self.get_counting_display().lower()}"

    @classmethod
    def current(cls, on=None) -> DecisionTimescale:
        on = on or clock.today()
        found = cls.objects.filter(effective_from__lte=on).select_related("team").first()
        return found or cls(days=2, counting=cls.Counting.WORKING)

    def due(self, received):
        from datetime import date

        closed = [date.fromisoformat(d) for d in self.non_working_days or []]
        return timescale.due_date(received, self.days, self.counting, closed)

    @property
    def text(self) -> str:
        unit = "working day" if self.counting == self.Counting.WORKING else "calendar day"
        return f"{self.days} {unit}{'' if self.days == 1 else 's'}"


# SAC SG2a: type of risk (ten types of the statutory guidance ch 14, sexual exploitation split out).
ABUSE_TYPES = {
    "physical": "Physical abuse",
    "sexual": "Sexual abuse",
    "sexual_exploitation": "Sexual exploitation",
    "psychological": "Psychological abuse",
    "financial": "Financial or material abuse",
    "discriminatory": "Discriminatory abuse",
    "organisational": "Organisational abuse",
    "neglect": "Neglect and acts of omission",
    "domestic": "Domestic abuse",
    "modern_slavery": "Modern slavery",
    "self_neglect": "Self-neglect",
}


class Location(models.TextChoices):  # SAC SG2b: location of risk
    OWN_HOME = "own_home", "Own home"
    COMMUNITY = "community", "In the community (excluding community services)"
    COMMUNITY_SERVICE = "community_service", "In a community service"
    CARE_HOME_NURSING = "care_home_nursing", "Care home: nursing"
    CARE_HOME_RESIDENTIAL = "care_home_residential", "Care home: residential"
    HOSPITAL_ACUTE = "hospital_acute", "Hospital: acute"
    HOSPITAL_MENTAL_HEALTH = "hospital_mental_health", "Hospital: mental health"
    HOSPITAL_COMMUNITY = "hospital_community", "Hospital: community"
    OTHER = "other", "Other"


class SourceOfRisk(models.TextChoices):  # SAC SG2a/SG2b columns
    SERVICE_PROVIDER = "service_provider", "Service provider"
    KNOWN = "known", "Other: known to the individual"
    UNKNOWN = "unknown", "Other: unknown to the individual"


class RaisedFrom(models.TextChoices):
    PERSON = "person", "Their record"
    VISIT = "visit", "A visit"
    TASK = "task", "A task"
    REFERRAL = "referral", "A referral"


class Concern(models.Model):
    class Status(models.TextChoices):
        CONCERN = states.CONCERN, "Concern: s42 decision to make"
        S42_ENQUIRY = states.S42_ENQUIRY, "Section 42 enquiry"
        OTHER_ENQUIRY = states.OTHER_ENQUIRY, "Other safeguarding enquiry"
        NO_FURTHER_ACTION = states.NO_FURTHER_ACTION, "No further safeguarding action"
        CONCLUDED = states.CONCLUDED, "Enquiry concluded"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="safeguarding_concerns"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONCERN)

    # The concern (pathways.md §1: when, referrer, facts, immediate actions, person's wishes).
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    received_on = models.DateField()
    raised_from = models.CharField(max_length=10, choices=RaisedFrom.choices)
    raised_from_label = models.CharField(max_length=200, blank=True)
    facts = models.TextField()
    immediate_actions = models.TextField(blank=True)
    person_wishes = models.TextField(blank=True)
    abuse_types = models.JSONField(default=list)
    location = models.CharField(max_length=30, choices=Location.choices)
    source_of_risk = models.CharField(max_length=20, choices=SourceOfRisk.choices)
    # Fixed when the concern is received: a later change of procedure does not move it.
    responsible_team = models.ForeignKey(
        "organisations.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_due = models.DateField()
    timescale_text = models.CharField(max_length=60)

    # The s42(1) decision: each criterion yes or no with its evidence; decider, role, date.
    care_and_support_needs = models.BooleanField(null=True)
    care_and_support_needs_evidence = models.TextField(blank=True)
    abuse_or_neglect = models.BooleanField(null=True)
    abuse_or_neglect_evidence = models.TextField(blank=True)
    unable_to_protect = models.BooleanField(null=True)
    unable_to_protect_evidence = models.TextField(blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_role = models.CharField(max_length=120, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return f"Safeguarding concern for {self.person} ({self.get_status_display()})"

    @property
    def audit_ref(self) -> str:
        return self.person.audit_ref

    @property
    def criteria_met(self) -> bool:
        return bool(
            self.care_and_support_needs and self.abuse_or_neglect and self.unable_to_protect
        )

    @property
    def decided_in_time(self) -> bool | None:
        if self.decided_on is None:
            return None
        return self.decided_on <= self.decision_due

    @property
    def abuse_type_labels(self) -> list[str]:
        return [ABUSE_TYPES.get(code, code) for code in self.abuse_types]


class Enquiry(models.Model):
    """An s42 enquiry, or an "other" enquiry (criteria not all met, but necessary and
    proportionate [S]): who leads, MSP, capacity, risk, plan and outcome."""

    class CausedBy(models.TextChoices):  # s42(2): the council enquires or causes others to
        COUNCIL = "council", "The council itself"
        NHS = "nhs", "An NHS body"
        PROVIDER = "provider", "The care provider"
        POLICE = "police", "The police"
        OTHER = "other", "Another organisation"

    class MspAsked(models.TextChoices):  # SAC SG4a
        EXPRESSED = "expressed", "Yes, they were asked and outcomes were expressed"
        NONE_EXPRESSED = "none_expressed", "Yes, they were asked but no outcomes were expressed"
        NOT_ASKED = "not_asked", "No, they were not asked"
        DONT_KNOW = "dont_know", "Don't know"

    class Capacity(models.TextChoices):  # SAC SG3a
        LACKED = "yes", "Yes, they lacked capacity"
        DID_NOT_LACK = "no", "No, they did not lack capacity"
        DONT_KNOW = "dont_know", "Don't know"

    class RiskFound(models.TextChoices):  # SAC SG2c
        IDENTIFIED = "identified", "Risk identified"
        INCONCLUSIVE = "inconclusive", "Risk assessment inconclusive"
        NONE = "none", "No risk identified"

    class RiskResult(models.TextChoices):  # SAC SG2e
        REMAINED = "remained", "Risk remained"
        REDUCED = "reduced", "Risk reduced"
        REMOVED = "removed", "Risk removed"

    class Achieved(models.TextChoices):  # SAC SG4a
        FULLY = "fully", "Fully achieved"
        PARTIALLY = "partially", "Partially achieved"
        NOT = "not", "Not achieved"

    class Kind(models.TextChoices):
        S42 = "s42", "Section 42 enquiry"
        OTHER = "other", "Other safeguarding enquiry"

    concern = models.OneToOneField(Concern, on_delete=models.PROTECT, related_name="enquiry")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    caused_to_enquire = models.CharField(
        max_length=10, choices=CausedBy.choices, default=CausedBy.COUNCIL
    )
    caused_body_name = models.CharField(max_length=200, blank=True)
    started_on = models.DateField()

    # Making Safeguarding Personal: asked at the start, achievement recorded at the end [G 14.15].
    msp_asked = models.CharField(max_length=20, choices=MspAsked.choices, blank=True)
    desired_outcomes = models.TextField(blank=True, help_text="In the person's own words.")
    not_asked_reason = models.TextField(blank=True)
    lacked_capacity = models.CharField(max_length=10, choices=Capacity.choices, blank=True)
    advocate = models.BooleanField(null=True, help_text="Supported by an advocate (s68).")

    risk_assessment = models.TextField(blank=True)
    risk_found = models.CharField(max_length=15, choices=RiskFound.choices, blank=True)

    # The close.
    ceased_at_request = models.BooleanField(default=False)
    action_taken = models.BooleanField(null=True)
    risk_result = models.CharField(max_length=10, choices=RiskResult.choices, blank=True)
    msp_achieved = models.CharField(max_length=10, choices=Achieved.choices, blank=True)
    outcome_summary = models.TextField(blank=True)
    concluded_on = models.DateField(null=True, blank=True)
    concluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "enquiries"

    def __str__(self) -> str:
        return f"Enquiry for {self.concern.person}"

    @property
    def person(self):
        return self.concern.person

    @property
    def audit_ref(self) -> str:
        return self.concern.person.audit_ref


class PlanAction(models.Model):
    """One line of the safeguarding plan: the action, who does it, by when [S]."""

    enquiry = models.ForeignKey(Enquiry, on_delete=models.CASCADE, related_name="plan")
    action = models.CharField(max_length=500)
    owner = models.CharField(max_length=200)
    due = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due", "id"]

    def __str__(self) -> str:
        return f"{self.action} ({self.owner}, by {self.due})"


class SafeguardingAdultsReview(models.Model):
    """The Safeguarding Adults Board's decision to hold a Safeguarding Adults Review (Care Act
    2014 s44), recorded by the safeguarding lead against a concern: mandatory (s44(1)-(3): an
    adult died, or suffered serious abuse or neglect, and agencies could have worked together
    better) or discretionary (s44(4)). Counted in SAC SG5 (ADR 104).

    One row per adult: a review of several adults (a care home) is recorded once for each, with
    the same `sab_reference`; SG5a counts the review once, SG5b each adult."""

    class Basis(models.TextChoices):
        MANDATORY = "mandatory", "Mandatory: section 44(1) to (3)"
        DISCRETIONARY = "discretionary", "Discretionary: section 44(4)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="reviews")
    basis = models.CharField(max_length=15, choices=Basis.choices)
    decided_on = models.DateField(help_text="When the Safeguarding Adults Board decided.")
    adult_died = models.BooleanField(help_text="The adult died (s44(2)); else they survived.")
    sab_reference = models.CharField(
        max_length=60,
        blank=True,
        help_text="The board's name for the review: adults sharing it are one review.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_on", "-id"]

    def __str__(self) -> str:
        return f"Safeguarding Adults Review ({self.get_basis_display()}, {self.decided_on})"

    @property
    def person(self):
        return self.concern.person

    @property
    def audit_ref(self) -> str:
        return self.concern.person.audit_ref

    @property
    def review_key(self) -> str:
        """Which review this row belongs to (SG5a counts each key once)."""
        name = " ".join(self.sab_reference.split()).casefold()
        return f"sab:{name}" if name else f"row:{self.pk}"

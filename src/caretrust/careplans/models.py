"""One shared care plan per person: goals in their words, services from both sectors, a care team
across organisations, a named co-ordinator and a review date. Versioned (every save keeps a
snapshot) with optimistic concurrency. Planned services generate visits; duplicate visits by
different organisations can be merged into one joint visit."""

from __future__ import annotations

from uuid import uuid4

from django.conf import settings
from django.db import models
from django.utils import timezone

from caretrust.guard import Guarded, GuardedQuerySet, Through


class CarePlan(Guarded):
    writes_through = Through(
        services="caretrust.careplans.services",
        create="caretrust.careplans.services.create_plan",
        factory="tests.factories.make_plan",
    )
    objects = GuardedQuerySet.as_manager()

    class Status(models.TextChoices):  # FHIR CarePlan.status (subset)
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Agreed"
        COMPLETED = "completed", "Ended"

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    # A separate id for the plan's care team (FHIR CareTeam).
    care_team_uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="care_plans")
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_plans",
    )
    assessment = models.ForeignKey(
        "assessments.Assessment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_plans",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="care_plans_coordinated",
        help_text="The named co-ordinator: the person's one point of contact.",
    )
    review_date = models.DateField()
    agreed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=["draft", "active"]),
                name="one_current_care_plan_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"Care plan for {self.person}"


class Goal(models.Model):
    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField(help_text="In the person's own words.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class VisitKind(models.TextChoices):
    HOME_CARE = "home_care", "Home care visit"
    REABLEMENT = "reablement", "Reablement visit"
    COMMUNITY_NURSING = "community_nursing", "Community nursing visit"
    OT_HOME_ASSESSMENT = "ot_home_assessment", "Occupational therapy home assessment"
    PHYSIOTHERAPY = "physiotherapy", "Physiotherapy visit"
    EQUIPMENT_DELIVERY = "equipment_delivery", "Equipment delivery and fitting"
    DAY_OPPORTUNITY = "day_opportunity", "Day opportunity"
    TELECARE_INSTALL = "telecare_install", "Telecare installation"
    CARER_SUPPORT = "carer_support", "Carer support visit"
    VOLUNTARY_SUPPORT = "voluntary_support", "Voluntary sector visit"
    SOCIAL_WORK_ASSESSMENT = "social_work_assessment", "Social work assessment visit"


class PlannedService(models.Model):
    class Kind(models.TextChoices):
        HOME_CARE = "home_care", "Home care"
        REABLEMENT = "reablement", "Reablement"
        COMMUNITY_NURSING = "community_nursing", "Community nursing"
        OCCUPATIONAL_THERAPY = "occupational_therapy", "Occupational therapy"
        PHYSIOTHERAPY = "physiotherapy", "Physiotherapy"
        EQUIPMENT = "equipment", "Equipment"
        DAY_OPPORTUNITIES = "day_opportunities", "Day opportunities"
        TELECARE = "telecare", "Telecare"
        CARER_SUPPORT = "carer_support", "Carer support"
        VOLUNTARY_SUPPORT = "voluntary_support", "Voluntary sector support"

    class FundingStream(models.TextChoices):
        COUNCIL = "council", "Council (means-tested)"
        NHS_CHC = "nhs_chc", "NHS Continuing Healthcare"
        REABLEMENT = "reablement", "Reablement (free for up to 6 weeks)"
        S117 = "s117", "Section 117 aftercare"
        MINOR_ADAPTATION = (
            "minor_adaptation",
            "Aids and minor adaptations (aids free; adaptations free to £1,000)",
        )
        NURSING_HOME_FEE = "nursing_home_fee", "NHS-funded nursing care"
        NHS = "nhs", "NHS (other NHS-funded)"
        PERSON_SELF_FUNDED = "person_self_funded", "The person pays (self-funded)"

    class Period(models.TextChoices):
        DAY = "day", "a day"
        WEEK = "week", "a week"
        ONCE = "once", "once"

    DEFAULT_VISIT_KIND = {
        Kind.HOME_CARE: VisitKind.HOME_CARE,
        Kind.REABLEMENT: VisitKind.REABLEMENT,
        Kind.COMMUNITY_NURSING: VisitKind.COMMUNITY_NURSING,
        Kind.OCCUPATIONAL_THERAPY: VisitKind.OT_HOME_ASSESSMENT,
        Kind.PHYSIOTHERAPY: VisitKind.PHYSIOTHERAPY,
        Kind.EQUIPMENT: VisitKind.EQUIPMENT_DELIVERY,
        Kind.DAY_OPPORTUNITIES: VisitKind.DAY_OPPORTUNITY,
        Kind.TELECARE: VisitKind.TELECARE_INSTALL,
        Kind.CARER_SUPPORT: VisitKind.CARER_SUPPORT,
        Kind.VOLUNTARY_SUPPORT: VisitKind.VOLUNTARY_SUPPORT,
    }

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    description = models.CharField(max_length=300, blank=True)
    provider_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="planned_services"
    )
    provider_team = models.ForeignKey(
        "organisations.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="planned_services",
    )
    # Or a named practitioner (issue #15): every service names who visits, a team or a person.
    provider_practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="planned_services",
    )
    # A double-handed service needs two workers at each call (hoist, two-person transfer): each
    # call makes one visit per worker, and the two are one call, never a duplicate.
    workers_needed = models.PositiveSmallIntegerField(
        default=1, choices=[(1, "One worker"), (2, "Two workers (double-handed)")]
    )
    # Where the second worker of a double-handed call comes from, when not the same team.
    second_worker_team = models.ForeignKey(
        "organisations.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    frequency = models.PositiveSmallIntegerField(default=1, help_text="How many times per period.")
    per = models.CharField(max_length=10, choices=Period.choices, default=Period.WEEK)
    hours_per_visit = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    visit_kind = models.CharField(max_length=30, choices=VisitKind.choices)
    funding_stream = models.CharField(max_length=30, choices=FundingStream.choices)
    # Filled in by the funding area (who pays); None until then.
    weekly_cost = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["start", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} from {self.provider_organisation}"

    @property
    def is_double_handed(self) -> bool:
        return self.workers_needed > 1

    @property
    def is_orphaned(self) -> bool:
        """Nobody named to visit: its visits would be on nobody's list."""
        return self.provider_team_id is None and self.provider_practitioner_id is None

    @property
    def who_visits(self) -> str:
        if self.provider_practitioner_id:
            return self.provider_practitioner.get_full_name()
        return self.provider_team.name if self.provider_team_id else "Nobody named"

    @property
    def frequency_text(self) -> str:
        if self.per == self.Period.ONCE:
            text = "Once"
        else:
            text = f"{self.frequency} visit{'s' if self.frequency != 1 else ''} {self.get_per_display()}"
        if self.hours_per_visit:
            text += f", {self.hours_per_visit.normalize():f} hour{'s' if self.hours_per_visit != 1 else ''} each"
        return text


class CareTeamMember(models.Model):
    """Someone on the person's care team: a named practitioner, a whole team, or an organisation."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="care_team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_team_places",
    )
    team = models.ForeignKey(
        "organisations.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="care_team_places",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.CharField(max_length=100)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.role})"

    @property
    def display_name(self) -> str:
        if self.user_id:
            return self.user.get_full_name() or self.user.username
        if self.team_id:
            return self.team.name
        return self.organisation.name if self.organisation_id else ""


class CarePlanVersion(models.Model):
    """The plan as it was after each save, with who saved it and what changed."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    summary = models.CharField(max_length=300)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="one_snapshot_per_plan_version")
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"


class Visit(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        MERGED = "merged", "Merged into a joint visit"
        DONE = "done", "Done"
        MISSED = "missed", "Missed"
        CANCELLED = "cancelled", "Cancelled"

    uuid = models.UUIDField(default=uuid4, unique=True, editable=False)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="visits")
    # When in the day (from the visit's place in the day: morning, lunch, tea, evening).
    time = models.TimeField(null=True, blank=True)
    # What happened, recorded by the worker: done, missed (with why) or cancelled (with why).
    outcome_reason = models.TextField(blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_outcomes",
    )
    outcome_at = models.DateTimeField(null=True, blank=True)
    plan = models.ForeignKey(
        CarePlan, null=True, blank=True, on_delete=models.CASCADE, related_name="visits"
    )
    planned_service = models.ForeignKey(
        PlannedService, null=True, blank=True, on_delete=models.SET_NULL, related_name="visits"
    )
    sequence = models.PositiveSmallIntegerField(default=1, help_text="Which visit of the day.")
    # Which worker of a double-handed call (1 or 2); 1 for a call by one worker.
    worker = models.PositiveSmallIntegerField(default=1)
    kind = models.CharField(max_length=30, choices=VisitKind.choices)
    date = models.DateField(db_index=True)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="visits"
    )
    team = models.ForeignKey(
        "organisations.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="visits"
    )
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_visits"
    )
    # For a joint visit: the other organisations taking part (names, as shown to the person).
    joint_with = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["date", "sequence", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["planned_service", "date", "sequence", "worker"],
                name="one_visit_per_service_slot_and_worker",
            )
        ]
        indexes = [
            models.Index(fields=["team", "date"]),
            models.Index(fields=["person", "kind", "date"]),
            # A day's visits in time order: My work shows the first few of the day for the
            # user's teams without sorting the whole day (130 ms to 3 ms at a million people).
            models.Index(fields=["date", "time"], name="visit_day_in_time_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.person} on {self.date}"

    @property
    def is_joint(self) -> bool:
        return bool(self.joint_with)


class DuplicateDismissal(models.Model):
    """A co-ordinator decided two flagged visits are not duplicates: stop flagging the pair."""

    first = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dismissed_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()

    def __str__(self) -> str:
        return f"{self.first_id}/{self.second_id} not duplicates"

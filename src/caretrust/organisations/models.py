"""Organisations that work as one team, their localities and teams, and the people who use caretrust."""

from __future__ import annotations

from uuid import uuid4

from django.contrib.auth.models import AbstractUser
from django.db import models


class Organisation(models.Model):
    class Kind(models.TextChoices):
        NHS_TRUST = "nhs_trust", "NHS trust"
        COUNCIL = "council", "Council (adult social care)"
        GP_PRACTICE = "gp_practice", "GP practice"
        CARE_PROVIDER = "care_provider", "Care provider"
        VOLUNTARY = "voluntary", "Voluntary organisation"
        # The NHS body that decides NHS Continuing Healthcare eligibility (pathways.md §3).
        ICB = "icb", "Integrated care board"

    # ODS code for NHS bodies and GP practices, ONS/LA code for councils; our own code otherwise.
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    locality = models.ForeignKey(
        "Locality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organisations",
        help_text="For GP practices: the locality (zone) whose team serves its patients.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Locality(models.Model):
    """A zone of the place, served by one locality multidisciplinary team (Torbay had five)."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "localities"

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    class Kind(models.TextChoices):
        LOCALITY_MDT = "locality_mdt", "Locality multidisciplinary team"
        SINGLE_POINT_OF_CONTACT = "spoc", "Single point of contact (co-ordinators)"
        SERVICE = "service", "Service team"

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    locality = models.ForeignKey(
        Locality, null=True, blank=True, on_delete=models.PROTECT, related_name="teams"
    )
    # A locality team spans organisations: its members keep their employers. The hosting
    # organisation is the one accountable for the team's governance.
    host_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="hosted_teams"
    )
    members = models.ManyToManyField("User", through="TeamMembership", related_name="teams")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def member_organisations(self) -> models.QuerySet[Organisation]:
        return Organisation.objects.filter(users__team_memberships__team=self).distinct()


class User(AbstractUser):
    """Someone who signs in: staff of a partner organisation (or, later, a person or carer)."""

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", "Health and social care co-ordinator"
        PRACTITIONER = "practitioner", "Practitioner"
        FINANCE_OFFICER = "finance_officer", "Finance officer"
        ANALYST = "analyst", "Commissioner or analyst"
        PRIVACY_OFFICER = "privacy_officer", "Privacy officer"
        ADMINISTRATOR = "administrator", "Administrator"
        # The person receiving care, and a carer the person has authorised (portal accounts).
        PERSON = "person", "Person receiving care"
        CARER = "carer", "Carer"

    class Profession(models.TextChoices):
        COMMUNITY_NURSE = "community_nurse", "Community nurse"
        OCCUPATIONAL_THERAPIST = "occupational_therapist", "Occupational therapist"
        PHYSIOTHERAPIST = "physiotherapist", "Physiotherapist"
        SOCIAL_WORKER = "social_worker", "Social worker"
        GP = "gp", "GP"
        CARE_WORKER = "care_worker", "Care worker"
        # Staff of a voluntary or community organisation who answer referrals signposted to
        # their services (ADR 110).
        VOLUNTARY_SECTOR = "voluntary_sector", "Voluntary sector worker"

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    profession = models.CharField(
        max_length=30,
        choices=Profession.choices,
        blank=True,
        help_text="Practitioners only.",
    )
    # The id other systems know a member of staff by (FHIR `Practitioner/<fhir_id>`, ADR 0122):
    # never the user name, which is a sign-in credential and can be changed.
    fhir_id = models.UUIDField(default=uuid4, unique=True, editable=False)

    REQUIRED_FIELDS = ["email", "role"]

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    (models.Q(role="practitioner") & ~models.Q(profession=""))
                    | (~models.Q(role="practitioner") & models.Q(profession=""))
                ),
                name="profession_only_and_always_for_practitioners",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def role_label(self) -> str:
        if self.role == self.Role.PRACTITIONER and self.profession:
            return self.get_profession_display()
        return self.get_role_display()


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="team_memberships")
    is_lead = models.BooleanField(default=False)
    started = models.DateField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"

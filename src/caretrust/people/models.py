"""The people index: one Person per real person, with identifiers from every source."""

from __future__ import annotations

import uuid

from django.db import models

from caretrust.guard import Guarded, GuardedQuerySet, Through
from caretrust.people import nhs_number


class PersonQuerySet(GuardedQuerySet):
    def active(self) -> PersonQuerySet:
        """People who have not been merged into another record."""
        return self.filter(merged_into__isnull=True)

    def with_nhs_number(self, value: str) -> PersonQuerySet:
        """People holding this NHS number. An invalid number matches nobody: it is kept on the
        record it came with, flagged, and never used to match."""
        number = nhs_number.normalise(value)
        if not nhs_number.is_valid(number):
            return self.none()
        return self.filter(
            identifiers__system=nhs_number.SYSTEM,
            identifiers__value=number,
            identifiers__data_quality="",
        )


class Person(Guarded):
    writes_through = Through(
        services="caretrust.people.services",
        create="caretrust.people.services.create_person",
        factory="tests.factories.make_person",
    )

    class Sex(models.TextChoices):  # FHIR administrative gender
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        UNKNOWN = "unknown", "Unknown"

    # Ethnicity as the person describes it: the 2021 census categories for England (the CLD's
    # `Ethnicity`, records.md), plus "refused" and "not known"; blank = never asked (ADR 104).
    class Ethnicity(models.TextChoices):
        WHITE_BRITISH = (
            "white_british",
            "White: English, Welsh, Scottish, Northern Irish or British",
        )
        WHITE_IRISH = "white_irish", "White: Irish"
        WHITE_GYPSY = "white_gypsy", "White: Gypsy or Irish Traveller"
        WHITE_ROMA = "white_roma", "White: Roma"
        WHITE_OTHER = "white_other", "White: any other White background"
        MIXED_WHITE_ASIAN = "mixed_white_asian", "Mixed or multiple: White and Asian"
        MIXED_WHITE_BLACK_AFRICAN = (
            "mixed_white_black_african",
            "Mixed or multiple: White and Black African",
        )
        MIXED_WHITE_BLACK_CARIBBEAN = (
            "mixed_white_black_caribbean",
            "Mixed or multiple: White and Black Caribbean",
        )
        MIXED_OTHER = "mixed_other", "Mixed or multiple: any other background"
        ASIAN_BANGLADESHI = "asian_bangladeshi", "Asian or Asian British: Bangladeshi"
        ASIAN_CHINESE = "asian_chinese", "Asian or Asian British: Chinese"
        ASIAN_INDIAN = "asian_indian", "Asian or Asian British: Indian"
        ASIAN_PAKISTANI = "asian_pakistani", "Asian or Asian British: Pakistani"
        ASIAN_OTHER = "asian_other", "Asian or Asian British: any other Asian background"
        BLACK_AFRICAN = "black_african", "Black, Black British, Caribbean or African: African"
        BLACK_CARIBBEAN = "black_caribbean", "Black, Black British, Caribbean or African: Caribbean"
        BLACK_OTHER = "black_other", "Black, Black British, Caribbean or African: any other"
        OTHER_ARAB = "other_arab", "Other ethnic group: Arab"
        OTHER_ANY = "other_any", "Other ethnic group: any other ethnic group"
        REFUSED = "refused", "Refused (chose not to say)"
        NOT_KNOWN = "not_known", "Not known"

    # A stable key that is not the database id: used in URLs, audit rows and analytics extracts.
    ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    death_date = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnicity = models.CharField(max_length=30, choices=Ethnicity.choices, blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=10, blank=True, db_index=True)
    phone = models.CharField(max_length=40, blank=True)
    gp_practice = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registered_people",
        limit_choices_to={"kind": "gp_practice"},
    )
    # Which source supplied the demographics shown (e.g. "fhir:pds", "cld:E06000027", "web").
    demographics_source = models.CharField(max_length=100, blank=True)
    # National Data Opt-out: left out of analytics and exports, never out of direct care.
    opted_out_of_secondary_use = models.BooleanField(default=False)
    # A merge never moves records: the merged-away person points at the survivor, so an un-merge
    # restores both with their own records.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_people"
    )
    # Demographics version (FHIR Patient meta.versionId); PersonVersion keeps each one.
    version = models.PositiveIntegerField(default=1)
    # Created by an import without a usable NHS number: probabilistic linkage has not run yet.
    linkage_pending = models.BooleanField(default=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [
            models.Index(fields=["family_name", "given_name"]),
            models.Index(fields=["birth_date"]),
        ]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name.upper()}".strip()

    @property
    def audit_ref(self) -> str:
        return str(self.ref)

    @property
    def nhs_number(self) -> str | None:
        identifier = self.identifiers.filter(system=nhs_number.SYSTEM, data_quality="").first()
        return identifier.value if identifier else None

    def survivor(self) -> Person:
        """The record this person now lives in (itself unless merged)."""
        person = self
        while person.merged_into_id is not None:
            person = person.merged_into
        return person


class PersonIdentifier(models.Model):
    class Verification(models.TextChoices):
        # UK Core NHSNumberVerificationStatus codes (subset).
        VERIFIED = "01", "Number present and verified"
        NOT_VERIFIED = "02", "Number present but not traced"
        TRACE_REQUIRED = "03", "Trace required"
        NOT_APPLICABLE = "", "Not an NHS number"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identifiers")
    system = models.CharField(max_length=200)
    value = models.CharField(max_length=100)
    verification = models.CharField(
        max_length=2, choices=Verification.choices, blank=True, default=""
    )
    source = models.CharField(max_length=100, blank=True)
    # Blank when the identifier can be trusted for matching. An NHS number that fails its check
    # digit is kept as the source sent it, flagged, and never matched on.
    data_quality = models.CharField(
        max_length=40,
        blank=True,
        default="",
        choices=[("invalid_nhs_number", "Invalid NHS number")],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "system", "value"], name="identifier_once_per_person"
            )
        ]
        indexes = [models.Index(fields=["system", "value"])]

    def __str__(self) -> str:
        return f"{self.system}|{self.value}"


class PersonVersion(models.Model):
    """Each version of a person's demographics (FHIR Patient history and vread)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()  # the FHIR Patient as it was
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="person_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} v{self.version}"


class LinkCandidate(models.Model):
    """A pair the linkage model was unsure about: a reviewer decides whether it is one person."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        ACCEPTED = "accepted", "Same person: linked"
        REJECTED = "rejected", "Different people"

    # `incoming` is the record just imported; `existing` the person already in the index.
    incoming = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    existing = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    match_probability = models.FloatField()
    match_weight = models.FloatField()
    # Per comparison: {"given_name": {"level": "exact", "weight": 3.2}, ...}
    comparisons = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        "organisations.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-match_probability", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incoming", "existing"], name="link_candidate_once")
        ]
        indexes = [models.Index(fields=["status", "match_probability"])]

    def __str__(self) -> str:
        return f"{self.incoming_id} ~ {self.existing_id} ({self.match_probability:.3f})"


class Merge(models.Model):
    """A merge of `merged` into `survivor`, kept so it can be undone."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges")
    reason = models.CharField(max_length=200)  # "nhs_number", "linkage", "review", "manual"
    match_probability = models.FloatField(null=True, blank=True)
    merged_by = models.ForeignKey(
        "organisations.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_by = models.ForeignKey(
        "organisations.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"

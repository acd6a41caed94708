"""The shared care record: every resource imported from health and social care sources, kept as
received (FHIR JSON) with its versions, and one timeline of events per person: the lines of FHIR
resources are read from their `Resource` rows, the other lines (social care events, caretrust's
own steps) are `TimelineEvent` rows (ADR 135).

Records point at the person they were linked to when imported. A merge of two people never moves
records (people.Person.merged_into), so the record of a person is the records of the person and of
everyone merged into them; an un-merge gives each their own records back.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Sector(models.TextChoices):
    HEALTH = "health", "Health"
    SOCIAL_CARE = "social_care", "Social care"
    # caretrust's own events: referral received, routed, accepted; assessment decided; plan agreed.
    INTEGRATED = "integrated", "Integrated care"


class Resource(models.Model):
    """One FHIR resource, its current version: the only place that version is kept (ADR 134);
    its earlier versions are ResourceVersion rows. When `deleted_at` is set, the current version
    is the delete (`version_id`, `last_updated` of the delete; `content` the last one before
    it). Kept as it came, never dropped. A resource is a line of its person's timeline
    (`has_line`) when it is about a known person, has a sector (every type but Patient) and is
    neither quarantined, rejected nor deleted (ADR 135)."""

    resource_type = models.CharField(max_length=64)
    # Our server's id (the source's id when free, else a new UUID).
    logical_id = models.CharField(max_length=64)
    version_id = models.PositiveIntegerField(default=1)
    last_updated = models.DateTimeField()
    content = models.JSONField()
    content_hash = models.CharField(max_length=64)
    # No index of its own: (person, resource_type) below serves look-ups by person (ADR 133).
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resources",
        db_index=False,
    )
    # Where it came from: `source` names the sending system ("fhir" by default, "api:<client>"),
    # `source_id` is that system's id. Source + type + id decides insert / update / skip.
    source = models.CharField(max_length=100)
    source_id = models.CharField(max_length=200)
    source_version = models.CharField(max_length=64, blank=True)
    source_last_updated = models.DateTimeField(null=True, blank=True)
    # Search helpers, filled from the content on write.
    status = models.CharField(max_length=40, blank=True)
    date = models.DateField(null=True, blank=True)
    subject_reference = models.CharField(max_length=200, blank=True)
    # Its timeline line (with `date`): `summaries.summarise`, blank for a Patient (no line).
    sector = models.CharField(max_length=20, choices=Sector.choices, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    # "system|value" per line, so conditional references (Type?identifier=system|value) resolve.
    identifier_index = models.TextField(blank=True)
    # References we could not resolve: [{"path": "...", "reference": "..."}].
    unresolved = models.JSONField(default=list, blank=True)
    # About a person (it names a subject or patient) but the person could not be found: held,
    # served to nobody, listed for data quality to attach to a person or reject.
    quarantined = models.BooleanField(default=False)
    # Set when data quality rejected a quarantined resource (kept, never served).
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejected_reason = models.CharField(max_length=500, blank=True)
    # Deleted through the FHIR API (ADR 109): a read answers 410 Gone, searches leave it out,
    # its versions stay (history and vread), and the delete is itself the last version.
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resource_type", "logical_id"], name="resource_logical_id_unique"
            ),
            models.UniqueConstraint(
                fields=["source", "resource_type", "source_id"], name="resource_source_id_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["person", "resource_type"]),
            models.Index(fields=["resource_type", "last_updated"]),
            models.Index(fields=["resource_type", "date"]),
            # Only the few quarantined rows are ever looked up by it (ADR 133).
            models.Index(
                fields=["quarantined"],
                condition=models.Q(quarantined=True),
                name="resource_quarantined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resource_type}/{self.logical_id}"

    @property
    def has_line(self) -> bool:
        """Whether the resource shows on its person's timeline (the rule of `with_lines`)."""
        return bool(
            self.person_id
            and self.sector
            and not self.quarantined
            and self.rejected_at is None
            and self.deleted_at is None
        )


def with_lines(resources: models.QuerySet) -> models.QuerySet:
    """The resources of `resources` that are lines of a timeline (`Resource.has_line`)."""
    return resources.filter(
        person__isnull=False, quarantined=False, rejected_at__isnull=True, deleted_at__isnull=True
    ).exclude(sector="")


class ResourceVersion(models.Model):
    """A superseded version of a resource (FHIR history and vread). The current version is never
    here, only in its Resource row (ADR 134): a write first copies the row's current version
    here, then overwrites the row. A superseded delete (the resource came back) is kept here
    with `deleted` set."""

    # Indexed by the unique (resource, version_id) below (ADR 133).
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    version_id = models.PositiveIntegerField()
    last_updated = models.DateTimeField()
    content = models.JSONField()
    # A delete that was superseded (its content is the last one before it, for the record).
    deleted = models.BooleanField(default=False)

    class Meta:
        ordering = ["-version_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "version_id"], name="resource_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.version_id}"

    @staticmethod
    def superseding(resource: Resource) -> dict:
        """The fields of the row that keeps `resource`'s current version, written just before a
        write replaces it (ADR 134); a delete that is superseded stays a delete in history."""
        return {
            "resource_id": resource.pk,
            "version_id": resource.version_id,
            "last_updated": resource.last_updated,
            "content": resource.content,
            "deleted": resource.deleted_at is not None,
        }


class SocialCareEvent(models.Model):
    """One Adult Social Care Client Level Data event, deduplicated by DHSC's unique-event rule."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="social_care_events"
    )
    la_code = models.CharField(max_length=20)
    # DHSC person key: traced NHS number, else supplied NHS number, else LA code + LA person id.
    person_key = models.CharField(max_length=100)
    # SHA-256 of the unique-event fields (LA, start, end unless a service, client type, person,
    # event type, route / assessment type / service type and component).
    event_key = models.CharField(max_length=64)
    event_reference = models.CharField(max_length=100, blank=True)
    event_type = models.CharField(max_length=20)  # request | assessment | service | review
    client_type = models.CharField(max_length=20)  # service_user | carer
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    event_outcome = models.CharField(max_length=80, blank=True)
    request_route_of_access = models.CharField(max_length=80, blank=True)
    assessment_type = models.CharField(max_length=30, blank=True)
    eligible_needs_identified = models.BooleanField(null=True, blank=True)
    service_type = models.CharField(max_length=40, blank=True)
    service_component = models.CharField(max_length=60, blank=True)
    delivery_mechanism = models.CharField(max_length=60, blank=True)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    cost_frequency_unit_type = models.CharField(max_length=30, blank=True)
    planned_units_per_week = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    review_reason = models.CharField(max_length=80, blank=True)
    # The row's fields as submitted, but for the submission and the person key (ADR 87): what
    # `caretrust export cld` writes back, so export → import → export gives the same file.
    cld_fields = models.JSONField(default=dict, blank=True)
    reporting_period_end = models.DateField(null=True, blank=True)
    # Closed by the open-services rule (missing from the next period) rather than by the source.
    closed_at_period_end = models.BooleanField(default=False)
    source = models.CharField(max_length=100)
    imported_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["la_code", "event_key"], name="cld_unique_event")
        ]
        indexes = [models.Index(fields=["person", "start_date"])]

    def __str__(self) -> str:
        return f"{self.la_code} {self.event_type} {self.start_date}"


class TimelineEvent(models.Model):
    """One line of a person's timeline that is not a FHIR resource's: a social care event (CLD)
    or one of caretrust's own steps (`services.note_care_event`). A resource's line is read from
    its `Resource` row (ADR 135)."""

    # Indexed by (person, date) below (ADR 133).
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="timeline", db_index=False
    )
    date = models.DateField(null=True, blank=True)
    sector = models.CharField(max_length=20, choices=Sector.choices)
    source = models.CharField(max_length=100)
    kind = models.CharField(max_length=64)  # the CLD event type, or caretrust's step
    summary = models.CharField(max_length=300)
    social_care_event = models.OneToOneField(
        SocialCareEvent,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="timeline_event",
    )

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["person", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.kind}: {self.summary}"


class AboutMe(models.Model):
    """One version of a person's "About me", written by their care team. The newest is current."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="about_me")
    version = models.PositiveIntegerField()
    what_matters = models.TextField("What matters to me", blank=True)
    communication = models.TextField("How to communicate with me", blank=True)
    lives_with = models.TextField("Who I live with", blank=True)
    carer = models.TextField("My carer", blank=True)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="about_me_version_unique")
        ]

    def __str__(self) -> str:
        return f"About me {self.person_id} v{self.version}"

"""The local services directory, imported from an Open Referral UK (HSDS 3.0 UK profile) feed.

Field names follow HSDS 3.0 (`organization`, `service`, `location`, `service_at_location`,
`contact`, `schedule`); each row keeps the feed's own `id` (`oruk_id`), which makes a re-import
an update of the same rows. HSDS 3.0 has no eligibility table: who a service is for is the
service's `eligibility_description`, `minimum_age` and `maximum_age` (ADR 110). No personal data:
these models are not guarded; only the importer writes them (`directory.importer`)."""

from __future__ import annotations

from django.db import models


class DirectoryOrganisation(models.Model):
    """HSDS `organization`: who runs services (a charity, community group, council team)."""

    oruk_id = models.CharField(max_length=250, unique=True)
    name = models.CharField(max_length=250)
    alternate_name = models.CharField(max_length=250, blank=True)
    description = models.TextField(blank=True)
    email = models.CharField(max_length=250, blank=True)
    website = models.CharField(max_length=500, blank=True)
    # HSDS `organization_identifiers` (scheme, type, identifier), as the feed sent them.
    identifiers = models.JSONField(default=list, blank=True)
    # The partner organisation on caretrust that runs these services (so a signposted referral
    # reaches its staff): linked when one of the identifiers is that organisation's code.
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="directory_organisations",
    )
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DirectoryLocation(models.Model):
    """HSDS `location` with its first physical address flattened (the rest kept as sent)."""

    oruk_id = models.CharField(max_length=250, unique=True)
    location_type = models.CharField(max_length=20, blank=True)
    name = models.CharField(max_length=250, blank=True)
    description = models.TextField(blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    addresses = models.JSONField(default=list, blank=True)
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name or self.oruk_id

    @property
    def address_line(self) -> str:
        for address in self.addresses:
            parts = [address.get(k, "") for k in ("address_1", "city", "postal_code")]
            return ", ".join(p for p in parts if p)
        return ""


class DirectoryService(models.Model):
    class Status(models.TextChoices):  # HSDS 3.0 service.status
        ACTIVE = "active", "Active"
        INACTIVE = "inactive", "Inactive"
        DEFUNCT = "defunct", "Defunct"
        TEMPORARILY_CLOSED = "temporarily closed", "Temporarily closed"

    oruk_id = models.CharField(max_length=250, unique=True)
    organization = models.ForeignKey(
        DirectoryOrganisation, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(max_length=250)
    alternate_name = models.CharField(max_length=250, blank=True)
    description = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    email = models.CharField(max_length=250, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    application_process = models.TextField(blank=True)
    fees_description = models.TextField(blank=True)
    # Eligibility (HSDS 3.0 keeps it on the service).
    eligibility_description = models.TextField(blank=True)
    minimum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    maximum_age = models.PositiveSmallIntegerField(null=True, blank=True)
    assured_date = models.DateField(null=True, blank=True)
    alert = models.TextField(blank=True)
    last_modified = models.DateTimeField(null=True, blank=True)
    # HSDS `attributes` linking the service to taxonomy terms (its categories), as sent; and the
    # terms' names, lower case, between bars, for the co-ordinator's category search.
    attributes = models.JSONField(default=list, blank=True)
    category_names = models.TextField(blank=True)
    content_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def categories(self) -> list[str]:
        return [
            (a.get("taxonomy_term") or {}).get("name", "")
            for a in self.attributes
            if (a.get("taxonomy_term") or {}).get("name")
        ]


class DirectoryServiceAtLocation(models.Model):
    """HSDS `service_at_location`: where a service is delivered."""

    oruk_id = models.CharField(max_length=250)
    service = models.ForeignKey(
        DirectoryService, on_delete=models.CASCADE, related_name="service_at_locations"
    )
    location = models.ForeignKey(
        DirectoryLocation, on_delete=models.PROTECT, related_name="service_at_locations"
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "oruk_id"], name="directory_sal_once")
        ]

    def __str__(self) -> str:
        return f"{self.service} at {self.location}"


class DirectoryContact(models.Model):
    """HSDS `contact` of a service, with its `phones` as sent."""

    oruk_id = models.CharField(max_length=250)
    service = models.ForeignKey(DirectoryService, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=250, blank=True)
    title = models.CharField(max_length=250, blank=True)
    department = models.CharField(max_length=250, blank=True)
    email = models.CharField(max_length=250, blank=True)
    phones = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "oruk_id"], name="directory_contact_once")
        ]

    def __str__(self) -> str:
        return self.name or self.oruk_id


class DirectorySchedule(models.Model):
    """HSDS `schedule` of a service: an RFC 5545 recurrence (freq, interval, byday...) with
    opening times."""

    oruk_id = models.CharField(max_length=250)
    service = models.ForeignKey(
        DirectoryService, on_delete=models.CASCADE, related_name="schedules"
    )
    freq = models.CharField(max_length=10, blank=True)
    interval = models.PositiveSmallIntegerField(null=True, blank=True)
    byday = models.CharField(max_length=50, blank=True)
    bymonthday = models.CharField(max_length=50, blank=True)
    opens_at = models.CharField(max_length=8, blank=True)
    closes_at = models.CharField(max_length=8, blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    dtstart = models.DateField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    attending_type = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["service", "oruk_id"], name="directory_schedule_once")
        ]

    def __str__(self) -> str:
        return f"{self.freq} {self.byday} {self.opens_at}-{self.closes_at}".strip()

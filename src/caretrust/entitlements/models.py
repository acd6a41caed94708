"""The records that entitle a person to care free at the point of delivery, so a plan line funded
by that stream has an authority behind it (ADR 73): section 117 aftercare (Mental Health Act
1983) and a reablement episode (free for the first six weeks, SI 2014/2672 reg 3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class _Period(models.Model):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    start = models.DateField()
    end = models.DateField(null=True, blank=True, help_text="Empty while it lasts.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    end_reason = models.TextField(blank=True)

    class Meta:
        abstract = True
        ordering = ["-start", "-pk"]

    def current_on(self, day) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


class S117Entitlement(_Period):
    """A recorded entitlement to s117 aftercare after detention under a qualifying section."""

    detention = models.CharField(
        max_length=300,
        help_text="The section and where detained, e.g. 'Section 3, Torbay Hospital'.",
    )

    class Meta(_Period.Meta):
        verbose_name = "section 117 aftercare entitlement"

    def __str__(self) -> str:
        return f"s117 aftercare for {self.person} from {self.start}"


class ReablementEpisode(_Period):
    """A time-limited reablement (CLD Short Term Support: ST-Max) episode; the first six weeks
    are free (`planned_end`). `end` is the end in force: the planned end until the outcome is
    recorded, then the day it really ended. The outcome is one of the SALT STS002a sequels
    (pathways.md §8), each mapped to a CLD Release 2 Event_Outcome (`discharge.cld`)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "In progress"
        ENDED = "ended", "Ended, outcome recorded"

    class Outcome(models.TextChoices):
        # pathways.md §8 (SALT STS002a sequels to ST-Max), in its order.
        EARLY_NHS = "early_nhs", "Ended early: NHS-funded care or end of life"
        EARLY_HOSPITAL = "early_hospital", "Ended early: admitted to hospital"
        EARLY_DIED = "early_died", "Ended early: the person died"
        EARLY_NOT_LTS = "early_not_lts", "Ended early, not leading to long-term support"
        EARLY_LTS = "early_lts", "Ended early, leading to long-term support"
        LONG_TERM = "long_term", "Long-term support"
        ONGOING_LOW_LEVEL = "ongoing_low_level", "Ongoing low-level support"
        SHORT_TERM_OTHER = "short_term_other", "Other short-term support"
        SELF_FUNDING = "no_services_self_funding", "No services: self-funding"
        DECLINED = "no_services_declined", "No services: support declined"
        UNIVERSAL = "no_services_universal", "No services: universal services or signposted"
        NO_NEEDS = "no_services_no_needs", "No services: no identified needs"

    goal = models.CharField(max_length=300, blank=True)
    planned_end = models.DateField(
        null=True, blank=True, help_text="The end of the six free weeks (start + 6 weeks - 1)."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta(_Period.Meta):
        verbose_name = "reablement episode"

    def __str__(self) -> str:
        return f"Reablement for {self.person} from {self.start}"

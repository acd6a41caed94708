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
    are free."""

    goal = models.CharField(max_length=300, blank=True)

    class Meta(_Period.Meta):
        verbose_name = "reablement episode"

    def __str__(self) -> str:
        return f"Reablement for {self.person} from {self.start}"

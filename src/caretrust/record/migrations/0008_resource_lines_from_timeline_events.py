"""The timeline lines of FHIR resources move from their `TimelineEvent` rows into the resources'
own `sector` and `summary` (ADR 135); the other resources (quarantined, deleted, about nobody)
get theirs from their content. Backwards: a `TimelineEvent` for each resource with a line.

Its own migration, between the one adding the columns and the one dropping the foreign key: on
PostgreSQL each migration is one transaction, and a table may not be altered while the same
transaction has updated it (pending deferred foreign-key checks)."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

CHUNK = 2000


def _line_columns(resource_type: str, content) -> tuple[str, str]:
    # The rule every write uses (`summaries.line_columns`); summaries is plain Python, no models.
    from caretrust.record.summaries import summarise

    if resource_type == "Patient":
        return "", ""
    summary = summarise(content if isinstance(content, dict) else {})
    return summary.sector, summary.text


def forwards(apps, schema_editor):
    Resource = apps.get_model("record", "Resource")
    TimelineEvent = apps.get_model("record", "TimelineEvent")
    events = TimelineEvent.objects.filter(resource_id=OuterRef("pk"))
    # One statement for the many: the line as it was shown.
    Resource.objects.filter(
        pk__in=TimelineEvent.objects.filter(resource__isnull=False).values("resource_id")
    ).update(
        sector=Subquery(events.values("sector")[:1]),
        summary=Subquery(events.values("summary")[:1]),
    )
    # The few without a line (quarantined, deleted, reference data): from their content, as
    # every write now fills them.
    lineless = (
        Resource.objects.exclude(resource_type="Patient")
        .exclude(pk__in=TimelineEvent.objects.filter(resource__isnull=False).values("resource_id"))
        .only("pk", "resource_type", "content")
        .order_by("pk")
    )
    last = 0
    while True:
        chunk = list(lineless.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            break
        for row in chunk:
            row.sector, row.summary = _line_columns(row.resource_type, row.content)
        Resource.objects.bulk_update(chunk, ["sector", "summary"])
        last = chunk[-1].pk
    TimelineEvent.objects.filter(resource__isnull=False).delete()


def backwards(apps, schema_editor):
    Resource = apps.get_model("record", "Resource")
    TimelineEvent = apps.get_model("record", "TimelineEvent")
    with_lines = (
        Resource.objects.filter(
            person__isnull=False,
            quarantined=False,
            rejected_at__isnull=True,
            deleted_at__isnull=True,
        )
        .exclude(sector="")
        .values("pk", "person_id", "date", "sector", "source", "resource_type", "summary")
        .order_by("pk")
    )
    last = 0
    while True:
        chunk = list(with_lines.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            break
        TimelineEvent.objects.bulk_create(
            TimelineEvent(
                person_id=row["person_id"],
                date=row["date"],
                sector=row["sector"],
                source=row["source"],
                kind=row["resource_type"],
                summary=row["summary"],
                resource_id=row["pk"],
            )
            for row in chunk
        )
        last = chunk[-1]["pk"]


class Migration(migrations.Migration):
    dependencies = [
        ("record", "0007_resource_timeline_line"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

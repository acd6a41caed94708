from django.db import migrations


class Migration(migrations.Migration):
    """`TimelineEvent` no longer holds FHIR resources' lines (ADR 135)."""

    dependencies = [
        ("record", "0008_resource_lines_from_timeline_events"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="timelineevent",
            name="resource",
        ),
    ]

from django.db import migrations, models


class Migration(migrations.Migration):
    """A resource's timeline line is read from its own row (ADR 135): its sector and summary."""

    dependencies = [
        ("record", "0006_fewer_redundant_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="resource",
            name="sector",
            field=models.CharField(
                blank=True,
                choices=[
                    ("health", "Health"),
                    ("social_care", "Social care"),
                    ("integrated", "Integrated care"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="resource",
            name="summary",
            field=models.CharField(blank=True, max_length=300),
        ),
    ]

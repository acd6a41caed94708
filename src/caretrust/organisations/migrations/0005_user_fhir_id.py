"""Every user gets a stable FHIR id (ADR 0122): added empty, filled one by one, then unique."""

from uuid import uuid4

from django.db import migrations, models


def fill_fhir_ids(apps, schema_editor):
    User = apps.get_model("organisations", "User")
    for user in User.objects.filter(fhir_id__isnull=True).only("pk").iterator():
        User.objects.filter(pk=user.pk).update(fhir_id=uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0004_alter_user_profession"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="fhir_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(fill_fhir_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="fhir_id",
            field=models.UUIDField(default=uuid4, editable=False, unique=True),
        ),
    ]

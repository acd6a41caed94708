"""The shipped default of the council's s42 decision timescale: 2 working days, a placeholder
(no national timescale exists: pathways.md §1, [unconfirmed]). A council changes the row."""

from datetime import date

from django.db import migrations


def add_default(apps, schema_editor):
    DecisionTimescale = apps.get_model("safeguarding", "DecisionTimescale")
    if not DecisionTimescale.objects.exists():
        DecisionTimescale.objects.create(
            days=2,
            counting="working",
            effective_from=date(2000, 1, 1),
            note="Default placeholder: no national timescale (pathways.md §1); set the local "
            "multi-agency procedure's.",
        )


class Migration(migrations.Migration):
    dependencies = [("safeguarding", "0001_initial")]
    operations = [migrations.RunPython(add_default, migrations.RunPython.noop)]

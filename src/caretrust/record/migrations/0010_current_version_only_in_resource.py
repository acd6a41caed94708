"""ADR 134: a resource's current version lives only in its Resource row; ResourceVersion keeps
the versions it superseded. Forward deletes the version rows that repeat the current version
(the same version_id as the row's, a delete included: a deleted resource's current version is
the delete, kept as the row's `deleted_at`); reverse writes them back from Resource."""

from django.db import migrations

# Plain SQL that SQLite and PostgreSQL both run (tests run it on rows made the old way).
FORWARD = """
DELETE FROM record_resourceversion
WHERE EXISTS (
    SELECT 1 FROM record_resource
    WHERE record_resource.id = record_resourceversion.resource_id
    AND record_resource.version_id = record_resourceversion.version_id
)
"""

REVERSE = """
INSERT INTO record_resourceversion (resource_id, version_id, last_updated, content, deleted)
SELECT r.id, r.version_id, r.last_updated, r.content, r.deleted_at IS NOT NULL
FROM record_resource r
WHERE NOT EXISTS (
    SELECT 1 FROM record_resourceversion v
    WHERE v.resource_id = r.id AND v.version_id = r.version_id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("record", "0009_remove_timelineevent_resource"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, reverse_sql=REVERSE, elidable=False),
    ]

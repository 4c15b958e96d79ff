"""segmenta_member_ids(bigint): array_agg with a combine step, so the preview's grouped pass
(which collects the members' sampled ids) may run in parallel. PostgreSQL's own array_agg
has none before version 16, and one such aggregate made the whole pass serial.
"""

from django.db import migrations

CREATE = """
CREATE AGGREGATE segmenta_member_ids(bigint) (
    SFUNC = array_append, STYPE = bigint[], INITCOND = '{}',
    COMBINEFUNC = array_cat, PARALLEL = SAFE
)
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP AGGREGATE segmenta_member_ids(bigint)")


class Migration(migrations.Migration):
    dependencies = [("segmentation", "0013_order_history")]

    operations = [migrations.RunPython(create, drop)]

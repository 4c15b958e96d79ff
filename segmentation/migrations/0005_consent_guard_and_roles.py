"""Make the consent ledger append-only in the database too, and give the roles their rights.

On PostgreSQL a trigger refuses UPDATE and DELETE of consent events, with one exception:
erasing a person clears the event's customer link and nothing else (the entry stays,
identified by its keyed address hash). SQLite, the embedded default, relies on the ORM guard.
"""

from django.db import migrations

from segmentation.migrations._roles import grant

GUARD = """
CREATE OR REPLACE FUNCTION segmenta_consent_event_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.customer_id IS NOT NULL AND NEW.customer_id IS NULL
       AND (to_jsonb(NEW) - 'customer_id') = (to_jsonb(OLD) - 'customer_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'consent events are append-only (% refused)', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER segmenta_consent_event_append_only
    BEFORE UPDATE OR DELETE ON segmentation_consentevent
    FOR EACH ROW EXECUTE FUNCTION segmenta_consent_event_guard();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS segmenta_consent_event_append_only ON segmentation_consentevent;
DROP FUNCTION IF EXISTS segmenta_consent_event_guard();
"""

ROLES = {
    "Marketer": ["segmentation.view_topic", "segmentation.view_consentevent"],
    "Data admin": [
        "segmentation.view_topic", "segmentation.add_topic", "segmentation.change_topic",
        "segmentation.view_consentevent", "segmentation.add_consentevent",
        "segmentation.view_consentwording", "segmentation.add_consentwording",
        "segmentation.view_suppression",
    ],
}  # fmt: skip

FIRST_WORDING = (
    "Yes, send me news and offers by email. I can unsubscribe at any time with the link in "
    "every message or in my preference center."
)


def guard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GUARD, params=None)


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(UNGUARD, params=None)


def grant_roles(apps, schema_editor):
    grant(apps, ROLES)


def first_wording(apps, schema_editor):
    ConsentWording = apps.get_model("segmentation", "ConsentWording")
    ConsentWording.objects.get_or_create(version="email-v1", defaults={"text": FIRST_WORDING})


class Migration(migrations.Migration):
    dependencies = [("segmentation", "0004_consent_ledger")]

    operations = [
        migrations.RunPython(guard, unguard),
        migrations.RunPython(grant_roles, migrations.RunPython.noop),
        migrations.RunPython(first_wording, migrations.RunPython.noop),
    ]

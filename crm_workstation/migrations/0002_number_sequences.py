"""PostgreSQL: one database sequence per human-number counter, continuing the counter table."""

from django.db import migrations

SEQUENCES = {
    "РЛ": "crm_number_worksheet",
    "ЗД": "crm_number_task",
    "ЗС": "crm_number_service_request",
}


def create_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    NumberSequence = apps.get_model("crm_workstation", "NumberSequence")
    last = dict(NumberSequence.objects.values_list("name", "value"))
    for name, sequence in SEQUENCES.items():
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence}")
        if last.get(name):
            schema_editor.execute("SELECT setval(%s, %s)", [sequence, last[name]])


def drop_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sequence in SEQUENCES.values():
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {sequence}")


class Migration(migrations.Migration):
    dependencies = [("crm_workstation", "0001_initial")]
    operations = [migrations.RunPython(create_sequences, drop_sequences)]

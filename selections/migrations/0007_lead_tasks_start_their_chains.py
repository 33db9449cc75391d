"""A lead's task is the first of its chain (its own `origin_task`), as «Создать рабочие листы»
makes it since tasks 0006; tasks made before then get it here, so «Аналитика» finds every
lead's chain by that one column."""

from django.db import migrations
from django.db.models import F


def lead_tasks_start_their_chains(apps, schema_editor):
    Task = apps.get_model("tasks", "Task")
    Lead = apps.get_model("selections", "Lead")
    Task.objects.filter(
        origin_task__isnull=True,
        pk__in=Lead.objects.filter(task__isnull=False).values("task_id"),
    ).update(origin_task=F("pk"))


class Migration(migrations.Migration):
    dependencies = [
        ("selections", "0006_leadbatch_file"),
        ("tasks", "0006_task_origin"),
    ]

    operations = [
        migrations.RunPython(lead_tasks_start_their_chains, migrations.RunPython.noop),
    ]

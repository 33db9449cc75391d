"""Task.department: the worksheet's department kept on the task, filled in from the worksheets."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_departments(apps, schema_editor):
    Worksheet = apps.get_model("worksheets", "Worksheet")
    department = Subquery(
        Worksheet.objects.filter(pk=OuterRef("worksheet_id")).values("department_id")[:1]
    )
    for name in ("Task", "HistoricalTask"):
        apps.get_model("tasks", name).objects.update(department_id=department)


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0010_task_taken_executor_planned"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicaltask",
            name="department",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="crm_workstation.department",
                verbose_name="ЦФО",
            ),
        ),
        migrations.AddField(
            model_name="task",
            name="department",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="crm_workstation.department",
                verbose_name="ЦФО",
            ),
        ),
        migrations.RunPython(fill_departments, migrations.RunPython.noop),
    ]

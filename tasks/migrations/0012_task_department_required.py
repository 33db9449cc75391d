"""Task.department required, and the indexes that lead with it (after 0011 filled it: on
PostgreSQL a table with pending foreign-key checks from that UPDATE cannot be altered in the
same transaction)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tasks", "0011_task_department"),
    ]

    operations = [
        migrations.AlterField(
            model_name="task",
            name="department",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="crm_workstation.department",
                verbose_name="ЦФО",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["department", "planned_at"],
                include=[
                    "status",
                    "outcome",
                    "interview_result",
                    "executor",
                    "task_type",
                    "vehicle",
                    "finished_at",
                    "id",
                ],
                name="task_department_planned",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("executor__isnull", True)),
                fields=["department", "status", "planned_at", "worksheet"],
                name="task_unassigned_department",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(
                    ("status", "new"),
                    ("status", "in_work"),
                    ("status", "on_control"),
                    _connector="OR",
                ),
                fields=["department", "worksheet"],
                name="task_unfinished_department",
            ),
        ),
            migrations.RemoveIndex(model_name="task", name="task_executor_status_ws"),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["executor", "status", "worksheet", "department"],
                name="task_executor_status_ws",
            ),
        ),
    ]

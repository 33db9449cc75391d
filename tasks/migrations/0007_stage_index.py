from django.db import migrations, models


class Migration(migrations.Migration):
    """«Этапы сделок» reads the worksheet ids of a user's tasks by status: from this index
    alone (an index-only scan), without visiting the task rows."""

    dependencies = [
        ("tasks", "0006_task_origin"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                fields=["executor", "status", "worksheet"], name="task_executor_status_ws"
            ),
        ),
    ]

import django.core.files.storage  # noqa: F401
from django.db import migrations, models

import selections.models


class Migration(migrations.Migration):
    dependencies = [
        ("selections", "0005_kind_name_per_department_lead_mileage"),
    ]

    operations = [
        migrations.AddField(
            model_name="leadbatch",
            name="file",
            field=models.FileField(
                blank=True,
                max_length=255,
                storage=selections.models.importer_files_storage,
                upload_to="importer/%Y/%m/",
                verbose_name="загруженный файл",
            ),
        ),
    ]

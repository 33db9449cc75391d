"""The purposes a dealership starts with; department heads edit them in the admin."""

from django.db import migrations

PURPOSES = [
    "Приглашение на ТО",
    "Возврат потерянного клиента",
    "Выполнение рекомендаций",
    "Контроль качества после визита",
    "Окончание гарантии",
    "Запись на сервис",
    "Продажа автомобиля",
    "Продажа запчастей и аксессуаров",
    "Прочее",
]


def forwards(apps, schema_editor):
    Purpose = apps.get_model("worksheets", "Purpose")
    for order, name in enumerate(PURPOSES, start=1):
        Purpose.objects.get_or_create(name=name, defaults={"order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("worksheets", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""The task lists a dealership starts with; department heads edit them in the admin."""

from django.db import migrations

TASK_TYPES = [
    ("maintenance_call", "Звонок ТО"),
    ("lost_client_call", "Звонок потерянному клиенту"),
    ("recommendations_call", "Звонок по рекомендациям"),
    ("post_visit_call", "Звонок после визита"),
    ("warranty_end_call", "Звонок по окончании гарантии"),
    ("repeat_call", "Повторный звонок"),
    ("other_department", "Задача от другого отдела"),
]
# name, behaviour, allows_control, counts_as_booking
INTERVIEW_RESULTS = [
    ("Клиент записан на сервис во время звонка", "booked_during_call", False, True),
    ("Клиент записан на сервис", "booked", True, True),
    ("Планирует визит позже", "other", True, False),
    ("Перезвонить позже", "other", True, False),
    ("Обслуживается у другого дилера", "other", False, False),
    ("Продал автомобиль", "other", False, False),
    ("Не требуется", "other", False, False),
    ("Недоволен обслуживанием", "other", False, False),
]
PURCHASE_OPTIONS = [
    "За свой счёт",
    "По гарантии",
    "По полису КАСКО",
    "Предоплаченное ТО / сервисный контракт",
    "Корпоративный договор",
]


def forwards(apps, schema_editor):
    TaskType = apps.get_model("tasks", "TaskType")
    InterviewResult = apps.get_model("tasks", "InterviewResult")
    PurchaseOption = apps.get_model("tasks", "PurchaseOption")
    for order, (code, name) in enumerate(TASK_TYPES, start=1):
        TaskType.objects.get_or_create(code=code, defaults={"name": name, "order": order * 10})
    for order, (name, behaviour, allows_control, booking) in enumerate(INTERVIEW_RESULTS, start=1):
        InterviewResult.objects.get_or_create(
            name=name,
            defaults={
                "order": order * 10,
                "behaviour": behaviour,
                "allows_control": allows_control,
                "counts_as_booking": booking,
            },
        )
    for order, name in enumerate(PURCHASE_OPTIONS, start=1):
        PurchaseOption.objects.get_or_create(name=name, defaults={"order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("tasks", "0002_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""Both importer-file variants with the default column aliases (importer-samples/README.md)."""

from django.db import migrations

ALIASES = {
    "vin": ["VIN", "VIN-код", "VIN код", "VIN номер", "Идентификационный номер"],
    "plate": ["Госномер", "Гос. номер", "Гос номер", "Рег. номер", "Регистрационный номер", "Госрегзнак"],
    "make": ["Марка", "Бренд"],
    "model": ["Модель"],
    "year": ["Год выпуска", "Год"],
    "client_name": ["ФИО", "ФИО клиента", "Клиент", "Владелец", "Наименование", "Контрагент"],
    "phone": ["Телефон", "Тел.", "Мобильный телефон", "Контактный телефон", "Телефоны"],
    "email": ["E-mail", "Email", "Эл. почта", "Электронная почта"],
    "sale_date": ["Дата продажи"],
    "last_visit": ["Дата последнего визита", "Последний визит", "Дата последнего ТО"],
    "mileage": ["Пробег", "Пробег, км", "Пробег на последнем ТО", "Последний пробег"],
    "next_maintenance": ["Дата следующего ТО", "Рекомендуемая дата ТО"],
    "dealer_code": ["Код дилера", "Дилер", "Дилер последнего визита"],
    "comment": ["Комментарий", "Примечание", "Примечание импортера"],
}
VARIANTS = [
    ("maintenance", "Клиенты ТО", "maintenance_call", "Приглашение на ТО"),
    ("lost_clients", "Потерянные клиенты", "lost_client_call", "Возврат потерянного клиента"),
]


def forwards(apps, schema_editor):
    TaskType = apps.get_model("tasks", "TaskType")
    Purpose = apps.get_model("worksheets", "Purpose")
    ImporterVariant = apps.get_model("selections", "ImporterVariant")
    ImporterColumnAlias = apps.get_model("selections", "ImporterColumnAlias")
    for code, name, task_type_code, purpose_name in VARIANTS:
        variant, _ = ImporterVariant.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "task_type": TaskType.objects.get(code=task_type_code),
                "purpose": Purpose.objects.get(name=purpose_name),
            },
        )
        for field, aliases in ALIASES.items():
            for alias in aliases:
                ImporterColumnAlias.objects.get_or_create(variant=variant, alias=alias, defaults={"field": field})


class Migration(migrations.Migration):
    dependencies = [
        ("selections", "0002_initial"),
        ("tasks", "0003_reference_data"),
        ("worksheets", "0002_purposes"),
    ]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

"""Starting values a department head then adjusts in the admin: when to call again after each
outcome, and a call script for each kind of campaign call."""

from django.db import migrations

DELAYS = {"interview": 7, "no_answer": 1, "refused": 30, "wrong_data": 7, "repeat": 7}
RESULT_DAYS = {"Перезвонить позже": 3, "Планирует визит позже": 14}
SCRIPTS = {
    "maintenance_call": (
        "Здравствуйте, {клиент}! Меня зовут {менеджер}, дилерский центр. По нашим расчётам, "
        "вашему автомобилю {автомобиль} подходит плановое ТО — ориентировочно {следующее ТО}. "
        "Последний раз вы были у нас {последний визит}. Удобно записать вас на сервис?"
    ),
    "lost_client_call": (
        "Здравствуйте, {клиент}! Меня зовут {менеджер}, дилерский центр. Вы обслуживали у нас "
        "{автомобиль}, последний визит — {последний визит}. Подскажите, всё ли в порядке с "
        "автомобилем и где вы обслуживаетесь сейчас? Можем предложить удобное время для визита."
    ),
    "recommendations_call": (
        "Здравствуйте, {клиент}! Меня зовут {менеджер}, дилерский центр. При последнем визите "
        "({последний визит}) мастер дал рекомендации по {автомобиль}. Хотите записаться, "
        "чтобы выполнить их?"
    ),
    "post_visit_call": (
        "Здравствуйте, {клиент}! Меня зовут {менеджер}, дилерский центр. {последний визит} вы "
        "были у нас на сервисе с {автомобиль}. Всё ли понравилось? Оцените, пожалуйста, визит "
        "от 1 до 5."
    ),
    "warranty_end_call": (
        "Здравствуйте, {клиент}! Меня зовут {менеджер}, дилерский центр. Гарантия на "
        "{автомобиль} скоро заканчивается. Предлагаем пройти диагностику до её окончания."
    ),
}


def forwards(apps, schema_editor):
    FollowUpDelay = apps.get_model("tasks", "FollowUpDelay")
    InterviewResult = apps.get_model("tasks", "InterviewResult")
    TaskType = apps.get_model("tasks", "TaskType")
    CallScript = apps.get_model("tasks", "CallScript")
    for outcome, days in DELAYS.items():
        FollowUpDelay.objects.get_or_create(outcome=outcome, defaults={"days": days})
    for name, days in RESULT_DAYS.items():
        InterviewResult.objects.filter(name=name, follow_up_days=None).update(follow_up_days=days)
    for code, text in SCRIPTS.items():
        task_type = TaskType.objects.filter(code=code).first()
        if task_type is not None:
            CallScript.objects.get_or_create(task_type=task_type, purpose=None, defaults={"text": text})


class Migration(migrations.Migration):
    dependencies = [("tasks", "0004_call_scripts_follow_ups_version")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

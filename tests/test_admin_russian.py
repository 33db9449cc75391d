"""The admin speaks correct Russian: titles, buttons, counters and messages decline the model's
name («Выберите задачу для изменения», «7 видов задач», «Задача … была успешно изменена»),
and people are shown by their names, not their logins."""

import re

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from client_history.models import Client
from crm_workstation import admin_grammar as grammar
from crm_workstation.admin import AdminBaseMixin
from crm_workstation.models import EmployeeProfile
from tasks.models import Task, TaskType
from tests.factories import ClientFactory, TaskFactory, UserFactory, WorksheetFactory
from tests.test_admin import REGISTERED, build_object
from worksheets.models import Purpose, Worksheet

pytestmark = pytest.mark.django_db


def _url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


def _text(response) -> str:
    """The page as a reader sees it: tags dropped, whitespace collapsed."""
    return " ".join(strip_tags(response.content.decode()).split())


def _messages(response) -> list[str]:
    return [" ".join(strip_tags(str(m)).split()) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("count", "form"),
    [
        (0, "many"),
        (1, "one"),
        (2, "few"),
        (4, "few"),
        (5, "many"),
        (11, "many"),
        (12, "many"),
        (14, "many"),
        (21, "one"),
        (22, "few"),
        (25, "many"),
        (101, "one"),
        (111, "many"),
    ],
)
def test_russian_count_forms(count, form):
    assert grammar.plural_category(count) == form


def test_every_registered_admin_speaks_russian_and_has_its_noun():
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, AdminBaseMixin), model._meta.label
        assert model._meta.label in grammar.NOUNS, model._meta.label


def test_noun_table_agrees_with_the_models_own_names():
    for model in REGISTERED:
        noun = grammar.NOUNS[model._meta.label]
        if model._meta.label.startswith("django_tasks_database."):
            continue  # the library's English names; the table gives the Russian ones
        assert noun.one == model._meta.verbose_name, model._meta.label
        assert noun.plural == model._meta.verbose_name_plural, model._meta.label


@pytest.mark.parametrize(
    ("label", "counts"),
    [
        ("tasks.TaskType", ["1 вид задачи", "2 вида задачи", "5 видов задач", "21 вид задачи"]),
        ("tasks.Task", ["1 задача", "2 задачи", "5 задач", "21 задача"]),
        (
            "worksheets.Worksheet",
            ["1 рабочий лист", "2 рабочих листа", "5 рабочих листов", "21 рабочий лист"],
        ),
        (
            "client_history.Client",
            ["1 контрагент", "2 контрагента", "5 контрагентов", "21 контрагент"],
        ),
        ("crm_workstation.Department", ["1 ЦФО", "2 ЦФО", "5 ЦФО", "21 ЦФО"]),
    ],
)
def test_noun_counts(label, counts):
    noun = grammar.NOUNS[label]
    assert [noun.count(n) for n in (1, 2, 5, 21)] == counts


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_every_changelist_and_form_declines_the_models_name(
    model, client_superuser, service_a, superuser
):
    obj = build_object(model, service_a=service_a, superuser=superuser)
    model_admin = admin.site._registry[model]
    noun = grammar.NOUNS[model._meta.label]
    request = RequestFactory().get("/")
    request.user = superuser

    page = _text(client_superuser.get(_url(model, "changelist")))
    purpose = "изменения" if model_admin.has_change_permission(request) else "просмотра"
    assert f"Выберите {noun.acc} для {purpose}" in page
    count = model_admin.get_queryset(request).count()
    assert re.search(rf"\b{re.escape(noun.count(count))}\b", page), noun.count(count)
    if model_admin.has_add_permission(request):
        assert f"Добавить {noun.acc}" in page
        add_page = _text(client_superuser.get(_url(model, "add")))
        assert add_page.count(f"Добавить {noun.acc}") >= 2  # the title and the breadcrumbs

    change_page = _text(client_superuser.get(_url(model, "change", obj.pk)))
    verb = "Изменить" if model_admin.has_change_permission(request, obj) else "Просмотреть"
    assert f"{verb} {noun.acc}" in change_page


@pytest.mark.parametrize("count", [1, 2, 5, 21])
def test_task_type_counter_and_title(client_superuser, count):
    for n in range(count):
        TaskType.objects.create(name=f"Опросный звонок {n}", code=f"poll_{n}")

    page = _text(client_superuser.get(_url(TaskType, "changelist"), {"q": "Опросный"}))

    expected = {1: "1 вид задачи", 2: "2 вида задачи", 5: "5 видов задач", 21: "21 вид задачи"}
    assert expected[count] in page
    assert "Выберите вид задачи для изменения" in page
    assert "Добавить вид задачи" in page
    assert "Удалить выбранные виды задач" in page


@pytest.mark.parametrize("count", [1, 2, 5, 21])
def test_task_counter(client_superuser, service_a, count):
    for n in range(count):  # a client has one worksheet per department
        TaskFactory(worksheet__department=service_a, worksheet__client__name=f"Орлова Анна {n}")

    page = _text(client_superuser.get(_url(Task, "changelist"), {"q": "орлова"}))

    expected = {1: "1 задача", 2: "2 задачи", 5: "5 задач", 21: "21 задача"}
    assert expected[count] in page
    assert "Выберите задачу для изменения" in page
    assert "Удалить выбранные задачи" in page


def test_worksheet_counter_five(client_superuser, service_a):
    for _ in range(5):
        WorksheetFactory(department=service_a)

    page = _text(client_superuser.get(_url(Worksheet, "changelist")))

    assert "5 рабочих листов" in page
    assert "Выберите рабочий лист для изменения" in page


def test_animate_nouns_take_the_genitive_in_the_delete_action(client_superuser, branch_a):
    ClientFactory(home_branch=branch_a)

    page = _text(client_superuser.get(_url(Client, "changelist")))

    assert "Удалить выбранных контрагентов" in page
    assert "Выберите контрагента для изменения" in page


def test_task_change_page_and_messages(client_superuser, service_a):
    task = TaskFactory(worksheet__department=service_a)
    url = _url(Task, "change", task.pk)

    page = _text(client_superuser.get(url))
    assert "Изменить задачу" in page

    response = client_superuser.post(url, _task_form_data(task), follow=True)

    assert _messages(response) == [f"Задача «{task.number}» была успешно изменена."]


def test_saved_messages_agree_in_gender(client_superuser):
    response = client_superuser.post(
        _url(TaskType, "add"),
        {"name": "Опросный звонок", "code": "poll", "order": "5", "is_active": "on"},
        follow=True,
    )
    assert _messages(response) == ["Вид задачи «Опросный звонок» был успешно добавлен."]

    purpose = Purpose.objects.create(name="Опрос качества")
    response = client_superuser.post(
        _url(Purpose, "change", purpose.pk),
        {"name": "Опрос качества обслуживания", "order": "7", "is_active": "on", "_continue": "1"},
        follow=True,
    )
    assert _messages(response) == [
        "Цель «Опрос качества обслуживания» была успешно изменена. Ниже её можно изменить снова."
    ]

    response = client_superuser.post(
        _url(TaskType, "add"),
        {"name": "Звонок-напоминание", "code": "remind", "order": "6", "_addanother": "1"},
        follow=True,
    )
    assert _messages(response) == [
        "Вид задачи «Звонок-напоминание» был успешно добавлен. "
        "Ниже можно добавить ещё один вид задачи."
    ]

    response = client_superuser.post(
        _url(Purpose, "delete", purpose.pk), {"post": "yes"}, follow=True
    )
    assert _messages(response) == ["Цель «Опрос качества обслуживания» была успешно удалена."]


def test_neuter_noun_phrases():
    noun = grammar.NOUNS["django_tasks_database.DBTaskResult"]

    assert grammar.saved_message(noun, "x", added=True) == (
        "Фоновое задание «x» было успешно добавлено."
    )
    assert grammar.bulk_deleted_message(noun, 1) == "Успешно удалено 1 фоновое задание."


def test_delete_confirmation_names_the_object_in_the_accusative(client_superuser):
    purpose = Purpose.objects.create(name="Опрос качества")

    page = _text(client_superuser.get(_url(Purpose, "delete", purpose.pk)))

    assert "Вы уверены, что хотите удалить цель" in page


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (1, "Успешно удалён 1 вид задачи."),
        (2, "Успешно удалены 2 вида задачи."),
        (5, "Успешно удалено 5 видов задач."),
    ],
)
def test_delete_selected_confirms_and_reports_declined(client_superuser, count, message):
    kinds = [
        TaskType.objects.create(name=f"Опросный звонок {n}", code=f"poll_{n}") for n in range(count)
    ]
    data = {"action": "delete_selected", "_selected_action": [k.pk for k in kinds]}

    confirm = _text(client_superuser.post(_url(TaskType, "changelist"), data))
    what = "вид задачи" if count == 1 else "выбранные виды задач"
    assert f"Вы уверены, что хотите удалить {what}?" in confirm

    response = client_superuser.post(
        _url(TaskType, "changelist"), {**data, "post": "yes"}, follow=True
    )
    assert _messages(response) == [message]
    assert not TaskType.objects.filter(pk__in=[k.pk for k in kinds]).exists()


def test_list_editable_save_reports_a_declined_count(client_superuser):
    kinds = [
        TaskType.objects.create(name=f"Опросный звонок {n}", code=f"poll_{n}", order=n)
        for n in range(5)
    ]
    data = {
        "form-TOTAL_FORMS": "5",
        "form-INITIAL_FORMS": "5",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Сохранить",
    }
    for index, kind in enumerate(kinds):
        data |= {
            f"form-{index}-id": kind.pk,
            f"form-{index}-order": kind.order + 50,
            f"form-{index}-is_active": "on",
        }

    response = client_superuser.post(
        _url(TaskType, "changelist") + "?q=Опросный&o=2", data, follow=True
    )

    assert _messages(response) == ["5 видов задач были успешно изменены."]


def test_missing_object_message_agrees_in_gender(client_superuser):
    response = client_superuser.get(_url(Task, "change", 999999), follow=True)

    assert _messages(response) == ["Задача с ID «999999» не найдена. Возможно, она была удалена."]


def test_people_are_shown_by_name_in_lists_filters_and_choices(client_superuser, service_a):
    executor = UserFactory(username="o.smirnova", first_name="Ольга", last_name="Смирнова")
    EmployeeProfile.objects.get_or_create(user=executor)[0].departments.add(service_a)
    task = TaskFactory(worksheet__department=service_a, executor=executor)

    changelist = client_superuser.get(_url(Task, "changelist"))
    rows = _text(changelist)
    assert "Смирнова Ольга" in rows
    assert "o.smirnova" not in rows
    executor_filter = next(
        spec for spec in changelist.context["cl"].filter_specs if spec.field_path == "executor"
    )
    assert (executor.pk, "Смирнова Ольга") in executor_filter.lookup_choices

    form = client_superuser.get(_url(Task, "change", task.pk)).context["adminform"].form
    labels = dict(form.fields["executor"].choices)
    assert "Смирнова Ольга" in {str(label) for label in labels.values()}

    worksheets = _text(client_superuser.get(_url(Worksheet, "changelist")))
    assert "o.smirnova" not in worksheets


def test_task_types_are_listed_by_name_without_codes(client_superuser):
    page = _text(client_superuser.get(_url(TaskType, "changelist")))

    assert "maintenance_call" not in page
    assert TaskType.objects.get(code="maintenance_call").name in page


def _task_form_data(task: Task) -> dict:
    local = timezone.localtime(task.planned_at)
    return {
        "worksheet": task.worksheet_id,
        "task_type": task.task_type_id,
        "vehicle": task.vehicle_id or "",
        "goal": task.goal,
        "planned_at_0": local.strftime("%d.%m.%Y"),
        "planned_at_1": local.strftime("%H:%M:%S"),
        "executor": task.executor_id or "",
        "previous_task": "",
        "involved_from": "",
    }

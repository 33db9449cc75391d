"""The admin for department heads and IT: every page opens, searches find, scoping holds."""

import pytest
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect, ForeignKeyRawIdWidget
from django.contrib.auth.models import Group
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult, get_date_max
from simple_history.admin import SimpleHistoryAdmin

from client_history.models import Client
from selections.models import ImporterVariant, Lead, LeadBatch, SelectionKind
from tasks.models import TaskType
from tests.factories import (
    ClientFactory,
    ClientPhoneFactory,
    DepartmentFactory,
    RecommendationFactory,
    RepairOrderFactory,
    RepairOrderLineFactory,
    ServiceRequestFactory,
    TaskFactory,
    VehicleFactory,
    WorkshopFactory,
    make_employee,
)
from worksheets.models import Purpose

REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label)


def make_selection_kind(department, **overrides) -> SelectionKind:
    values = {
        "name": f"ТО через год ({department})",
        "department": department,
        "rule": SelectionKind.Rule.MAINTENANCE_DUE,
        "parameters": {"interval_months": 12},
        "task_type": TaskType.objects.get(code="maintenance_call"),
        "purpose": Purpose.objects.order_by("order").first(),
    }
    values.update(overrides)
    return SelectionKind.objects.create(**values)


def make_lead_batch(department) -> LeadBatch:
    return LeadBatch.objects.create(
        kind=LeadBatch.Kind.SELECTION,
        branch=department.branch,
        department=department,
        selection_kind=make_selection_kind(department),
    )


def build_object(model, *, service_a, superuser):
    """One object of `model`, in branch A where it has a branch."""
    branch = service_a.branch
    builders = {
        "client_history.Client": lambda: ClientPhoneFactory(client__home_branch=branch).client,
        "client_history.Vehicle": lambda: VehicleFactory(owner__home_branch=branch),
        "client_history.RepairOrder": lambda: (
            RepairOrderLineFactory(repair_order__vehicle__owner__home_branch=branch).repair_order
        ),
        "client_history.Recommendation": lambda: RecommendationFactory(
            repair_order__vehicle__owner__home_branch=branch
        ),
        "crm_workstation.Branch": lambda: branch,
        "crm_workstation.Department": lambda: service_a,
        "crm_workstation.Workshop": lambda: WorkshopFactory(branch=branch),
        "worksheets.Worksheet": lambda: TaskFactory(worksheet__department=service_a).worksheet,
        "tasks.ServiceRequest": lambda: ServiceRequestFactory(
            worksheet__department=service_a, task=TaskFactory(worksheet__department=service_a)
        ),
        "tasks.Task": lambda: TaskFactory(worksheet__department=service_a),
        "selections.SelectionKind": lambda: make_selection_kind(service_a),
        "selections.LeadBatch": lambda: make_lead_batch(service_a),
        "selections.Lead": lambda: Lead.objects.create(
            batch=make_lead_batch(service_a),
            row_number=1,
            client=ClientFactory(home_branch=branch),
            data={"vin": "XW8AAAAAAAAAAAAAA"},
            errors=["Нет телефона"],
        ),
        "selections.ImporterVariant": lambda: ImporterVariant.objects.order_by("id").first(),
        "auth.User": lambda: superuser,
        "auth.Group": lambda: Group.objects.get(name="Менеджер"),
        DBTaskResult._meta.label: lambda: DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="demo.jobs.example",
            backend_name="default",
            run_after=get_date_max(),
        ),
    }
    label = model._meta.label
    if label in builders:
        obj = builders[label]()
    else:
        # Reference lists the data migrations fill.
        obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"no way to build a {label} for the admin test"
    return obj


def _admin_url(model, action: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label)
def test_superuser_opens_every_admin_page(model, client_superuser, service_a, superuser):
    obj = build_object(model, service_a=service_a, superuser=superuser)
    model_admin = admin.site._registry[model]

    assert client_superuser.get(_admin_url(model, "changelist")).status_code == 200
    if model_admin.search_fields:
        response = client_superuser.get(_admin_url(model, "changelist"), {"q": "Смирнов 123"})
        assert response.status_code == 200
    assert client_superuser.get(_admin_url(model, "change", obj.pk)).status_code == 200
    request = RequestFactory().get("/")
    request.user = superuser
    if model_admin.has_add_permission(request):
        assert client_superuser.get(_admin_url(model, "add")).status_code == 200
    if isinstance(model_admin, SimpleHistoryAdmin):
        assert client_superuser.get(_admin_url(model, "history", obj.pk)).status_code == 200


def test_dms_data_cannot_be_added_or_deleted_except_by_superuser(client_head_a, branch_a):
    client = ClientFactory(home_branch=branch_a)

    assert client_head_a.get(_admin_url(Client, "add")).status_code == 403
    assert client_head_a.get(_admin_url(Client, "delete", client.pk)).status_code == 403


@pytest.mark.parametrize(
    "query", ["+79161234567", "8 (916) 123-45-67", "9161234567", "123-45-67", "смирнов алексей"]
)
def test_client_search_finds_the_client_by_phone_and_name(client_superuser, branch_a, query):
    wanted = ClientFactory(name="Смирнов Алексей Петрович", home_branch=branch_a)
    ClientPhoneFactory(client=wanted, number="+79161234567", is_primary=False)
    ClientPhoneFactory(client=wanted, number="+79031112233")
    other = ClientFactory(name="Кузнецова Мария Ивановна", home_branch=branch_a)
    ClientPhoneFactory(client=other, number="+79265554433")

    response = client_superuser.get(_admin_url(Client, "changelist"), {"q": query})

    rows = list(response.context["cl"].result_list)
    assert rows == [wanted]


def test_client_search_by_external_id(client_superuser, branch_a):
    wanted = ClientFactory(home_branch=branch_a, external_id="DMS-777")
    ClientFactory(home_branch=branch_a)

    response = client_superuser.get(_admin_url(Client, "changelist"), {"q": "DMS-777"})

    assert list(response.context["cl"].result_list) == [wanted]


def test_vehicle_search_by_plate_typed_in_latin_and_by_owner(client_superuser, branch_a):
    wanted = VehicleFactory(
        vin="XW8ZZZ12345678901",
        plate="А123ВС77",
        owner__name="Орлов Пётр",
        owner__home_branch=branch_a,
    )
    VehicleFactory(vin="XW8YYY98765432109", plate="Е555КХ99", owner__home_branch=branch_a)

    for query in ("a123bc", "орлов петр", "zzz1234", "XW8ZZZ12345678901"):
        response = client_superuser.get(_admin_url(wanted.__class__, "changelist"), {"q": query})
        assert list(response.context["cl"].result_list) == [wanted], query


def test_manager_is_redirected_away_from_admin(client_manager_a):
    response = client_manager_a.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_head_opens_and_saves_a_selection_kind(client_head_a, service_a):
    kind = make_selection_kind(service_a)
    url = _admin_url(SelectionKind, "change", kind.pk)

    response = client_head_a.get(url)
    assert response.status_code == 200
    assert "interval_months" in response.content.decode()

    response = client_head_a.post(
        url,
        {
            "name": "ТО каждые полгода",
            "department": service_a.pk,
            "rule": SelectionKind.Rule.MAINTENANCE_DUE,
            "maintenance_due__interval_months": "6",
            "task_type": kind.task_type.pk,
            "purpose": kind.purpose.pk,
            "is_active": "on",
            "makes": "Haval,  Chery ,Kia",
            "vehicle_age_min": "1",
            "vehicle_age_max": "8",
            "exclude_do_not_call": "on",
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    kind.refresh_from_db()
    assert kind.name == "ТО каждые полгода"
    assert kind.makes == "Haval, Chery, Kia"
    assert kind.parameters == {
        "interval_months": 6,
        "interval_km": 15000,
        "default_km_per_day": 45,
        "order_kinds": ["maintenance"],
    }


def test_head_does_not_see_selection_kinds_of_another_branch(client_head_a, service_b):
    kind = make_selection_kind(service_b)

    changelist = client_head_a.get(_admin_url(SelectionKind, "changelist"))
    assert kind not in changelist.context["cl"].result_list
    response = client_head_a.get(_admin_url(SelectionKind, "change", kind.pk))
    assert response.status_code == 302  # the admin's "object does not exist" redirect
    response = client_head_a.get(_admin_url(SelectionKind, "add"))
    departments = response.context["adminform"].form.fields["department"].queryset
    assert service_b not in departments


def test_head_sees_only_tasks_of_own_departments(client_head_a, service_a, service_b):
    own = TaskFactory(worksheet__department=service_a)
    foreign = TaskFactory(worksheet__department=service_b)

    response = client_head_a.get(_admin_url(own.__class__, "changelist"))

    rows = list(response.context["cl"].result_list)
    assert own in rows
    assert foreign not in rows
    assert client_head_a.get(_admin_url(own.__class__, "change", foreign.pk)).status_code == 302


def test_it_user_cannot_grant_superuser_or_edit_a_superuser(logged_in, branch_a, superuser):
    it_user = make_employee(
        "it_admin", role="ИТ / администратор", branches=[branch_a], departments=[], is_staff=True
    )
    http = logged_in(it_user)
    user_model = type(it_user)

    own_page = http.get(_admin_url(user_model, "change", it_user.pk)).content.decode()
    assert 'name="is_superuser"' not in own_page
    assert 'name="groups"' in own_page
    assert http.post(_admin_url(user_model, "change", superuser.pk), {}).status_code == 403


def test_user_admin_edits_branches_and_departments_inline(
    client_superuser, manager_a, branch_a, service_a, sales_a
):
    url = _admin_url(type(manager_a), "change", manager_a.pk)
    page = client_superuser.get(url).content.decode()
    assert "Отдел продаж (Автоцентр Север)" in page

    profile = manager_a.profile
    data = {
        "username": manager_a.username,
        "first_name": manager_a.first_name,
        "last_name": manager_a.last_name,
        "email": "",
        "is_active": "on",
        "groups": [Group.objects.get(name="Менеджер").pk],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "01.01.2025",
        "date_joined_1": "10:00:00",
        "profile-TOTAL_FORMS": "1",
        "profile-INITIAL_FORMS": "1",
        "profile-MIN_NUM_FORMS": "0",
        "profile-MAX_NUM_FORMS": "1",
        "profile-0-id": profile.pk,
        "profile-0-user": manager_a.pk,
        "profile-0-branches": [branch_a.pk],
        "profile-0-departments": [service_a.pk, sales_a.pk],
        "profile-0-phone_extension": "204",
    }

    response = client_superuser.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    profile.refresh_from_db()
    assert set(profile.departments.all()) == {service_a, sales_a}
    assert profile.phone_extension == "204"


def test_user_changelist_filters_by_branch(client_superuser, manager_a, manager_b, branch_a):
    response = client_superuser.get(
        _admin_url(type(manager_a), "changelist"), {"profile__branches__id__exact": branch_a.pk}
    )

    rows = list(response.context["cl"].result_list)
    assert manager_a in rows
    assert manager_b not in rows


def test_lead_batch_links_to_its_leads(client_superuser, service_a):
    batch = make_lead_batch(service_a)
    lead = Lead.objects.create(batch=batch, row_number=1)
    Lead.objects.create(batch=make_lead_batch(DepartmentFactory()), row_number=1)

    page = client_superuser.get(_admin_url(LeadBatch, "change", batch.pk)).content.decode()
    link = f"{_admin_url(Lead, 'changelist')}?batch__id__exact={batch.pk}"
    assert link in page
    response = client_superuser.get(link)
    assert list(response.context["cl"].result_list) == [lead]


BIG_CHANGELISTS = {
    "client": lambda branch, dep: ClientPhoneFactory(client__home_branch=branch),
    "vehicle": lambda branch, dep: VehicleFactory(owner__home_branch=branch),
    "repairorder": lambda branch, dep: RepairOrderFactory(vehicle__owner__home_branch=branch),
    "recommendation": lambda branch, dep: RecommendationFactory(
        repair_order__vehicle__owner__home_branch=branch
    ),
    "task": lambda branch, dep: TaskFactory(worksheet__department=dep),
    "worksheet": lambda branch, dep: TaskFactory(worksheet__department=dep),
    "servicerequest": lambda branch, dep: ServiceRequestFactory(worksheet__department=dep),
}


@pytest.mark.parametrize("name", BIG_CHANGELISTS)
def test_big_changelists_do_not_query_per_row(name, client_head_a, head_a, service_a):
    model = next(m for m in REGISTERED if m._meta.model_name == name)
    url = _admin_url(model, "changelist")

    def count_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client_head_a.get(url).status_code == 200
        return len(ctx.captured_queries)

    BIG_CHANGELISTS[name](service_a.branch, service_a)
    count_queries()  # warm the per-process caches (content types and the like)
    one_row = count_queries()
    for _ in range(5):
        BIG_CHANGELISTS[name](service_a.branch, service_a)
    assert count_queries() == one_row


BIG_TABLES = {
    "client_history.Client",
    "client_history.Vehicle",
    "client_history.RepairOrder",
    "client_history.Recommendation",
    "worksheets.Worksheet",
    "tasks.ServiceRequest",
    "tasks.Task",
    "selections.LeadBatch",
    "selections.Lead",
}


def test_no_form_renders_a_plain_select_of_a_big_table(superuser):
    request = RequestFactory().get("/")
    request.user = superuser
    plain = []
    for model_admin in admin.site._registry.values():
        if not (
            model_admin.has_add_permission(request) or model_admin.has_change_permission(request)
        ):
            continue
        forms = [(model_admin, model_admin.get_form(request))]
        forms += [
            (inline, inline.get_formset(request).form)
            for inline in model_admin.get_inline_instances(request)
        ]
        for owner, form in forms:
            for name, field in form.base_fields.items():
                related = getattr(getattr(field, "queryset", None), "model", None)
                if related is None or related._meta.label not in BIG_TABLES:
                    continue
                widget = getattr(field.widget, "widget", field.widget)
                if not isinstance(widget, AutocompleteSelect | ForeignKeyRawIdWidget):
                    plain.append(f"{type(owner).__name__}.{name}")
    assert plain == []


def test_autocomplete_of_clients_stays_in_the_heads_branch(client_head_a, branch_a, branch_b):
    own = ClientFactory(name="Смирнов Олег", home_branch=branch_a)
    ClientFactory(name="Смирнов Игорь", home_branch=branch_b)

    response = client_head_a.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "worksheets",
            "model_name": "worksheet",
            "field_name": "client",
            "term": "смирнов",
        },
    )

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(own.pk)]


def test_head_changes_only_do_not_call_and_it_is_recorded(client_head_a, head_a, branch_a):
    client = ClientFactory(name="Смирнов Олег", home_branch=branch_a)
    phone = ClientPhoneFactory(client=client, number="+79161234567")
    url = _admin_url(Client, "change", client.pk)

    page = client_head_a.get(url).content.decode()
    assert 'name="do_not_call"' in page
    assert 'name="name"' not in page

    response = client_head_a.post(
        url,
        {
            "name": "Другое имя",
            "do_not_call": "on",
            "phones-TOTAL_FORMS": "1",
            "phones-INITIAL_FORMS": "1",
            "phones-MIN_NUM_FORMS": "0",
            "phones-MAX_NUM_FORMS": "1000",
            "phones-0-id": phone.pk,
            "phones-0-client": client.pk,
            "phones-0-number": "8 (916) 765-43-21",
            "phones-0-is_primary": "on",
            "phones-0-note": "рабочий",
        },
    )

    assert response.status_code == 302
    client.refresh_from_db()
    phone.refresh_from_db()
    assert client.do_not_call is True
    assert client.name == "Смирнов Олег"
    assert phone.number == "+79167654321"
    latest = client.history.latest()
    assert latest.do_not_call is True
    assert latest.history_user == head_a


def test_a_phone_that_is_not_russian_is_refused_next_to_the_field(client_superuser, branch_a):
    client = ClientFactory(home_branch=branch_a)
    data = {
        "name": client.name,
        "kind": client.kind,
        "email": "",
        "home_branch": branch_a.pk,
        "external_id": client.external_id,
        "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "0",
        "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "1000",
        "phones-0-client": client.pk,
        "phones-0-number": "12-34",
    }

    response = client_superuser.post(_admin_url(Client, "change", client.pk), data)

    assert response.status_code == 200
    assert "Не похоже на российский номер телефона" in response.content.decode()
    assert not client.phones.exists()


def test_task_search_by_its_number_the_worksheet_number_and_the_client(client_superuser, service_a):
    wanted = TaskFactory(worksheet__department=service_a, worksheet__client__name="Орлова Анна")
    TaskFactory(worksheet__department=service_a, worksheet__client__name="Жуков Иван")
    digits = wanted.number.split("-")[1]

    for query in (wanted.number, wanted.number.lower(), digits, wanted.worksheet.number, "орлова"):
        response = client_superuser.get(_admin_url(type(wanted), "changelist"), {"q": query})
        assert list(response.context["cl"].result_list) == [wanted], query


def test_repair_order_search_by_number_vin_and_client(client_superuser, branch_a):
    wanted = RepairOrderFactory(
        number="ЗН-424242",
        vehicle__vin="XW8QQQ11122233344",
        vehicle__owner__name="Орлов Пётр",
        vehicle__owner__home_branch=branch_a,
    )
    RepairOrderFactory(vehicle__owner__home_branch=branch_a)

    for query in ("ЗН-424242", "зн-424242", "qqq111", "орлов"):
        response = client_superuser.get(_admin_url(type(wanted), "changelist"), {"q": query})
        assert list(response.context["cl"].result_list) == [wanted], query


def _task_change_data(task, **changes) -> dict:
    from django.utils import timezone

    planned = timezone.localtime(task.planned_at)
    data = {
        "worksheet": task.worksheet_id,
        "task_type": task.task_type_id,
        "vehicle": task.vehicle_id or "",
        "goal": task.goal,
        "planned_at_0": planned.strftime("%d.%m.%Y"),
        "planned_at_1": planned.strftime("%H:%M:%S"),
        "executor": task.executor_id or "",
        "previous_task": "",
        "involved_from": "",
    }
    data.update(changes)
    return data


RESULT_POST = {
    "status": "done",
    "outcome": "interview",
    "comment": "Записан на ТО",
    "reported_mileage": "45000",
    "wrong_data": "phone",
    "goal_completed": "on",
    "finished_at_0": "01.03.2025",
    "finished_at_1": "10:00:00",
    "taken_at_0": "01.03.2025",
    "taken_at_1": "09:00:00",
}


def test_task_result_and_status_cannot_be_changed_in_the_admin(
    client_head_a, head_a, manager_a, service_a
):
    task = TaskFactory(worksheet__department=service_a)
    url = _admin_url(type(task), "change", task.pk)

    page = client_head_a.get(url).content.decode()
    for field in ("status", "outcome", "comment", "goal_completed", "finished_at_0"):
        assert f'name="{field}"' not in page, field

    response = client_head_a.post(
        url, _task_change_data(task, executor=manager_a.pk, **RESULT_POST)
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    task.refresh_from_db()
    assert task.status == "new"
    assert task.outcome in ("", None)
    assert task.comment == ""
    assert task.goal_completed is False
    assert task.finished_at is None
    assert task.taken_at is None
    assert task.executor == manager_a  # reassigning stays, for heads


def test_only_a_user_allowed_to_reassign_changes_the_executor(
    logged_in, branch_a, service_a, manager_a, head_a
):
    clerk = make_employee(
        "clerk", role="Менеджер", branches=[branch_a], departments=[service_a], is_staff=True
    )
    task = TaskFactory(worksheet__department=service_a, executor=head_a, status="in_work")
    url = _admin_url(type(task), "change", task.pk)
    http = logged_in(clerk)

    assert 'name="executor"' not in http.get(url).content.decode()
    response = http.post(url, _task_change_data(task, executor=manager_a.pk))

    assert response.status_code == 302
    task.refresh_from_db()
    assert task.executor == head_a


def test_a_task_in_work_keeps_an_executor(client_head_a, head_a, service_a):
    task = TaskFactory(worksheet__department=service_a, executor=head_a, status="in_work")

    response = client_head_a.post(
        _admin_url(type(task), "change", task.pk), _task_change_data(task, executor="")
    )

    assert response.status_code == 200
    assert "должен быть исполнитель" in response.content.decode()
    task.refresh_from_db()
    assert task.executor == head_a

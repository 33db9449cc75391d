"""The task window, «Заполнить», and «Следующая задача»."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from crm_workstation.http import HtmxHttpRequest, partial_target
from crm_workstation.models import EmployeeProfile
from tasks import selectors, services
from tasks.filters import MyTasksFilter, tasks_due_count, tasks_open_to, tasks_taken_by
from tasks.forms import (
    FollowUpForm,
    InvolveForm,
    ReassignForm,
    ResultForm,
    ServiceRequestForm,
    WorksheetInvolveForm,
    completed_tasks_of,
)
from tasks.models import InterviewResult, Task
from worksheets import selectors as worksheet_selectors
from worksheets.filters import StagesFilter
from worksheets.models import Worksheet

WINDOW = "tasks/task_window.html"
# What the result form keeps when it is re-drawn for another outcome.
REDRAWN_FIELDS = (
    "outcome",
    "interview_result",
    "purchase_option",
    "comment",
    "reported_mileage",
    "wrong_data",
    "wrong_phone",
    "copied_from",
)
# Choosing these re-draws the result form's fields (htmx) for the choice.
REDRAW_ON = ("outcome", "interview_result", "wrong_data")
FILL_LIMIT = 50


def _get_task_for_user(request, pk: int) -> Task:
    try:
        return selectors.task_for_window(user=request.user, pk=pk)
    except Task.DoesNotExist as missing:
        raise Http404 from missing


def safe_next(request, default: str) -> str:
    """Where to go back to: the `next` the page was opened with, if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Our pages send a path; anything else (a bare word, control characters) is no target.
    if (
        target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


def _forms(request, task: Task) -> dict:
    data = request.POST if request.method == "POST" else None
    initial = _initial_from_query(request, task) if data is None else None
    result = ResultForm(data, task=task, initial=initial)
    chosen_result = _interview_result(initial, data)
    follow_up_initial = {
        "task_type": task.task_type_id,
        "planned_at": selectors.suggested_follow_up_at(
            outcome=(initial or {}).get("outcome") or (data or {}).get("outcome"),
            interview_result=chosen_result,
        ),
    }
    url = reverse("tasks:task_window", args=[task.pk])
    for name in REDRAW_ON:
        result.fields[name].widget.attrs.update(
            {
                "hx-get": url,
                "hx-target": "#result-fields",
                "hx-swap": "outerHTML",
                "hx-include": "#result-fields",
            }
        )
    follow_up = FollowUpForm(data, prefix="plan", initial=follow_up_initial)
    involve = InvolveForm(data, prefix="involve", task=task)
    # Both parts offer the same task types: read them once (a comprehension, not list(),
    # which would ask the iterator's length: a COUNT query).
    task_types = [choice for choice in follow_up.fields["task_type"].choices]
    follow_up.fields["task_type"].choices = involve.fields["task_type"].choices = task_types
    return {
        "form": result,
        "chosen_result": chosen_result,
        "follow_up": follow_up,
        "involve": involve,
        "booking": ServiceRequestForm(data, prefix="request", task=task),
    }


def _initial_from_query(request, task: Task) -> dict:
    """The window re-drawn for a chosen outcome (htmx, or a link from «Заполнить»)."""
    initial = {"version": task.version}
    for name in REDRAWN_FIELDS:
        value = request.GET.get(name, "")
        if value and len(value) <= 4000:
            initial[name] = value
    if task.outcome and "outcome" not in initial:
        # A draft or a task on control opens with what was saved.
        initial.update(
            outcome=task.outcome,
            interview_result=task.interview_result_id,
            purchase_option=task.purchase_option_id,
            comment=task.comment,
            reported_mileage=task.reported_mileage,
            wrong_data=task.wrong_data,
        )
    return initial


def _interview_result(initial, data) -> InterviewResult | None:
    raw = (initial or {}).get("interview_result") or (data or {}).get("interview_result")
    if not raw or not str(raw).isdigit():
        return None
    return InterviewResult.objects.filter(pk=raw).first()


def _context(request, task: Task, forms: dict) -> dict:
    chosen = _chosen(forms["form"], forms["chosen_result"])
    return {
        "task": task,
        "worksheet": task.worksheet,
        "client": task.worksheet.client,
        "phones": list(task.worksheet.client.phones.all()),
        "can_save": services.task_can_save(task=task, user=request.user),
        "can_book": request.user.has_perm("tasks.add_servicerequest"),
        "earlier": selectors.earlier_interactions(task=task, user=request.user),
        "script": selectors.call_script(task=task, user=request.user),
        "outcome": chosen["outcome"],
        "behaviour": chosen["behaviour"],
        "copied": chosen["copied"],
        "next_url": safe_next(request, ""),
        **forms,
    }


def _chosen(form: ResultForm, result: InterviewResult | None) -> dict:
    """What the result form shows: the outcome chosen, its result's behaviour, the copied task."""
    if form.is_bound:
        get = form.data.get
    else:

        def get(name, default=None):
            return form.initial.get(name, default)

    outcome = str(get("outcome") or "")
    behaviour = ""
    if outcome == Task.Outcome.INTERVIEW and result is not None:
        behaviour = result.behaviour
    copied = None
    raw = str(get("copied_from") or "")
    if outcome == Task.Outcome.REPEAT and raw.isdigit():
        copied = (
            form.fields["copied_from"]
            .queryset.select_related("interview_result")
            .filter(pk=raw)
            .first()
        )
    return {"outcome": outcome, "behaviour": behaviour, "copied": copied}


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request", "HX-Target")
def task_window(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    task = _get_task_for_user(request, pk)
    forms = _forms(request, task)
    if request.method == "POST":
        response = _save(request, task, forms)
        if response is not None:
            return response
    template = WINDOW
    if partial_target(request, {"result-fields"}):
        template += "#result_fields"
    return render(request, template, _context(request, task, forms))


def _save(request, task: Task, forms: dict) -> HttpResponse | None:
    """Save the result and what was planned; a response when done, None to show the errors."""
    if not services.task_can_save(task=task, user=request.user):
        if task.executor_id not in (None, request.user.pk) and not task.is_finished:
            # Taken by a colleague since this user opened it (SPEC §4.1).
            messages.error(request, services.taken_by_message(task.executor))
        else:
            messages.error(
                request,
                _("Сохранить результат этой задачи может её исполнитель или руководитель отдела."),
            )
        return redirect("tasks:task_window", pk=task.pk)
    result, follow_up, involve, booking = (
        forms["form"],
        forms["follow_up"],
        forms["involve"],
        forms["booking"],
    )
    if booking.is_enabled() and not request.user.has_perm("tasks.add_servicerequest"):
        result.add_error(None, _("У вас нет права создавать заявки на обслуживание."))
    if not all(f.is_valid() for f in (result, follow_up, involve, booking)):
        return None
    warning = result.mileage_warning  # read before the save moves the car's mileage
    try:
        services.task_save_result(
            task=task,
            user=request.user,
            version=result.cleaned_data["version"],
            result=result.to_result(),
            follow_up=follow_up.to_follow_up(),
            involvement=involve.to_involvement(),
            booking=booking.to_booking(),
        )
    except services.TaskConflict as conflict:
        messages.error(request, str(conflict))
        return redirect(f"{reverse('tasks:task_window', args=[task.pk])}")
    except services.TaskPlanError as problem:
        part = {"department": involve, "request": booking}.get(problem.field, follow_up)
        field = problem.field if problem.field in part.fields else None
        part.add_error(field, str(problem))
        return None
    if warning:
        messages.warning(request, warning)
    messages.success(
        request,
        _("Задача %(number)s сохранена: %(status)s.")
        % {"number": task.number, "status": task.get_status_display().lower()},
    )
    if "save_next" in request.POST:
        return _open_next(request)
    return redirect(safe_next(request, reverse("tasks:my_tasks")))


def _open_next(request) -> HttpResponse:
    task = services.task_take_next(user=request.user)
    if task is None:
        messages.info(request, _("Доступных задач больше нет."))
        return redirect("tasks:my_tasks")
    return redirect("tasks:task_window", pk=task.pk)


@require_POST
def next_task(request: HtmxHttpRequest) -> HttpResponse:
    """«Следующая задача»: take the most urgent available task and open it."""
    return _open_next(request)


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def fill_candidates(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """«Заполнить»: the client's completed tasks whose result can be copied into this one."""
    task = _get_task_for_user(request, pk)
    candidates = (
        completed_tasks_of(task)
        .select_related("task_type", "interview_result", "executor", "vehicle")
        .order_by("-finished_at", "-id")[:FILL_LIMIT]
    )
    template = "tasks/fill_candidates.html"
    if partial_target(request, {"fill-list"}):
        template += "#list"
    return render(request, template, {"task": task, "candidates": candidates})


# «Мои задачи» (SPEC §6) and the header's reminder.

MY_TASKS = "tasks/my_tasks.html"
MY_TASKS_SECTIONS = "my-tasks-sections"
MY_TASKS_LAYOUTS = dict(EmployeeProfile._meta.get_field("my_tasks_view").choices)
# htmx stops polling when an answer has this status: a session that ended stops asking.
STOP_POLLING = 286


def _page(request, items, param: str) -> Page:
    return Paginator(items, settings.CRM_PAGE_SIZE).get_page(request.GET.get(param))


def _my_tasks_layout(user) -> str:
    layout = EmployeeProfile.objects.filter(user=user).values_list("my_tasks_view", flat=True)
    return layout.first() or "list"


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def my_tasks(request: HtmxHttpRequest) -> HttpResponse:
    """The tasks the user took and the tasks they may take, filtered by the query string."""
    filterset = MyTasksFilter(request.GET, queryset=Task.objects.none())
    context = {
        "filter": filterset,
        "mine_page": _page(
            request, tasks_taken_by(request.user, narrow=filterset.apply), "mine_page"
        ),
        "available_page": _page(
            request, filterset.apply(tasks_open_to(request.user)), "available_page"
        ),
        "layout": _my_tasks_layout(request.user),
        "layouts": MY_TASKS_LAYOUTS,
        "here": request.get_full_path(),
    }
    template = MY_TASKS
    if partial_target(request, {MY_TASKS_SECTIONS}):
        template += "#sections"
    return render(request, template, context)


@require_POST
def my_tasks_set_view(request: HtmxHttpRequest) -> HttpResponse:
    """List or notes: the choice is kept in the user's profile for next time."""
    layout = request.POST.get("layout", "")
    if layout in MY_TASKS_LAYOUTS:
        EmployeeProfile.objects.update_or_create(
            user=request.user, defaults={"my_tasks_view": layout}
        )
    else:
        messages.error(request, _("Неизвестный вид списка: выберите «Список» или «Заметки»."))
    return redirect(safe_next(request, reverse("tasks:my_tasks")))


@login_not_required
@require_GET
def reminder(request: HtmxHttpRequest) -> HttpResponse:
    """The header's count of tasks due now or overdue, polled every minute: one COUNT."""
    if not request.user.is_authenticated:
        return HttpResponse(status=STOP_POLLING)
    return render(request, MY_TASKS + "#reminder", {"due_count": tasks_due_count(request.user)})


# The worksheet window's «Привлечь исполнителя» (SPEC §5.3.4) and a head's reassignment.

WORKSHEET_INVOLVE = "worksheets/involve.html"


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request", "HX-Target")
def worksheet_involve(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A task for another department of the branch, from the worksheet window: the form (a
    page of its own, or brought into the window by htmx) and its save."""
    try:
        worksheet = worksheet_selectors.worksheet_for_window(user=request.user, pk=pk)
    except Worksheet.DoesNotExist as missing:
        raise Http404 from missing
    window = reverse("worksheets:worksheet_window", args=[worksheet.pk])
    data = request.POST if request.method == "POST" else None
    form = WorksheetInvolveForm(data, prefix="involve", worksheet=worksheet)
    status = 200
    if data is not None:
        if form.is_valid():
            try:
                task = services.worksheet_involve_department(
                    worksheet=worksheet, user=request.user, involvement=form.to_involvement()
                )
            except services.TaskPlanError as problem:
                form.add_error(
                    problem.field if problem.field in form.fields else None, str(problem)
                )
            else:
                messages.success(
                    request,
                    _("Задача %(number)s поставлена: %(department)s, рабочий лист %(worksheet)s.")
                    % {
                        "number": task.number,
                        "department": task.worksheet.department.name,
                        "worksheet": task.worksheet.number,
                    },
                )
                if request.htmx:
                    return HttpResponseClientRedirect(window)
                return redirect(window)
        status = 400
    template = WORKSHEET_INVOLVE
    if partial_target(request, {"involve-slot"}):
        template += "#form"
    context = {"worksheet": worksheet, "involve": form, "window_url": window}
    return render(request, template, context, status=status)


@require_POST
def tasks_reassign(request: HtmxHttpRequest) -> HttpResponse:
    """A department head gives the ticked tasks, the ticked worksheets' tasks, or those of the
    whole filtered list of «Этапы сделок» («Поставить») to a manager of the department."""
    if not (request.user.is_superuser or request.user.has_perm("tasks.reassign_task")):
        raise PermissionDenied
    back = safe_next(request, reverse("worksheets:stages"))
    form = ReassignForm(request.POST, user=request.user)
    if not form.is_valid():
        errors = [str(e) for field in form.errors.values() for e in field]
        if request.htmx:
            context = {"reassign_errors": errors, "reassign_form": form}
            return render(request, "worksheets/_reassign_bar.html#errors", context, status=400)
        for error in errors:
            messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    chosen = Q(pk__in=[task.pk for task in data["task"]]) | Q(
        worksheet__in=[worksheet.pk for worksheet in data["worksheet"]]
    )
    if data["everything"]:
        filterset = StagesFilter(request.POST, queryset=Worksheet.objects.none(), user=request.user)
        listed = filterset.apply(worksheet_selectors.stage_worksheets(user=request.user))
        stage = request.POST.get("stage", "")
        if stage in worksheet_selectors.Stage.LABELS:
            listed = worksheet_selectors.stage_of(listed, user=request.user, stage=stage)
        chosen = Q(worksheet__in=listed.values("pk"))
    count = services.tasks_reassign(
        tasks_qs=Task.objects.visible_to(request.user).filter(chosen),
        executor=data["executor"],
        user=request.user,
    )
    executor = data["executor"]
    if count:
        messages.success(
            request,
            _("Передано задач: %(count)s — исполнитель %(name)s.")
            % {"count": count, "name": executor.get_full_name() or executor.get_username()},
        )
    else:
        messages.info(
            request,
            _(
                "Передавать нечего: среди выбранных нет незавершённых задач ЦФО, в которых "
                "работает %(name)s."
            )
            % {"name": executor.get_full_name() or executor.get_username()},
        )
    if request.htmx:
        return HttpResponseClientRedirect(back)
    return redirect(back)

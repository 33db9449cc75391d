"""«Этапы сделок» (the home page, SPEC §5.2) and the worksheet window (§5.3)."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from crm_workstation.http import HtmxHttpRequest, partial_target
from worksheets import selectors, services
from worksheets.filters import StagesFilter
from worksheets.forms import ResponsibleForm
from worksheets.models import Worksheet
from worksheets.selectors import Stage

STAGES = "worksheets/stages.html"
WINDOW = "worksheets/worksheet_window.html"
DETAIL_TASKS = 12  # the side panel's latest tasks; the window pages through all of them
MAX_ID_DIGITS = 18


class CountedPaginator(Paginator):
    """A paginator told its count: the four sections' counts come from one GROUP BY query."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.count = count  # shadows the cached property: no COUNT query per section


def _get_worksheet_for_user(request, pk: int) -> Worksheet:
    try:
        return selectors.worksheet_for_window(user=request.user, pk=pk)
    except Worksheet.DoesNotExist as missing:
        raise Http404 from missing


def _page(request, items, param: str) -> Page:
    return Paginator(items, settings.CRM_PAGE_SIZE).get_page(request.GET.get(param))


def _selected(request) -> Worksheet | None:
    """The worksheet chosen on the list (`?worksheet=<id>`), if the user may see it."""
    raw = request.GET.get("worksheet", "")
    if not raw.isdecimal() or len(raw) > MAX_ID_DIGITS:
        return None
    try:
        return selectors.worksheet_for_window(user=request.user, pk=int(raw))
    except Worksheet.DoesNotExist:
        return None


def _detail_context(worksheet: Worksheet | None) -> dict:
    if worksheet is None:
        return {"selected": None}
    return {
        "selected": worksheet,
        "selected_tasks": list(selectors.worksheet_tasks(worksheet=worksheet)[: DETAIL_TASKS + 1]),
        "selected_vehicles": selectors.worksheet_vehicles(worksheet=worksheet),
        "detail_limit": DETAIL_TASKS,
    }


def can_reassign(user) -> bool:
    return user.is_superuser or user.has_perm("tasks.reassign_task")


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def stages(request: HtmxHttpRequest) -> HttpResponse:
    """The four sections with their counts, one section's list, and the chosen worksheet."""
    region = partial_target(request, {"stage-list", "stage-detail"})
    context = {"here": request.get_full_path()}
    context.update(_detail_context(_selected(request)))
    if region == "stage-detail":
        return render(request, STAGES + "#detail", context)

    filterset = StagesFilter(request.GET, queryset=Worksheet.objects.none(), user=request.user)
    worksheets = filterset.apply(selectors.stage_scope(user=request.user))
    counts = selectors.stage_counts(worksheets, user=request.user)
    stage = request.GET.get("stage", "")
    if stage not in Stage.LABELS:
        # Where the work is: the first section with something in it.
        stage = next((key for key, _label in Stage.CHOICES if counts[key]), Stage.NEW)
    paginator = CountedPaginator(
        selectors.stage_row_ids(worksheets, user=request.user, stage=stage),
        settings.CRM_PAGE_SIZE,
        count=counts[stage],
    )
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = selectors.stage_page_rows(list(page.object_list), stage=stage)
    reassign = can_reassign(request.user)
    context.update(
        {
            "filter": filterset,
            "stage": stage,
            "sections": [
                {"key": key, "label": label, "count": counts[key], "active": key == stage}
                for key, label in Stage.CHOICES
            ],
            "page_obj": page,
            "can_reassign": reassign,
            "reassign_staff": _staff(request.user) if reassign else [],
        }
    )
    template = STAGES + ("#list" if region == "stage-list" else "")
    return render(request, template, context)


def _staff(user) -> list:
    return list(selectors.department_staff(departments=selectors.reassign_departments(user=user)))


def window_context(request, worksheet: Worksheet, *, responsible_form=None) -> dict:
    """Everything the worksheet window shows (SPEC §5.3, its nine parts). The «Привлечь
    исполнителя» form is the tasks app's: the window links to it and htmx brings it in."""
    user = request.user
    reassign = selectors.may_reassign(user=user, department_id=worksheet.department_id)
    if reassign and responsible_form is None:
        responsible_form = ResponsibleForm(
            worksheet=worksheet, initial={"responsible": worksheet.responsible_id}
        )
    return {
        "worksheet": worksheet,
        "client": worksheet.client,
        "phones": list(worksheet.client.phones.order_by("-is_primary", "is_invalid", "id")),
        "vehicles": selectors.worksheet_vehicles(worksheet=worksheet),
        "linked": selectors.involved_worksheets(worksheet=worksheet, user=user),
        "involved_executors": list(selectors.involved_executors(worksheet=worksheet)),
        "requests_page": _page(
            request, selectors.worksheet_service_requests(worksheet=worksheet), "requests_page"
        ),
        "tasks_page": _page(request, selectors.worksheet_tasks(worksheet=worksheet), "tasks_page"),
        "can_reassign": reassign,
        "responsible_form": responsible_form if reassign else None,
        "reassign_staff": (
            list(selectors.department_staff(departments=[worksheet.department_id]))
            if reassign
            else []
        ),
        "here": request.get_full_path(),
    }


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def worksheet_window(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    worksheet = _get_worksheet_for_user(request, pk)
    template = WINDOW
    region = partial_target(request, {"worksheet-tasks", "worksheet-requests"})
    if region:
        template += "#" + {"worksheet-tasks": "tasks", "worksheet-requests": "requests"}[region]
    return render(request, template, window_context(request, worksheet))


@require_POST
def worksheet_set_responsible(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A department head changes the responsible executor (SPEC §5.3.9)."""
    worksheet = _get_worksheet_for_user(request, pk)
    form = ResponsibleForm(request.POST, worksheet=worksheet)
    if not form.is_valid():
        context = window_context(request, worksheet, responsible_form=form)
        return render(request, WINDOW, context, status=400)
    try:
        services.worksheet_set_responsible(
            worksheet=worksheet, responsible=form.cleaned_data["responsible"], user=request.user
        )
    except services.ReassignError as refused:
        messages.error(request, str(refused))
    else:
        person = worksheet.responsible
        messages.success(
            request,
            (
                _("Ответственный исполнитель: %(name)s.")
                % {"name": person.get_full_name() or person.get_username()}
            )
            if person
            else _("Ответственный исполнитель снят."),
        )
    return redirect(reverse("worksheets:worksheet_window", args=[worksheet.pk]))

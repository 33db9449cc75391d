"""«Аналитика» (SPEC §9): the tab, and the .xlsx of each of its tables, of «Мои задачи», of a
stage list and of a lead batch (the exports of the lower apps' pages live here, as the one
app that may read them all and owns the .xlsx helper)."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from analytics import charts, selectors, tables
from analytics.forms import AnalyticsFilterForm, Filters
from analytics.xlsx import Sheet, xlsx_response
from crm_workstation.http import HtmxHttpRequest, partial_target
from selections.models import LeadBatch
from tasks.filters import MyTasksFilter, tasks_open_to, tasks_taken_by
from tasks.models import Task
from worksheets import selectors as stage_selectors
from worksheets.filters import StagesFilter
from worksheets.models import Worksheet
from worksheets.selectors import Stage

PAGE = "analytics/analytics.html"
BLOCKS_TARGET = "analytics-blocks"


def _filters(request) -> tuple[AnalyticsFilterForm, Filters]:
    form = AnalyticsFilterForm(request.GET, user=request.user)
    return form, form.filters()


def _batches_page(request, filters: Filters) -> Page:
    page = Paginator(selectors.batches(filters), settings.CRM_PAGE_SIZE).get_page(
        request.GET.get("batches_page")
    )
    # The figures of the shown batches only.
    page.object_list = selectors.with_batch_figures(filters, list(page.object_list))
    return page


def _query(request) -> str:
    """The filter part of the query string, for the export links."""
    query = request.GET.copy()
    for name in ("block", "batches_page"):
        query.pop(name, None)
    return query.urlencode()


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def analytics(request: HtmxHttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    context = _blocks(request, form, filters)
    template = PAGE
    if partial_target(request, {BLOCKS_TARGET}):
        template += "#blocks"
    return render(request, template, context)


def _blocks(request, form, filters: Filters) -> dict:
    funnel = selectors.funnel(filters)
    outcomes = selectors.outcomes(filters)
    backlog = selectors.backlog(filters)
    return {
        "form": form,
        "filters": filters,
        "funnel": funnel,
        "funnel_chart": charts.bars(
            _("Воронка"),
            [
                (
                    step.label,
                    step.figure.current,
                    f"{step.share}%" if step.share is not None else "",
                )
                for step in funnel.steps
            ],
        ),
        "outcomes": outcomes,
        "outcome_labels": tables.OUTCOME_LABELS,
        "outcomes_chart": charts.stacked(
            _("Результаты по видам задач"),
            [str(label) for label in tables.OUTCOME_LABELS],
            [(row.task_type, [cell.current for cell in row.cells]) for row in outcomes],
        ),
        "managers": selectors.managers(filters),
        "campaigns": selectors.campaigns(filters),
        "backlog": backlog,
        "backlog_chart": charts.stacked(
            _("Незавершённые задачи"),
            [str(label) for _key, label in tables.BACKLOG_LABELS],
            [(row.name, [row.overdue, row.today, row.week]) for row in backlog],
        ),
        "query": _query(request),
        "blocks": tables.BLOCKS,
        "batches_page": _batches_page(request, filters),
    }


@require_GET
def export(request: HtmxHttpRequest) -> HttpResponse:
    """One table of the tab (`?block=`) as .xlsx, with the filters in its header."""
    block = request.GET.get("block") or "funnel"
    if block not in tables.BLOCKS:
        raise Http404
    _form, filters = _filters(request)
    sheet = tables.sheet(block, filters)
    return xlsx_response(
        filename=f"analytics-{block}-{timezone.localdate():%Y-%m-%d}",
        title=_("Аналитика: %(block)s") % {"block": tables.BLOCKS[block]},
        filters=filters.labels,
        sheets=[sheet],
    )


# «Мои задачи» as .xlsx: both sections, with the page's filter.

EXPORT_LIMIT = 10_000
TASK_COLUMNS = [
    gettext_lazy("Задача"),
    gettext_lazy("Запланирована"),
    gettext_lazy("Клиент"),
    gettext_lazy("Автомобиль"),
    gettext_lazy("Госномер"),
    gettext_lazy("Вид задачи"),
    gettext_lazy("Цель"),
    gettext_lazy("Статус"),
    gettext_lazy("Просрочена"),
    gettext_lazy("Исполнитель"),
    gettext_lazy("Рабочий лист"),
]


def task_rows(tasks) -> list[list]:
    return [
        [
            task.number,
            task.planned_at,
            task.worksheet.client.name,
            f"{task.vehicle.make} {task.vehicle.model}".strip() if task.vehicle else "",
            task.vehicle.plate if task.vehicle else "",
            task.task_type.name,
            task.goal,
            task.get_status_display(),
            _("да") if task.is_overdue else "",
            (task.executor.get_full_name() or task.executor.username) if task.executor else "",
            task.worksheet.number,
        ]
        for task in tasks
    ]


def _filter_labels(form) -> list[tuple[str, str]]:
    """The valid fields of a filter form that were set, as (label, value) for a header."""
    labels = []
    for name, value in getattr(form, "cleaned_data", {}).items():
        if name in form.errors or value in (None, "", False):
            continue
        field = form.fields[name]
        if hasattr(field, "choices") and not hasattr(value, "pk"):
            value = dict(field.choices).get(value, value)
        if value is True:
            value = _("да")
        elif hasattr(value, "strftime"):
            value = f"{value:%d.%m.%Y}"
        labels.append((str(field.label), str(value)))
    return labels or [(_("Фильтр"), _("нет"))]


@require_GET
def export_my_tasks(request: HtmxHttpRequest) -> HttpResponse:
    """«Мои задачи» with the same filter as the page: «Я исполнитель» and «Доступные мне»."""
    filterset = MyTasksFilter(request.GET, queryset=Task.objects.none())
    mine = tasks_taken_by(request.user, narrow=filterset.apply)
    available = filterset.apply(tasks_open_to(request.user))
    return sheets_response(
        name="my-tasks",
        title=_("Мои задачи"),
        filters=_filter_labels(filterset.form),
        sheets=[
            Sheet(
                _("Я исполнитель"), [str(c) for c in TASK_COLUMNS], task_rows(mine[0:EXPORT_LIMIT])
            ),
            Sheet(
                _("Доступные мне"),
                [str(c) for c in TASK_COLUMNS],
                task_rows(available[:EXPORT_LIMIT]),
            ),
        ],
    )


def sheets_response(*, name: str, title: str, filters, sheets: list[Sheet]) -> HttpResponse:
    return xlsx_response(
        filename=f"{name}-{timezone.localdate():%Y-%m-%d}",
        title=title,
        filters=filters,
        sheets=sheets,
    )


STAGE_COLUMNS = [
    gettext_lazy("Рабочий лист"),
    gettext_lazy("Клиент"),
    gettext_lazy("Автомобиль"),
    gettext_lazy("Госномер"),
    gettext_lazy("Цель"),
    gettext_lazy("ЦФО"),
    gettext_lazy("Ближайшая задача"),
    gettext_lazy("Когда"),
    gettext_lazy("Просрочена"),
]
# Rows of a section are read in chunks of this many ids (one IN list each).
EXPORT_CHUNK = 500


def _stage_row(worksheet) -> list:
    task = worksheet.row_task
    vehicle = task.vehicle if task else None
    return [
        worksheet.number,
        worksheet.client.name,
        f"{vehicle.make} {vehicle.model}".strip() if vehicle else "",
        vehicle.plate if vehicle else "",
        worksheet.purpose.name,
        worksheet.department.name,
        task.task_type.name if task else "",
        worksheet.row_at,
        _("да") if worksheet.is_overdue else "",
    ]


@require_GET
def export_stages(request: HtmxHttpRequest) -> HttpResponse:
    """«Этапы сделок» with the page's search and filters: a sheet per section."""
    filterset = StagesFilter(request.GET, queryset=Worksheet.objects.none(), user=request.user)
    worksheets = filterset.apply(stage_selectors.stage_worksheets(user=request.user))
    sheets = []
    for key, label in Stage.CHOICES:
        ids = list(
            stage_selectors.stage_row_ids(worksheets, user=request.user, stage=key)[:EXPORT_LIMIT]
        )
        rows = []
        for start in range(0, len(ids), EXPORT_CHUNK):
            chunk = stage_selectors.stage_page_rows(ids[start : start + EXPORT_CHUNK], stage=key)
            rows += [_stage_row(worksheet) for worksheet in chunk]
        sheets.append(Sheet(str(label), [str(c) for c in STAGE_COLUMNS], rows))
    return sheets_response(
        name="stages",
        title=_("Этапы сделок"),
        filters=_filter_labels(filterset.form),
        sheets=sheets,
    )


LEAD_COLUMNS = [
    gettext_lazy("Строка"),
    gettext_lazy("Клиент"),
    gettext_lazy("Телефоны"),
    gettext_lazy("Автомобиль"),
    gettext_lazy("Госномер"),
    "VIN",
    gettext_lazy("Последний визит"),
    gettext_lazy("Пробег, км"),
    gettext_lazy("Срок"),
    gettext_lazy("Проблемы"),
    gettext_lazy("Итог"),
]


def _lead_row(lead) -> list:
    data = lead.data or {}
    vehicle = lead.vehicle
    return [
        lead.row_number,
        lead.client.name if lead.client else data.get("name", ""),
        ", ".join(data.get("phones") or []),
        f"{vehicle.make} {vehicle.model}".strip()
        if vehicle
        else " ".join(filter(None, [data.get("make"), data.get("model")])),
        vehicle.plate if vehicle else data.get("plate", ""),
        vehicle.vin if vehicle else data.get("vin", ""),
        lead.last_visit,
        lead.mileage,
        lead.due_date,
        "; ".join(lead.errors or []),
        lead.skip_reason or lead.get_result_display(),
    ]


@require_GET
def export_batch(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A lead batch (a selection run or an importer file), every lead with its reasons."""
    batch = LeadBatch.objects.visible_to(request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    leads = batch.leads.select_related("client", "vehicle").order_by("row_number", "id")
    return sheets_response(
        name=f"leads-{batch.pk}",
        title=str(batch),
        filters=[(_("Пакет"), str(batch))],
        sheets=[
            Sheet(
                _("Лиды"),
                [str(c) for c in LEAD_COLUMNS],
                [_lead_row(lead) for lead in leads[:EXPORT_LIMIT]],
            )
        ],
    )

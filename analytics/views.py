"""«Аналитика» (SPEC §9): the tab, and the .xlsx of each of its tables, of «Мои задачи», of a
stage list and of a lead batch (the exports of the lower apps' pages live here, as the one
app that may read them all and owns the .xlsx helper)."""

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from analytics import charts, selectors, tables
from analytics.forms import AnalyticsFilterForm, Filters
from analytics.xlsx import Sheet, xlsx_response
from crm_workstation.http import HtmxHttpRequest, partial_target

PAGE = "analytics/analytics.html"
BLOCKS_TARGET = "analytics-blocks"


def _filters(request) -> tuple[AnalyticsFilterForm, Filters]:
    form = AnalyticsFilterForm(request.GET, user=request.user)
    return form, form.filters()


def _batches_page(request, filters: Filters) -> Page:
    return Paginator(selectors.batches(filters), settings.CRM_PAGE_SIZE).get_page(
        request.GET.get("batches_page")
    )


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def analytics(request: HtmxHttpRequest) -> HttpResponse:
    form, filters = _filters(request)
    funnel = selectors.funnel(filters)
    outcomes = selectors.outcomes(filters)
    backlog = selectors.backlog(filters)
    context = {
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
        "batches_page": _batches_page(request, filters),
        "backlog": backlog,
        "backlog_chart": charts.stacked(
            _("Незавершённые задачи"),
            [str(label) for _key, label in tables.BACKLOG_LABELS],
            [(row.name, [row.overdue, row.today, row.week]) for row in backlog],
        ),
        "query": request.GET.urlencode(),
        "blocks": tables.BLOCKS,
    }
    template = PAGE
    if partial_target(request, {BLOCKS_TARGET}):
        template += "#blocks"
    return render(request, template, context)


@require_GET
def export(request: HtmxHttpRequest, block: str) -> HttpResponse:
    """One table of the tab as .xlsx, with the filters in its header."""
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


def sheets_response(*, name: str, title: str, filters, sheets: list[Sheet]) -> HttpResponse:
    return xlsx_response(
        filename=f"{name}-{timezone.localdate():%Y-%m-%d}",
        title=title,
        filters=filters,
        sheets=sheets,
    )

"""The «Выборки» tab: the run form and the batches, a batch's leads, «Поставить» / «Снять»,
and «Создать рабочие листы»."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from crm_workstation.http import HtmxHttpRequest, partial_target
from selections import selectors, services
from selections.forms import RunSelectionForm
from selections.models import LeadBatch

PAGE = "selections/selections.html"
BATCH = "selections/batch.html"
PER_PAGE = 50
VARIANTS = {"selections": _("Выборки"), "external": _("Внешние данные")}
LEAD_FILTERS = {
    "": _("Все"),
    "pending": _("Не обработанные"),
    "selected": _("Отмеченные"),
    "problems": _("С ошибками"),
    "done": _("Обработанные"),
}


def _page(request, queryset, param: str = "page") -> Page:
    return Paginator(queryset, PER_PAGE).get_page(request.GET.get(param))


def _get_batch_for_user(request, pk: int) -> LeadBatch:
    batch = selectors.batches_visible_to(request.user).filter(pk=pk).first()
    if batch is None:
        raise Http404
    return batch


def _branch(request, branches):
    raw = request.GET.get("branch", "")
    if raw.isdecimal() and len(raw) <= 18:
        chosen = next((b for b in branches if b.pk == int(raw)), None)
        if chosen is not None:
            return chosen
    return branches[0] if len(branches) == 1 else None


def stages_url() -> str:
    """«Этапы сделок» when that tab exists, else «Мои задачи»."""
    try:
        return reverse("worksheets:stages")
    except NoReverseMatch:
        return reverse("tasks:my_tasks")


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@permission_required("selections.view_leadbatch", raise_exception=True)
def selections(request: HtmxHttpRequest) -> HttpResponse:
    """The tab: structural unit, «Выборки» / «Внешние данные», the run form, the batches."""
    branches = list(selectors.branches_of(request.user))
    branch = _branch(request, branches)
    variant = request.GET.get("variant", "")
    if variant not in VARIANTS:
        variant = "selections"
    departments = selectors.departments_of(request.user, branch=branch)
    initial = {
        name: request.GET.get(name)
        for name in ("department", "kind", "workshop", "period", "date_from", "date_to")
        if request.GET.get(name)
    }
    if "department" not in initial and len(departments) == 1:
        initial["department"] = departments[0].pk
    form = RunSelectionForm(
        initial=initial,
        departments=departments,
        today=timezone.localdate(),
        redraw_url=reverse("selections:selections"),
    )
    context = {
        "branches": branches,
        "branch": branch,
        "variant": variant,
        "variants": VARIANTS,
        "form": form,
        "can_run": request.user.has_perm("selections.run_selection"),
        "can_upload": request.user.has_perm("selections.upload_importer_file"),
        "batches_page": _page(request, selectors.batches_visible_to(request.user, branch=branch)),
    }
    template = PAGE
    target = partial_target(request, {"run-form", "batches"})
    if target:
        template += "#" + target.replace("-", "_")
    return render(request, template, context)


@require_POST
@permission_required("selections.run_selection", raise_exception=True)
def run(request: HtmxHttpRequest) -> HttpResponse:
    """«Выбрать лиды»: the batch is stored and opened."""
    departments = selectors.departments_of(request.user, branch=None)
    form = RunSelectionForm(
        request.POST,
        departments=departments,
        today=timezone.localdate(),
        redraw_url=reverse("selections:selections"),
    )
    if not form.is_valid():
        branches = list(selectors.branches_of(request.user))
        context = {
            "branches": branches,
            "branch": form.department.branch if form.department else None,
            "variant": "selections",
            "variants": VARIANTS,
            "form": form,
            "can_run": True,
            "can_upload": request.user.has_perm("selections.upload_importer_file"),
            "batches_page": _page(request, selectors.batches_visible_to(request.user)),
        }
        return render(request, PAGE, context, status=200)
    data = form.cleaned_data
    batch = services.selection_run(
        kind=data["kind"],
        user=request.user,
        period_from=data["date_from"],
        period_to=data["date_to"],
        workshop=data["workshop"],
    )
    messages.success(
        request,
        _("Выборка «%(kind)s»: найдено лидов — %(count)s.")
        % {"kind": batch.selection_kind, "count": batch.total_rows},
    )
    return redirect("selections:batch", pk=batch.pk)


def _batch_context(request, batch: LeadBatch) -> dict:
    show = request.GET.get("show", "")
    if show not in LEAD_FILTERS:
        show = ""
    leads_page = _page(request, selectors.batch_leads(batch=batch, show=show))
    leads_page.object_list = selectors.lead_rows(leads_page.object_list)
    return {
        "batch": batch,
        "show": show,
        "lead_filters": LEAD_FILTERS,
        "leads_page": leads_page,
        "counts": selectors.batch_counts(batch=batch),
        "results": selectors.batch_results(batch=batch),
        "can_create": request.user.has_perm("selections.change_lead"),
        "stages_url": stages_url(),
        "here": request.get_full_path(),
    }


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@permission_required("selections.view_leadbatch", raise_exception=True)
def batch(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """A batch's leads with a checkbox each, «Поставить» / «Снять», «Создать рабочие листы»."""
    batch = _get_batch_for_user(request, pk)
    template = BATCH
    if partial_target(request, {"leads"}):
        template += "#leads"
    return render(request, template, _batch_context(request, batch))


@require_POST
@permission_required("selections.change_lead", raise_exception=True)
def batch_select(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """«Поставить» / «Снять» for the whole batch, or one lead's checkbox."""
    batch = _get_batch_for_user(request, pk)
    action = request.POST.get("action", "")
    if action in ("all", "none"):
        services.leads_set_selected(batch=batch, selected=action == "all")
    elif action == "one":
        raw = request.POST.get("lead", "")
        if raw.isdecimal() and len(raw) <= 18:
            services.leads_set_selected(
                batch=batch, selected=request.POST.get("selected") == "1", lead_ids=[int(raw)]
            )
    else:
        messages.error(request, _("Неизвестное действие: «Поставить» или «Снять»."))
    if request.htmx:
        # The list keeps its page and filter: the form posts to a URL that carries them.
        return render(request, BATCH + "#leads", _batch_context(request, batch))
    return redirect(_back(request, batch))


def _back(request, batch: LeadBatch) -> str:
    url = reverse("selections:batch", args=[batch.pk])
    show = request.POST.get("show", "")
    return f"{url}?show={show}" if show in LEAD_FILTERS and show else url


@require_POST
@permission_required("selections.change_lead", raise_exception=True)
def batch_create(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """«Создать рабочие листы» from the selected leads; the summary is shown on the batch page."""
    batch = _get_batch_for_user(request, pk)
    summary = services.worksheets_create_from_leads(batch=batch, user=request.user)
    if summary.tasks == 0 and summary.skipped_total == 0:
        messages.info(request, _("Нет отмеченных необработанных лидов: ничего не создано."))
    else:
        skipped = "; ".join(f"{label} — {count}" for label, count in summary.skipped_by_reason)
        text = _(
            "Создано рабочих листов: %(created)s; задач добавлено в существующие: %(added)s; "
            "пропущено: %(skipped)s."
        ) % {"created": summary.created, "added": summary.added, "skipped": summary.skipped_total}
        if skipped:
            text += " " + _("Причины: %(reasons)s.") % {"reasons": skipped}
        messages.success(request, text)
    return redirect("selections:batch", pk=batch.pk)

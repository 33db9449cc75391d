"""Client search, client and vehicle cards, and the client interaction history."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.middleware import HtmxDetails

from client_history import selectors, services
from client_history.forms import DoNotCallForm
from client_history.models import Client, RepairOrder, Vehicle

CARD_RECOMMENDATIONS = 10
CARD_FLAG_PARTIAL = "client_history/client_card.html#do_not_call"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _page(request, items, param: str = "page", *, count: int | None = None) -> Page:
    """A page of `items`; `count`: their number when already known (no COUNT query)."""
    paginator = Paginator(items, settings.CRM_PAGE_SIZE)
    if count is not None:
        paginator.count = count
    return paginator.get_page(request.GET.get(param))


def _partial_target(request, targets: set[str]) -> str | None:
    """The region an htmx request asks for, when it asks for one this page has."""
    htmx = request.htmx
    if htmx and not htmx.history_restore_request and htmx.target in targets:
        return htmx.target
    return None


def _get_client_for_user(request, pk: int) -> Client:
    return get_object_or_404(
        selectors.clients_visible_to(request.user).select_related("home_branch"), pk=pk
    )


def _get_vehicle_for_user(request, pk: int) -> Vehicle:
    """The vehicle, with `owner_visible`: a car seen through a repair order at the user's
    branch may belong to a client the user does not see, whose name is then not shown."""
    return get_object_or_404(
        selectors.vehicles_visible_to(request.user)
        .select_related("owner__home_branch")
        .annotate(owner_visible=selectors.owner_visible_to(request.user)),
        pk=pk,
    )


def _get_repair_order_for_user(request, pk: int) -> RepairOrder:
    return get_object_or_404(
        selectors.repair_orders_visible_to(request.user).select_related(
            "branch", "workshop", "department", "client", "vehicle__owner"
        ),
        pk=pk,
    )


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def client_search(request: HtmxHttpRequest) -> HttpResponse:
    query = selectors.clean_query(request.GET.get("q"))
    clients = selectors.client_search(user=request.user, query=query)
    page_obj = _page(request, clients) if query else None
    if page_obj is not None and page_obj.paginator.count == 1 and not request.htmx:
        # A search sent with «Найти» or Enter that finds one client opens the card. The live
        # search (htmx, as the manager types) keeps the list: the page must not jump away
        # while the query is still being typed.
        return redirect("client_history:client_card", pk=page_obj[0].pk)
    context = {"query": query, "page_obj": page_obj}
    template = "client_history/client_search.html"
    if _partial_target(request, {"search-results"}):
        template += "#results"
    return render(request, template, context)


def _do_not_call_context(client: Client, form: DoNotCallForm | None = None) -> dict:
    return {
        "client": client,
        "do_not_call_form": form,
        "do_not_call_changes": selectors.do_not_call_changes(client=client),
    }


def _client_card_context(request, client: Client, form: DoNotCallForm | None = None) -> dict:
    vehicles = selectors.client_vehicles(client=client)
    open_recommendations = selectors.open_recommendations(vehicles=vehicles)
    return {
        **_do_not_call_context(client, form),
        "phones": selectors.client_phones(client=client),
        "vehicles": vehicles,
        "worksheets": selectors.client_worksheets(client=client, user=request.user),
        "open_recommendations": open_recommendations[:CARD_RECOMMENDATIONS],
        "open_recommendations_count": len(open_recommendations),
    }


@require_GET
def client_card(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = _get_client_for_user(request, pk)
    return render(request, "client_history/client_card.html", _client_card_context(request, client))


@require_POST
@permission_required("client_history.change_client", raise_exception=True)
def client_set_do_not_call(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = _get_client_for_user(request, pk)
    form = DoNotCallForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            template, context = CARD_FLAG_PARTIAL, _do_not_call_context(client, form)
        else:
            template = "client_history/client_card.html"
            context = _client_card_context(request, client, form)
        return render(request, template, context, status=400)
    services.client_set_do_not_call(
        client=client, do_not_call=form.cleaned_data["do_not_call"], user=request.user
    )
    if request.htmx:
        return render(request, CARD_FLAG_PARTIAL, _do_not_call_context(client))
    messages.success(
        request,
        _("Отметка «Не звонить» установлена.") if client.do_not_call else _("Отметка снята."),
    )
    return redirect("client_history:client_card", pk=client.pk)


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def vehicle_card(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    vehicle = _get_vehicle_for_user(request, pk)
    vehicles = Vehicle.objects.filter(pk=vehicle.pk)
    open_recommendations = selectors.open_recommendations(vehicles=vehicles)
    context = {
        "vehicle": vehicle,
        # The same database expression the history and the «Подошло ТО» selection read.
        "next_maintenance": vehicles.with_maintenance_forecast()
        .values_list("next_maintenance", flat=True)
        .first(),
        "today": timezone.localdate(),
        "orders_page": _page(request, selectors.repair_orders(vehicles=vehicles), "orders_page"),
        "open_recommendations": open_recommendations[:CARD_RECOMMENDATIONS],
        "open_recommendations_count": len(open_recommendations),
    }
    template = "client_history/vehicle_card.html"
    if _partial_target(request, {"orders"}):
        template += "#orders"
    return render(request, template, context)


HISTORY_REGIONS = {"orders", "recommendations", "tasks"}
MAX_ID_DIGITS = 18  # a bigint; a longer run of digits in a URL is no id of ours


def _history_filter(request) -> dict:
    """`?worksheet=<id>` and `?task=<number>`: the history opened from a РЛ- or ЗД- number
    lists that worksheet's tasks, or that task. Anything else in them is no filter."""
    raw_id = request.GET.get("worksheet", "")
    worksheet_id = int(raw_id) if raw_id.isdecimal() and len(raw_id) <= MAX_ID_DIGITS else None
    task_number = selectors.clean_query(request.GET.get("task")).upper()[:20]
    worksheet = None
    if worksheet_id is not None:
        worksheet = selectors.history_worksheet(user=request.user, worksheet_id=worksheet_id)
    return {"worksheet_id": worksheet_id, "task_number": task_number, "worksheet": worksheet}


def _history(request, *, client: Client | None, vehicle: Vehicle | None) -> HttpResponse:
    """One page for both histories: all the client's vehicles, or one vehicle (whose owner
    may be unknown: such a car is visible to superusers only)."""
    if vehicle is not None:
        vehicles = Vehicle.objects.filter(pk=vehicle.pk)
    else:
        vehicles = Vehicle.objects.filter(owner=client)
    region = _partial_target(request, HISTORY_REGIONS)
    template = "client_history/history.html"
    if region:
        template += "#" + region
    tasks_filter = _history_filter(request)
    context = {"client": client, "vehicle": vehicle, "tasks_filter": tasks_filter}
    if region is None:
        context["summary"] = selectors.service_summary(vehicles=vehicles)
    # Only the region asked for is read when htmx pages through one list.
    if region in (None, "orders"):
        orders = selectors.repair_orders(vehicles=vehicles)
        # The summary counted the visits: the orders' paginator need not count them again.
        visits = context["summary"].visits if "summary" in context else None
        context["orders_page"] = _page(request, orders, "orders_page", count=visits)
    if region in (None, "recommendations"):
        recommendations = selectors.recommendation_groups(vehicles=vehicles)
        context["recommendations_page"] = _page(request, recommendations, "rec_page")
    if region in (None, "tasks"):
        tasks = selectors.tasks_for(user=request.user, client=client, vehicle=vehicle)
        tasks = selectors.tasks_filtered(
            tasks,
            worksheet_id=tasks_filter["worksheet_id"],
            task_number=tasks_filter["task_number"],
        )
        context["tasks_page"] = _page(request, tasks, "tasks_page")
    if region is None:
        # On the orders' first page, the last visit is its first row.
        orders_page = context["orders_page"]
        latest = orders_page[0] if orders_page.number == 1 and orders_page else None
        context["last_visit"] = selectors.last_visit(vehicles=vehicles, latest=latest)
        # Read just before calling: the numbers to dial and whether to dial at all.
        context["phones"] = selectors.client_phones(client=client) if client else []
    return render(request, template, context)


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def client_history(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    client = _get_client_for_user(request, pk)
    return _history(request, client=client, vehicle=None)


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def vehicle_history(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    vehicle = _get_vehicle_for_user(request, pk)
    owner = vehicle.owner if vehicle.owner_visible else None
    return _history(request, client=owner, vehicle=vehicle)


@require_GET
def repair_order(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """One repair order: its works, parts and recommendations."""
    order = _get_repair_order_for_user(request, pk)
    lines = list(selectors.repair_order_lines(order=order))
    context = {
        "order": order,
        "works": [line for line in lines if line.kind == line.Kind.WORK],
        "parts": [line for line in lines if line.kind == line.Kind.PART],
        "recommendations": selectors.repair_order_recommendations(order=order),
    }
    return render(request, "client_history/repair_order.html", context)

"""The repair orders, their lines and recommendations; vehicles' mileage from the orders."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import OuterRef, Subquery

from client_history.dms_import.cells import (
    LINE_KINDS,
    ORDER_KINDS,
    BadRow,
    Cells,
    cell_text,
    decimal_field_of,
)
from client_history.dms_import.files import Table
from client_history.dms_import.organisation import Organisation
from client_history.dms_import.report import FileReport
from client_history.dms_import.upsert import (
    BATCH_SIZE,
    Parsed,
    Rows,
    by_external_id,
    chunks,
    count_outcome,
    ids_by_external_id,
    upsert,
)
from client_history.models import (
    Client,
    Recommendation,
    RepairOrder,
    RepairOrderLine,
    Vehicle,
)
from crm_workstation.models import Branch


def load_repair_orders(*, table: Table, report: FileReport, org: Organisation) -> set[int]:
    """Load the repair orders; returns the ids of the vehicles they belong to."""
    rows = Rows(report)
    vehicle_ids: set[int] = set()
    for chunk in chunks(table.rows):
        candidates = []
        for row, values in chunk:
            cells = Cells(values)
            try:
                external_id = cells.field(RepairOrder, "external_id", required=True)
                branch = org.branch(cells.text("branch_code", required=True))
                data: dict[str, Any] = {
                    "external_id": external_id,
                    "number": cells.field(RepairOrder, "number", required=True),
                    "branch_id": branch.pk,
                    "opened_at": cells.date("opened_at", required=True),
                    "kind": cells.choice("kind", mapping=ORDER_KINDS),
                }
                if cells.has("workshop"):
                    data["workshop_id"] = _branch_item(
                        org.workshops, branch, cells.text("workshop"), "цех"
                    )
                if cells.has("department"):
                    data["department_id"] = _branch_item(
                        org.departments, branch, cells.text("department"), "ЦФО"
                    )
                if cells.has("closed_at"):
                    data["closed_at"] = cells.date("closed_at")
                    if data["closed_at"] and data["closed_at"] < data["opened_at"]:
                        raise BadRow("дата закрытия раньше даты открытия")
                if cells.has("mileage"):
                    data["mileage"] = cells.mileage("mileage")
                if cells.has("amount"):
                    data["amount"] = cells.decimal(
                        "amount",
                        model_field=decimal_field_of(RepairOrder, "amount"),
                        default=Decimal(0),
                    )
                client = cells.text("client_external_id", required=True)
                vehicle = cells.text("vehicle_external_id", required=True)
            except BadRow as problem:
                rows.bad(row, str(problem))
                continue
            if rows.first_time(row, external_id, f"внешний код «{external_id}»"):
                candidates.append((Parsed(row, external_id, data), client, vehicle))

        clients = ids_by_external_id(Client, (c for _, c, _ in candidates))
        vehicles = ids_by_external_id(Vehicle, (v for _, _, v in candidates))
        parsed = []
        for item, client, vehicle in candidates:
            if client not in clients:
                rows.bad(item.row, f"клиент с внешним кодом «{client}» не найден")
            elif vehicle not in vehicles:
                rows.bad(item.row, f"автомобиль с внешним кодом «{vehicle}» не найден")
            else:
                item.values["client_id"] = clients[client][0]
                item.values["vehicle_id"] = vehicles[vehicle][0]
                parsed.append(item)
        existing = by_external_id(RepairOrder, (p.key for p in parsed))
        count_outcome(report, upsert(model=RepairOrder, parsed=parsed, existing=existing))
        vehicle_ids.update(item.values["vehicle_id"] for item in parsed)
    return vehicle_ids


def _branch_item(
    items: dict[tuple[int, str], models.Model], branch: Branch, name: str, label: str
) -> int | None:
    if not name:
        return None
    item = items.get((branch.pk, name.casefold()))
    if item is None:
        raise BadRow(f"{label} «{name}» не найден в структурной единице «{branch.code}»")
    return item.pk


def vehicles_update_last_mileage(*, vehicle_ids: Iterable[int]) -> int:
    """Set each vehicle's last known mileage from its latest repair order, when that is newer.

    A reading the CRM recorded later (the client's own words on a call) is kept. Returns the
    number of vehicles changed.
    """
    latest = RepairOrder.objects.filter(vehicle=OuterRef("pk"), mileage__isnull=False).order_by(
        "-opened_at", "-mileage", "-pk"
    )
    changed_count = 0
    for batch in chunks(sorted(set(vehicle_ids))):
        vehicles = (
            Vehicle.objects.filter(pk__in=batch)
            .only("pk", "last_mileage", "last_mileage_date")
            .annotate(
                order_date=Subquery(latest.values("opened_at")[:1]),
                order_mileage=Subquery(latest.values("mileage")[:1]),
            )
        )
        changed = []
        for vehicle in vehicles:
            if vehicle.order_date is None:
                continue
            if vehicle.last_mileage_date is None or vehicle.order_date > vehicle.last_mileage_date:
                vehicle.last_mileage = vehicle.order_mileage
                vehicle.last_mileage_date = vehicle.order_date
                changed.append(vehicle)
        if changed:
            Vehicle.objects.bulk_update(
                changed, ["last_mileage", "last_mileage_date"], batch_size=BATCH_SIZE
            )
        changed_count += len(changed)
    return changed_count


def load_lines(*, table: Table, report: FileReport, org: Organisation) -> None:
    """Lines are keyed by (repair order, position); the file is the whole truth for an order.

    An order's lines that the file no longer lists are deleted, unless one of that order's rows
    in the file was bad (then nothing of that order is deleted).
    """
    rows = Rows(report)
    listed: dict[int, set[int]] = {}
    spoilt: set[str] = set()
    for chunk in chunks(table.rows):
        candidates = []
        for row, values in chunk:
            cells = Cells(values)
            # Read before the checks, so a bad row still keeps its order's lines (a NUL taken
            # out: the id is only looked up).
            order = cell_text(values.get("repair_order_external_id")).replace("\x00", "")
            try:
                cells.text("repair_order_external_id", required=True)
                position = cells.integer("position", minimum=1, maximum=32767, required=True)
                data: dict[str, Any] = {
                    "position": position,
                    "name": cells.field(RepairOrderLine, "name", required=True),
                }
                if cells.has("kind"):
                    data["kind"] = cells.choice(
                        "kind", mapping=LINE_KINDS, default=RepairOrderLine.Kind.WORK
                    )
                if cells.has("quantity"):
                    data["quantity"] = cells.decimal(
                        "quantity",
                        model_field=decimal_field_of(RepairOrderLine, "quantity"),
                        default=Decimal(1),
                        positive=True,
                    )
                if cells.has("amount"):
                    data["amount"] = cells.decimal(
                        "amount",
                        model_field=decimal_field_of(RepairOrderLine, "amount"),
                        default=Decimal(0),
                    )
            except BadRow as problem:
                rows.bad(row, str(problem))
                spoilt.add(order)
                continue
            if rows.first_time(row, (order, position), f"«{order}», позиция {position},"):
                candidates.append((Parsed(row, None, data), order))

        orders = ids_by_external_id(RepairOrder, (o for _, o in candidates))
        parsed = []
        for item, order in candidates:
            if order not in orders:
                rows.bad(item.row, f"заказ-наряд с внешним кодом «{order}» не найден")
                continue
            order_id = orders[order][0]
            item.key = (order_id, item.values["position"])
            item.values["repair_order_id"] = order_id
            listed.setdefault(order_id, set()).add(item.values["position"])
            parsed.append(item)
        existing = {
            (line.repair_order_id, line.position): line
            for line in RepairOrderLine.objects.filter(
                repair_order_id__in=sorted({p.key[0] for p in parsed})
            )
        }
        count_outcome(report, upsert(model=RepairOrderLine, parsed=parsed, existing=existing))

    spoilt_ids = set()
    for batch in chunks(sorted(spoilt)):
        spoilt_ids.update(pk for (pk,) in ids_by_external_id(RepairOrder, batch).values())
    stale = []
    for batch in chunks(sorted(set(listed) - spoilt_ids)):
        for pk, order_id, position in RepairOrderLine.objects.filter(
            repair_order_id__in=batch
        ).values_list("pk", "repair_order_id", "position"):
            if position not in listed[order_id]:
                stale.append(pk)
    for batch in chunks(stale):
        report.deleted += RepairOrderLine.objects.filter(pk__in=batch).delete()[0]


def load_recommendations(*, table: Table, report: FileReport, org: Organisation) -> None:
    rows = Rows(report)
    for chunk in chunks(table.rows):
        candidates = []
        for row, values in chunk:
            cells = Cells(values)
            try:
                external_id = cells.field(Recommendation, "external_id", required=True)
                data: dict[str, Any] = {
                    "external_id": external_id,
                    "text": cells.field(Recommendation, "text", required=True),
                }
                order = cells.text("repair_order_external_id", required=True)
                done_in = cells.text("done_in_external_id")
                if cells.has("done") or cells.has("done_in_external_id"):
                    data["is_done"] = cells.flag("done") or bool(done_in)
                if cells.has("done_in_external_id"):
                    data["done_in_id"] = None  # resolved below
            except BadRow as problem:
                rows.bad(row, str(problem))
                continue
            if rows.first_time(row, external_id, f"внешний код «{external_id}»"):
                candidates.append((Parsed(row, external_id, data), order, done_in))

        orders = ids_by_external_id(
            RepairOrder, (ref for _, o, d in candidates for ref in (o, d)), "vehicle_id"
        )
        parsed = []
        for item, order, done_in in candidates:
            if order not in orders:
                rows.bad(item.row, f"заказ-наряд с внешним кодом «{order}» не найден")
                continue
            order_id, vehicle_id = orders[order]
            if done_in:
                if done_in not in orders:
                    rows.bad(item.row, f"заказ-наряд выполнения «{done_in}» не найден")
                    continue
                if orders[done_in][1] != vehicle_id:
                    rows.bad(item.row, f"заказ-наряд выполнения «{done_in}» — другого автомобиля")
                    continue
                item.values["done_in_id"] = orders[done_in][0]
            item.values["repair_order_id"] = order_id
            item.values["vehicle_id"] = vehicle_id
            parsed.append(item)
        existing = by_external_id(Recommendation, (p.key for p in parsed))
        count_outcome(report, upsert(model=Recommendation, parsed=parsed, existing=existing))

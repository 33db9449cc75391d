"""Workflows of the Selections tab: running a selection into a batch of leads, selecting leads,
and creating worksheets and tasks from the selected ones (SPEC §7).

Each is one transaction and set-based: a batch of 5,000 leads is a handful of statements, not
5,000 round trips.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from client_history.models import Client, ClientPhone, Vehicle
from crm_workstation.models import NumberSequence, Workshop, format_number
from selections.models import Lead, LeadBatch, SelectionKind
from selections.rules import SelectionScope, rule_leads
from tasks.models import TASK_PREFIX, Task
from worksheets.models import WORKSHEET_PREFIX, Worksheet

BATCH_SIZE = 1000


def selection_run(
    *,
    kind: SelectionKind,
    user: AbstractBaseUser | None,
    period_from: dt.date,
    period_to: dt.date,
    workshop: Workshop | None = None,
    into: LeadBatch | None = None,
) -> LeadBatch:
    """«Выбрать лиды»: run `kind`'s rule over its department's branch (or `workshop`) for the
    period, and store what it finds as a batch of leads with their reason fields.

    With `into` (an earlier batch of the same kind and period: the nightly run again), only
    the leads that batch does not have yet are added to it."""
    department = kind.department
    scope = SelectionScope(
        branch_id=department.branch_id,
        period_from=period_from,
        period_to=period_to,
        workshop_id=workshop.pk if workshop is not None and kind.by_workshop else None,
    )
    rows = list(rule_leads(kind, scope))
    with transaction.atomic():
        if into is None:
            batch = LeadBatch.objects.create(
                kind=LeadBatch.Kind.SELECTION,
                branch_id=department.branch_id,
                department=department,
                selection_kind=kind,
                workshop_id=scope.workshop_id,
                period_from=period_from,
                period_to=period_to,
                status=LeadBatch.Status.READY,
                created_by=user,
            )
            first_number = 1
        else:
            batch = LeadBatch.objects.select_for_update().get(pk=into.pk)
            known = set(batch.leads.values_list("client_id", "vehicle_id", "repair_order_id"))
            rows = [
                row
                for row in rows
                if (row["client_id"], row["vehicle_id"], row["repair_order_id"]) not in known
            ]
            first_number = batch.total_rows + 1
        Lead.objects.bulk_create(
            (
                Lead(batch=batch, row_number=number, is_usable=True, **row)
                for number, row in enumerate(rows, start=first_number)
            ),
            batch_size=BATCH_SIZE,
        )
        batch.total_rows = batch.processed_rows = first_number - 1 + len(rows)
        batch.save(update_fields=["total_rows", "processed_rows"])
    batch.found = len(rows)
    return batch


def leads_set_selected(*, batch: LeadBatch, selected: bool, lead_ids=None) -> int:
    """«Поставить» / «Снять» on the whole batch (or the given leads of it), in one UPDATE.

    Only leads still waiting and usable take the mark: a processed lead or a row with problems
    never becomes selected. Returns how many leads changed."""
    leads = batch.leads.filter(result=Lead.Result.PENDING, is_usable=True)
    if lead_ids is not None:
        leads = leads.filter(pk__in=lead_ids)
    return leads.exclude(selected=selected).update(selected=selected)


@dataclass
class CreationSummary:
    """What «Создать рабочие листы» made of the selected leads."""

    created: int = 0  # leads that produced a new worksheet
    added: int = 0  # leads whose task went to the client's existing worksheet
    skipped: Counter = field(default_factory=Counter)  # Lead.SkipReason → count

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    @property
    def skipped_by_reason(self) -> list[tuple[str, int]]:
        labels = dict(Lead.SkipReason.choices)
        return [(str(labels[reason]), count) for reason, count in sorted(self.skipped.items())]

    @property
    def tasks(self) -> int:
        return self.created + self.added


def _goal(batch: LeadBatch, lead: Lead) -> str:
    source = batch.selection_kind or batch.importer_variant
    parts = [str(source)]
    if lead.due_date:
        parts.append(_("срок %(date)s") % {"date": date_format(lead.due_date, "SHORT_DATE_FORMAT")})
    if lead.last_visit:
        parts.append(
            _("последний визит %(date)s")
            % {"date": date_format(lead.last_visit, "SHORT_DATE_FORMAT")}
        )
    if lead.mileage is not None:
        parts.append(
            _("пробег %(km)s км") % {"km": number_format(lead.mileage, force_grouping=True)}
        )
    return "; ".join(parts)


def _leads_for_creation(batch: LeadBatch):
    valid_phone = ClientPhone.objects.filter(
        client=OuterRef("client_id"), is_invalid=False
    ).exclude(number="")
    return (
        batch.leads.filter(selected=True, result=Lead.Result.PENDING)
        .annotate(
            client_do_not_call=F("client__do_not_call"),
            client_has_phone=Exists(valid_phone),
            vehicle_owner_id=F("vehicle__owner_id"),
        )
        .order_by("row_number", "id")
    )


def _new_clients(*, batch: LeadBatch, leads: list[Lead], user) -> None:
    """Importer rows that matched no client: the client (and the vehicle, when that matched
    nothing either) is made now, from the row's fields (SPEC §7.2). Rows with the same first
    phone are one new client."""
    by_phone: dict[str, Client] = {}
    clients: list[Client] = []
    phones: list[tuple[Client, list[str]]] = []
    for lead in leads:
        first = lead.data["phones"][0]
        client = by_phone.get(first)
        if client is None:
            client = Client(
                name=lead.data.get("name") or "—",
                email=lead.data.get("email") or "",
                home_branch_id=batch.branch_id,
            )
            client.name_search = " ".join(client.name.lower().replace("ё", "е").split())
            by_phone[first] = client
            clients.append(client)
            phones.append((client, lead.data["phones"]))
        lead.new_client = client
    bulk_create_with_history(clients, Client, batch_size=BATCH_SIZE, default_user=user)
    ClientPhone.objects.bulk_create(
        (
            ClientPhone(client=client, number=number, raw=number, is_primary=position == 0)
            for client, numbers in phones
            for position, number in enumerate(dict.fromkeys(numbers))
        ),
        batch_size=BATCH_SIZE,
    )
    for lead in leads:
        lead.client_id = lead.new_client.pk


def _new_vehicles(*, leads: list[Lead]) -> None:
    """Vehicles of importer rows that matched none: found by VIN once more (another batch may
    have made the car since this file was read), else made for the lead's client."""
    vins = {lead.data.get("vin") for lead in leads if lead.data.get("vin")}
    existing = dict(Vehicle.objects.filter(vin__in=vins).values_list("vin", "id")) if vins else {}
    made: dict[str, Vehicle] = {}
    vehicles: list[Vehicle] = []
    for lead in leads:
        data = lead.data
        vin = data.get("vin") or ""
        if vin in existing:
            lead.vehicle_id = existing[vin]
            continue
        key = vin or f"plate:{data.get('plate')}:{lead.client_id}"
        vehicle = made.get(key)
        if vehicle is None:
            last_visit = data.get("last_visit")
            vehicle = Vehicle(
                vin=vin,
                plate=data.get("plate") or "",
                make=data.get("make") or "—",
                model=data.get("model") or "",
                year=data.get("year"),
                sale_date=dt.date.fromisoformat(data["sale_date"])
                if data.get("sale_date")
                else None,
                last_mileage=data.get("mileage"),
                last_mileage_date=dt.date.fromisoformat(last_visit)
                if last_visit and data.get("mileage") is not None
                else None,
                owner_id=lead.client_id,
            )
            made[key] = vehicle
            vehicles.append(vehicle)
        lead.new_vehicle = vehicle
    Vehicle.objects.bulk_create(vehicles, batch_size=BATCH_SIZE)
    for lead in leads:
        if hasattr(lead, "new_vehicle"):
            lead.vehicle_id = lead.new_vehicle.pk


_RESULT_COLUMNS = ("result", "skip_reason", "worksheet_id", "task_id", "client_id", "vehicle_id")


def _leads_write_results(leads: list[Lead]) -> None:
    """What became of each lead, a thousand leads a statement: UPDATE … FROM (VALUES …).

    `bulk_update` would write a CASE per column with a branch per lead (quadratic in the
    batch: 5,000 leads took most of 20 seconds); a join to a VALUES list is linear. SQLite
    (3.33+) and PostgreSQL both take it; they name the list's columns differently."""
    table = Lead._meta.db_table
    postgres = connection.vendor == "postgresql"
    for start in range(0, len(leads), BATCH_SIZE):
        chunk = leads[start : start + BATCH_SIZE]
        params: list = []
        for lead in chunk:
            params.append(lead.pk)
            params.extend(getattr(lead, column) for column in _RESULT_COLUMNS)
        if postgres:
            row = "(%s::bigint, %s::text, %s::text, %s::bigint, %s::bigint, %s::bigint, %s::bigint)"
            names = ", ".join(_RESULT_COLUMNS)
            sets = ", ".join(f"{column} = v.{column}" for column in _RESULT_COLUMNS)
            sql = (
                f"UPDATE {table} AS lead SET {sets} FROM (VALUES {', '.join([row] * len(chunk))})"
                f" AS v(id, {names}) WHERE lead.id = v.id"
            )
        else:
            row = "(" + ", ".join(["%s"] * (len(_RESULT_COLUMNS) + 1)) + ")"
            sets = ", ".join(
                f"{column} = v.column{number}"
                for number, column in enumerate(_RESULT_COLUMNS, start=2)
            )
            sql = (
                f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([row] * len(chunk))}) AS v"
                f" WHERE {table}.id = v.column1"
            )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _skip_reason(lead: Lead) -> str | None:
    if not lead.is_usable:
        return Lead.SkipReason.UNUSABLE
    if lead.client_id is None:
        if not lead.data.get("phones"):
            return Lead.SkipReason.NO_VALID_PHONE
        return None
    if lead.client_do_not_call:
        return Lead.SkipReason.DO_NOT_CALL
    if not lead.client_has_phone:
        return Lead.SkipReason.NO_VALID_PHONE
    return None


def worksheets_create_from_leads(
    *, batch: LeadBatch, user: AbstractBaseUser | None
) -> CreationSummary:
    """«Создать рабочие листы» for the batch's selected leads not yet processed.

    Per lead: skip it with a reason (a row with problems, «не звонить», no valid phone, an
    unfinished task of the kind's type for that car already on the client's worksheet in the
    department — or made by an earlier lead of this run); else add the task to the client's
    worksheet in the department; else create the worksheet with the task.

    One transaction. The batch row is locked first, so two runs of the same batch (a double
    click, two users) go one after the other and the second finds nothing left to do; a
    processed lead is never processed again. Numbers are reserved in one block per counter;
    worksheets, tasks and their history rows are inserted in bulk. Each task starts its own
    chain (`origin_task` is itself) and its lead points at it, so the campaign's bookings are
    counted back to the batch and its selection kind.
    """
    summary = CreationSummary()
    now = timezone.now()
    with transaction.atomic():
        batch = LeadBatch.objects.select_for_update().get(pk=batch.pk)
        source = batch.selection_kind or batch.importer_variant
        if source is None:
            return summary
        leads = list(_leads_for_creation(batch))
        if not leads:
            return summary

        to_make: list[Lead] = []
        for lead in leads:
            reason = _skip_reason(lead)
            if reason:
                lead.result, lead.skip_reason = Lead.Result.SKIPPED, reason
            else:
                to_make.append(lead)
        _new_clients(
            batch=batch, leads=[lead for lead in to_make if lead.client_id is None], user=user
        )
        _new_vehicles(
            leads=[
                lead
                for lead in to_make
                if lead.vehicle_id is None and (lead.data.get("vin") or lead.data.get("plate"))
            ]
        )

        client_ids = {lead.client_id for lead in to_make}
        worksheets = dict(
            Worksheet.objects.filter(
                department=batch.department_id,
                client__in=batch.leads.filter(selected=True).values("client_id"),
            ).values_list("client_id", "id")
        )
        worksheets = {client: ws for client, ws in worksheets.items() if client in client_ids}
        busy = (
            set(
                Task.objects.filter(
                    worksheet_id__in=worksheets.values(),
                    task_type_id=source.task_type_id,
                    status__in=Task.UNFINISHED,
                ).values_list("worksheet__client_id", "vehicle_id")
            )
            if worksheets
            else set()
        )

        new_worksheets: dict[int, Worksheet] = {}
        tasks: list[tuple[Lead, Task]] = []
        for lead in to_make:
            key = (lead.client_id, lead.vehicle_id)
            if key in busy:
                lead.result, lead.skip_reason = Lead.Result.SKIPPED, Lead.SkipReason.TASK_EXISTS
                continue
            busy.add(key)
            if lead.client_id in worksheets or lead.client_id in new_worksheets:
                lead.result = Lead.Result.TASK_ADDED
            else:
                new_worksheets[lead.client_id] = Worksheet(
                    department_id=batch.department_id,
                    client_id=lead.client_id,
                    purpose_id=source.purpose_id,
                    initiator=user,
                    source=Worksheet.Source.AUTO_SELECTION
                    if batch.kind == LeadBatch.Kind.SELECTION
                    else Worksheet.Source.IMPORTER_FILE,
                )
                lead.result = Lead.Result.WORKSHEET_CREATED
            tasks.append(
                (
                    lead,
                    Task(
                        department_id=batch.department_id,
                        task_type_id=source.task_type_id,
                        vehicle_id=lead.vehicle_id,
                        goal=_goal(batch, lead),
                        planned_at=now,
                        created_by=user,
                        created_at=now,
                    ),
                )
            )

        numbers = NumberSequence.reserve(WORKSHEET_PREFIX, len(new_worksheets))
        for worksheet, number in zip(new_worksheets.values(), numbers, strict=True):
            worksheet.number = format_number(WORKSHEET_PREFIX, number)
        bulk_create_with_history(
            list(new_worksheets.values()), Worksheet, batch_size=BATCH_SIZE, default_user=user
        )
        numbers = NumberSequence.reserve(TASK_PREFIX, len(tasks))
        for (lead, task), number in zip(tasks, numbers, strict=True):
            task.number = format_number(TASK_PREFIX, number)
            made = new_worksheets.get(lead.client_id)
            task.worksheet_id = made.pk if made is not None else worksheets[lead.client_id]
            lead.worksheet_id = task.worksheet_id
        created = Task.objects.bulk_create([task for _, task in tasks], batch_size=BATCH_SIZE)
        # Each task is the first of its chain: follow-ups planned from it inherit it.
        for task in created:
            task.origin_task_id = task.pk
        ids = [task.pk for task in created]
        for start in range(0, len(ids), BATCH_SIZE):
            Task.objects.filter(pk__in=ids[start : start + BATCH_SIZE]).update(origin_task=F("pk"))
        Task.history.bulk_history_create(created, batch_size=BATCH_SIZE, default_user=user)
        for lead, task in tasks:
            lead.task_id = task.pk

        _leads_write_results(leads)
    for lead in leads:
        if lead.result == Lead.Result.WORKSHEET_CREATED:
            summary.created += 1
        elif lead.result == Lead.Result.TASK_ADDED:
            summary.added += 1
        else:
            summary.skipped[lead.skip_reason] += 1
    return summary

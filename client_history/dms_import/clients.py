"""The clients file (with their phones) and the vehicles file."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from client_history.dms_import.cells import (
    CLIENT_KINDS,
    BadRow,
    Cells,
    max_length_of,
)
from client_history.dms_import.files import Table
from client_history.dms_import.organisation import Organisation
from client_history.dms_import.report import FileReport
from client_history.dms_import.upsert import (
    BATCH_SIZE,
    CHANGE_REASON,
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
    ClientPhone,
    Vehicle,
    search_key,
)
from crm_workstation.phones import PhoneReading


def _create_clients(model: type[models.Model], objs: list[models.Model]) -> None:
    bulk_create_with_history(
        objs, model, batch_size=BATCH_SIZE, default_change_reason=CHANGE_REASON
    )


def _update_clients(model: type[models.Model], objs: list[models.Model], fields: list[str]) -> None:
    bulk_update_with_history(
        objs, model, fields, batch_size=BATCH_SIZE, default_change_reason=CHANGE_REASON
    )


def load_clients(*, table: Table, report: FileReport, org: Organisation) -> None:
    rows = Rows(report)
    for chunk in chunks(table.rows):
        parsed = []
        for row, values in chunk:
            cells = Cells(values)
            try:
                external_id = cells.field(Client, "external_id", required=True)
                name = cells.field(Client, "name", required=True)
                data: dict[str, Any] = {
                    "external_id": external_id,
                    "name": name,
                    "name_search": search_key(name),
                    "home_branch_id": org.branch(cells.text("branch_code", required=True)).pk,
                }
                if cells.has("kind"):
                    data["kind"] = cells.choice(
                        "kind", mapping=CLIENT_KINDS, default=Client.Kind.PERSON
                    )
                extra: dict[str, Any] = {}
                if cells.has("do_not_call"):
                    extra["do_not_call"] = cells.flag("do_not_call")
                if cells.has("phones"):
                    extra["phones"] = cells.phones("phones")
                    for reading in extra["phones"]:
                        if not reading.is_valid:
                            rows.warn(
                                row,
                                f"«phones»: «{reading.raw}» — не действительный номер, "
                                "сохранён как недействительный",
                            )
                    if not extra["phones"] and cells.text("phones"):
                        rows.warn(row, f"«phones»: номер не распознан в «{cells.text('phones')}»")
                if cells.has("email"):
                    email = cells.field(Client, "email")
                    try:
                        if email:
                            validate_email(email)
                        data["email"] = email
                    except ValidationError:
                        rows.warn(row, f"«email»: адрес «{email}» некорректен, не загружен")
            except BadRow as problem:
                rows.bad(row, str(problem))
                continue
            if rows.first_time(row, external_id, f"внешний код «{external_id}»"):
                parsed.append(Parsed(row, external_id, data, extra=extra))

        existing = by_external_id(Client, (p.key for p in parsed))
        for item in parsed:
            # «Не звонить» is also set from the CRM: the import may switch it on, never off.
            if "do_not_call" in item.extra:
                current = existing.get(item.key)
                already = current is not None and current.do_not_call
                item.values["do_not_call"] = already or item.extra["do_not_call"]
        outcome = upsert(
            model=Client,
            parsed=parsed,
            existing=existing,
            create=_create_clients,
            update=_update_clients,
        )
        phones_changed = _sync_phones(parsed=parsed)
        report.created += len(outcome.created)
        report.updated += len(outcome.updated)
        for item in outcome.unchanged:
            if item.obj.pk in phones_changed:
                report.updated += 1
            else:
                report.unchanged += 1


def _sync_phones(*, parsed: list[Parsed]) -> set[int]:
    """Add the file's numbers a client lacks and make the first valid one primary.

    A number that is not valid is added as the file wrote it, marked invalid, with no
    normalised number. Numbers are never deleted: the CRM may have marked one invalid or added
    a note. Returns the ids of the clients whose phones changed.
    """
    wanted: dict[int, list[PhoneReading]] = {
        p.obj.pk: p.extra["phones"] for p in parsed if p.extra.get("phones")
    }
    if not wanted:
        return set()
    raw_length = ClientPhone._meta.get_field("raw").max_length
    # A client's phones by the valid number, or by the source's text when there is none.
    current: dict[int, dict[str, ClientPhone]] = {pk: {} for pk in wanted}
    for phone in ClientPhone.objects.filter(client_id__in=sorted(wanted)):
        current[phone.client_id][phone.number or f"raw:{phone.raw}"] = phone
    unset, promote, new, changed = [], [], [], set()
    for client_id, readings in wanted.items():
        have = current[client_id]
        primary = next((p for p in have.values() if p.is_primary), None)
        first = next((r.number for r in readings if r.is_valid), None)
        if first is not None and (primary is None or primary.number != first):
            changed.add(client_id)
            if primary is not None:
                unset.append(primary.pk)
            if first in have:
                promote.append(have[first].pk)
        for reading in readings:
            raw = reading.raw[:raw_length]
            key = reading.number or f"raw:{raw}"
            if key in have:
                continue
            changed.add(client_id)
            have[key] = phone = ClientPhone(
                client_id=client_id,
                number=reading.number,
                raw=raw,
                is_primary=reading.is_valid and reading.number == first,
                is_invalid=not reading.is_valid,
            )
            new.append(phone)
    # Unset the old primaries first: at most one primary per client is a database constraint.
    if unset:
        ClientPhone.objects.filter(pk__in=unset).update(is_primary=False)
    if promote:
        ClientPhone.objects.filter(pk__in=promote).update(is_primary=True)
    if new:
        ClientPhone.objects.bulk_create(new, batch_size=BATCH_SIZE)
    return changed


def load_vehicles(*, table: Table, report: FileReport, org: Organisation) -> None:
    rows = Rows(report)
    vins: dict[str, int] = {}
    max_year = dt.date.today().year + 1
    for chunk in chunks(table.rows):
        candidates = []
        for row, values in chunk:
            cells = Cells(values)
            try:
                external_id = cells.field(Vehicle, "external_id", required=True)
                data: dict[str, Any] = {
                    "external_id": external_id,
                    "make": cells.field(Vehicle, "make", required=True),
                }
                if cells.has("vin"):
                    data["vin"] = cells.vin("vin")
                if cells.has("plate"):
                    data["plate"] = cells.plate("plate", max_length=max_length_of(Vehicle, "plate"))
                if cells.has("model"):
                    data["model"] = cells.field(Vehicle, "model")
                if cells.has("year"):
                    data["year"] = cells.integer("year", minimum=1950, maximum=max_year)
                if cells.has("sale_date"):
                    data["sale_date"] = cells.date("sale_date")
                owner = cells.text("owner_external_id")
            except BadRow as problem:
                rows.bad(row, str(problem))
                continue
            if not rows.first_time(row, external_id, f"внешний код «{external_id}»"):
                continue
            vin = data.get("vin")
            if vin and vin in vins:
                rows.bad(row, f"VIN {vin} уже у автомобиля из строки {vins[vin]}")
                continue
            if vin:
                vins[vin] = row
            if not cells.has("owner_external_id"):
                owner = None
            candidates.append((Parsed(row, external_id, data), owner))

        owners = ids_by_external_id(Client, (owner for _, owner in candidates if owner))
        existing = by_external_id(Vehicle, (p.key for p, _ in candidates))
        chunk_vins = sorted({p.values["vin"] for p, _ in candidates if p.values.get("vin")})
        holders = {v.vin: v for v in Vehicle.objects.filter(vin__in=chunk_vins)}
        parsed = []
        for item, owner in candidates:
            if owner is not None:
                if owner and owner not in owners:
                    rows.bad(item.row, f"владелец с внешним кодом «{owner}» не найден")
                    continue
                item.values["owner_id"] = owners[owner][0] if owner else None
            holder = holders.get(item.values.get("vin", ""))
            if holder is not None and holder.external_id != item.key:
                if holder.external_id or item.key in existing:
                    code = holder.external_id or f"id {holder.pk}, без внешнего кода"
                    rows.bad(
                        item.row,
                        f"VIN {holder.vin} уже у другого автомобиля ({code})",
                    )
                    continue
                # A car the CRM created (from an importer file) before the DMS knew it:
                # the DMS record takes it over instead of colliding on the VIN.
                existing[item.key] = holder
            parsed.append(item)
        count_outcome(report, upsert(model=Vehicle, parsed=parsed, existing=existing))

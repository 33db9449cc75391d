"""Rows matched to the DMS data, a chunk at a time: one query per way of matching."""

from django.db.models.expressions import RawSQL

from client_history.models import ClientPhone, Vehicle
from selections.importer.reader import ImporterRow
from selections.models import Lead

CHUNK_SIZE = 500


def _among(values: set[str]) -> RawSQL | list:
    """`IN (VALUES (…), …)` rather than `IN (…)`: PostgreSQL plans a list of literals against
    the trigram indexes of VIN, plate and phone (search's indexes) at ~1 ms a value, and a
    VALUES list as a hash join or index lookups (a millisecond for the chunk)."""
    if not values:
        return []
    ordered = sorted(values)
    return RawSQL("VALUES " + ", ".join(["(%s)"] * len(ordered)), ordered)


def match_rows(rows: list[ImporterRow]) -> None:
    """Set each row's vehicle, client and `match`: the vehicle by VIN, else by plate; the
    client through the vehicle's owner, else by a valid phone of the row. A usable row that
    matched nothing is a new client; a row with problems that matched nothing, none."""
    vins = {row.data["vin"] for row in rows if row.data["vin"]}
    by_vin = {
        vehicle.vin: vehicle
        for vehicle in Vehicle.objects.filter(vin__in=_among(vins)).only("pk", "vin", "owner_id")
    }
    plates = {
        row.data["plate"] for row in rows if row.data["plate"] and row.data["vin"] not in by_vin
    }
    by_plate: dict[str, Vehicle] = {}
    # The newest record of a plate wins: a plate passes to another car when one is sold.
    for vehicle in (
        Vehicle.objects.filter(plate__in=_among(plates))
        .only("pk", "plate", "owner_id")
        .order_by("pk")
    ):
        by_plate[vehicle.plate] = vehicle
    numbers = {number for row in rows for number in row.data["phones"]}
    by_phone: dict[str, int] = {}
    for number, client_id in (
        ClientPhone.objects.filter(number__in=_among(numbers), is_invalid=False)
        .order_by("-client_id")
        .values_list("number", "client_id")
    ):
        by_phone[number] = client_id  # the oldest client of a shared number wins
    for row in rows:
        vehicle, match = by_vin.get(row.data["vin"]), Lead.Match.VIN
        if vehicle is None:
            vehicle, match = by_plate.get(row.data["plate"]), Lead.Match.PLATE
        client_id = vehicle.owner_id if vehicle else None
        if client_id is None:
            client_id = next((by_phone[n] for n in row.data["phones"] if n in by_phone), None)
        if vehicle is None:
            match = Lead.Match.PHONE if client_id else Lead.Match.NEW
        if match == Lead.Match.NEW and not row.is_usable:
            match = Lead.Match.NONE
        row.vehicle_id = vehicle.pk if vehicle else None
        row.client_id = client_id
        row.match = match

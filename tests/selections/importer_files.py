"""Hand-made importer files for the tests: good ones, and hostile ones."""

import io
import struct
import zipfile
from pathlib import Path
from typing import Any

from openpyxl import Workbook

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "importer-samples"
KLIENTY_TO = SAMPLES / "klienty-to.xlsx"
POTERYANNYE = SAMPLES / "poteryannye-klienty.xlsx"

HEADER = ["VIN", "Госномер", "Марка", "Модель", "ФИО", "Телефон", "Последний визит", "Пробег"]


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def lead_row(n: int, **values: Any) -> list[Any]:
    """A good row of HEADER's columns; keyword arguments replace its values."""
    row = {
        "VIN": f"XW8AN2NE{n:09d}",
        "Госномер": f"А{n % 1000:03d}ВС77",
        "Марка": "Kia",
        "Модель": "Rio",
        "ФИО": f"Иванов Иван {n}",
        "Телефон": f"8 912 {n % 1000:03d}-{n % 100:02d}-{n % 100:02d}",
        "Последний визит": "12.03.2024",
        "Пробег": "45 000 км",
    }
    row.update({key.replace("_", " "): value for key, value in values.items()})
    return [row[column] for column in HEADER]


def importer_xlsx(*rows: list[Any], header: list[str] = HEADER) -> bytes:
    return xlsx_bytes([header, *rows])


def zip_bomb(declared: int = 8 * 1024**3) -> bytes:
    """A valid workbook whose sheet entry claims `declared` uncompressed bytes."""
    good = xlsx_bytes([HEADER, lead_row(1)])
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
    data = bytearray(out.getvalue())
    # Rewrite the sheet's uncompressed size in its central directory record.
    name = b"xl/worksheets/sheet1.xml"
    at = data.find(b"PK\x01\x02" + bytes(0), 0)
    while at != -1:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_len]) == name:
            struct.pack_into("<I", data, at + 24, min(declared, 0xFFFFFFFF))
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def real_zip_bomb(size: int = 300 * 1024 * 1024) -> bytes:
    """A workbook whose sheet really inflates to `size` bytes (zeros compress ~1000:1)."""
    good = xlsx_bytes([HEADER, lead_row(1)])
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with target.open(info.filename, "w", force_zip64=True) as entry:
                    chunk = b" " * (1024 * 1024)
                    for _ in range(size // len(chunk)):
                        entry.write(chunk)
            else:
                target.writestr(info, source.read(info))
    return out.getvalue()


def many_entries(count: int = 5000) -> bytes:
    good = xlsx_bytes([HEADER, lead_row(1)])
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for n in range(count):
            target.writestr(f"xl/media/x{n}.bin", b"")
    return out.getvalue()


def with_doctype() -> bytes:
    """A workbook whose shared strings declare an entity (a billion-laughs attempt)."""
    good = xlsx_bytes([HEADER, lead_row(1)])
    source = zipfile.ZipFile(io.BytesIO(good))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/workbook.xml":
                data = (
                    b'<?xml version="1.0"?>'
                    b'<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
                    + data.split(b"?>", 1)[-1]
                )
            target.writestr(info, data)
    return out.getvalue()


def ole_container(*stream_names: str) -> bytes:
    """The start of an OLE compound file (as .xls files and password-protected .xlsx files
    are), with a directory naming `stream_names`."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    directory = b"".join(name.encode("utf-16-le").ljust(128, b"\x00") for name in stream_names)
    return header + directory

"""Opening an uploaded importer file safely: the checks before any parsing, then calamine.

An .xlsx is a zip archive of XML parts. Before the Rust reader (python-calamine) sees it, the
archive is checked here: it must be a zip (an .xls or an encrypted workbook is an OLE container,
a CSV is text), hold a bounded number of entries, and every entry is decompressed once with a
running count, so a declared size that lies or a ratio that explodes (a zip bomb) stops at the
limit instead of filling the memory; a truncated or corrupt entry fails its CRC here. The
workbook's own structure is read with defusedxml, and an XML part that declares a DTD (entity
expansion attacks) is refused. Only then does calamine load the first sheet, converting no more
rows than the row limit can need.
"""

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

import python_calamine
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from django.conf import settings

# An OLE compound file: an Excel 97–2003 .xls, or an .xlsx encrypted with a password (Excel
# wraps the encrypted package in one).
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAMS = ("EncryptionInfo".encode("utf-16-le"), "EncryptedPackage".encode("utf-16-le"))
_ZIP_MAGIC = b"PK\x03\x04"
_CHUNK = 1024 * 1024
_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


class ImporterFileError(Exception):
    """The file cannot be read as an importer file; the message names the problem, in Russian."""


@dataclass(frozen=True)
class Limits:
    """The hostile-file limits, from settings (IMPORTER_*)."""

    max_entries: int
    max_uncompressed: int
    max_ratio: int
    max_cells: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            max_entries=settings.IMPORTER_MAX_ZIP_ENTRIES,
            max_uncompressed=settings.IMPORTER_MAX_UNCOMPRESSED_BYTES,
            max_ratio=settings.IMPORTER_MAX_COMPRESSION_RATIO,
            max_cells=settings.IMPORTER_MAX_CELLS,
        )


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} МБ" if size >= 1024 * 1024 else f"{size // 1024} КБ"


def _refuse_non_zip(head: bytes, file: IO[bytes]) -> None:
    if head.startswith(_OLE_MAGIC):
        file.seek(0)
        body = file.read(4 * _CHUNK)
        if any(marker in body for marker in _ENCRYPTED_STREAMS):
            raise ImporterFileError(
                "Файл защищён паролем. Снимите пароль в Excel (Файл → Сведения → Защитить "
                "книгу → Зашифровать с использованием пароля → пустой пароль) и загрузите снова."
            )
        raise ImporterFileError(
            "Это файл старого формата Excel 97–2003 (.xls). Откройте его в Excel и сохраните "
            "как «Книга Excel (*.xlsx)»."
        )
    if not head:
        raise ImporterFileError("Файл пуст.")
    sample = head + file.read(2048)
    if b"\x00" not in sample:
        # Text, not a workbook: a CSV (or another text export) given an .xlsx name.
        raise ImporterFileError(
            "Это текстовый файл (например, CSV), а не книга Excel. Откройте его в Excel и "
            "сохраните как «Книга Excel (*.xlsx)»."
        )
    raise ImporterFileError("Файл не является книгой Excel .xlsx.")


def _check_archive(file: IO[bytes], limits: Limits) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(file)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise ImporterFileError(
            "Файл повреждён или загружен не полностью: архив книги Excel не читается."
        ) from None
    if len(infos) > limits.max_entries:
        raise ImporterFileError(
            f"В архиве книги {len(infos)} частей, допустимо не больше {limits.max_entries}: "
            "файл не похож на книгу Excel (возможно, «zip-бомба»)."
        )
    declared = sum(info.file_size for info in infos)
    if declared > limits.max_uncompressed:
        raise ImporterFileError(
            f"Распакованный размер книги {_megabytes(declared)}, допустимо не больше "
            f"{_megabytes(limits.max_uncompressed)} (возможно, «zip-бомба»)."
        )
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        raise ImporterFileError("Архив не является книгой Excel .xlsx (нет xl/workbook.xml).")
    if any(info.flag_bits & 0x1 for info in infos):
        raise ImporterFileError("Файл защищён паролем. Снимите пароль в Excel и загрузите снова.")
    return archive


def _check_entries(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Decompress every entry once, counting: a lying size or a bomb stops at the limit."""
    total = 0
    for info in archive.infolist():
        size = 0
        try:
            with archive.open(info) as entry:
                first = True
                while chunk := entry.read(_CHUNK):
                    if first and info.filename.endswith((".xml", ".rels")):
                        _refuse_dtd(info.filename, chunk)
                    first = False
                    size += len(chunk)
                    total += len(chunk)
                    compressed = max(info.compress_size, 1)
                    if total > limits.max_uncompressed or (
                        size > _CHUNK and size / compressed > limits.max_ratio
                    ):
                        raise ImporterFileError(
                            f"Часть книги «{info.filename}» распаковывается в "
                            f"{_megabytes(size)} и больше (возможно, «zip-бомба»); допустимо "
                            f"не больше {_megabytes(limits.max_uncompressed)}."
                        )
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError):
            raise ImporterFileError(
                f"Файл повреждён или загружен не полностью: часть «{info.filename}» не читается."
            ) from None


def _refuse_dtd(name: str, head: bytes) -> None:
    if b"<!DOCTYPE" in head[:4096].upper() or b"<!ENTITY" in head[:4096].upper():
        raise ImporterFileError(
            f"Часть книги «{name}» содержит объявление DTD; такие файлы не принимаются."
        )


def _parse_xml(archive: zipfile.ZipFile, name: str) -> Any:
    try:
        return fromstring(archive.read(name), forbid_dtd=True)
    except (ParseError, DefusedXmlException, KeyError, ValueError):
        raise ImporterFileError(
            f"Книга Excel повреждена: часть «{name}» не читается как XML."
        ) from None


def _first_sheet_part(archive: zipfile.ZipFile) -> str:
    """The archive path of the workbook's first sheet (as Excel orders them)."""
    workbook = _parse_xml(archive, "xl/workbook.xml")
    sheet = workbook.find(f"{_NS_MAIN}sheets/{_NS_MAIN}sheet")
    if sheet is None:
        raise ImporterFileError("В книге Excel нет листов.")
    rel_id = sheet.get(f"{_NS_REL}id")
    rels = _parse_xml(archive, "xl/_rels/workbook.xml.rels")
    for rel in rels.iter(f"{_NS_PKG_REL}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            if part not in archive.namelist():
                break
            return part
    raise ImporterFileError("Книга Excel повреждена: первый лист не найден в архиве.")


# A row or a cell tag of the sheet's XML (any namespace prefix), its attributes, and whether it
# closes itself (a cell with no value: a formatted empty cell).
_ROW_OR_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)\b([^>]*?)(/?)>")
_REF = re.compile(rb"""\sr\s*=\s*["']([A-Za-z]{0,3})(\d*)["']""")
# As Excel and openpyxl write cells: the reference first; `[^>/]*>` skips self-closed ones.
_PLAIN_VALUED_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"[^>/]*>')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _chunks(archive: zipfile.ZipFile, part: str) -> Iterator[bytes]:
    """The part's text in pieces that end after a tag's `>`."""
    tail = b""
    with archive.open(part) as entry:
        while chunk := entry.read(_CHUNK):
            data = tail + chunk
            cut = data.rfind(b">") + 1
            yield data[:cut]
            tail = data[cut:]


def _plain_extent(archive: zipfile.ZipFile, part: str) -> tuple[int, int] | None:
    """The farthest row and column with a value, when every cell names its reference in
    front (the quick way, done by the regex engine); None for any other writing."""
    max_row = max_col = 0
    for data in _chunks(archive, part):
        cells = data.count(b"<c ") + data.count(b"<c>") + data.count(b"<c/>")
        if b":c " in data or b":c>" in data or cells != data.count(b'<c r="'):
            return None
        cells = _PLAIN_VALUED_CELL.findall(data)
        if cells:
            max_row = max(max_row, max(int(row) for _, row in cells))
            max_col = max(max_col, max(_column_number(col) for col in {col for col, _ in cells}))
    return max_row, max_col


def _positional_extent(archive: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """The same, counting positions where rows and cells leave their references out."""
    row = col = max_row = max_col = 0
    for data in _chunks(archive, part):
        for tag, attributes, closed in _ROW_OR_CELL.findall(data):
            ref = _REF.search(attributes)
            if tag == b"row":
                row = int(ref.group(2)) if ref and ref.group(2) else row + 1
                col = 0
                continue
            col = _column_number(ref.group(1)) if ref and ref.group(1) else col + 1
            if not closed:
                cell_row = int(ref.group(2)) if ref and ref.group(2) else row
                max_row, max_col = max(max_row, cell_row), max(max_col, col)
    return max_row, max_col


def _check_sheet_extent(archive: zipfile.ZipFile, part: str, limits: Limits) -> None:
    """calamine holds the sheet as one dense grid from A1 to its farthest cell with a value:
    a single value in XFD1048576 of a 10 KB file asks for 550 GB and aborts the process (no
    exception to catch). The extent is found here first, from the cells' references (or their
    positions, where a file leaves the references out), and a grid over the limit refused."""
    max_row, max_col = _plain_extent(archive, part) or _positional_extent(archive, part)
    if max_row * max_col > limits.max_cells:
        cells = f"{limits.max_cells:,}".replace(",", " ")
        raise ImporterFileError(
            f"Данные листа занимают {max_row} строк × {max_col} колонок — больше {cells} "
            "ячеек (возможно, значение в далёкой ячейке). Удалите лишние строки и колонки "
            "и загрузите файл снова."
        )


def check_workbook(file: IO[bytes], *, limits: Limits | None = None) -> None:
    """Every check that needs no parsing of cells; raises `ImporterFileError`."""
    limits = limits or Limits.from_settings()
    file.seek(0)
    head = file.read(8)
    if not head.startswith(_ZIP_MAGIC):
        _refuse_non_zip(head, file)
    file.seek(0)
    archive = _check_archive(file, limits)
    _check_entries(archive, limits)
    _check_sheet_extent(archive, _first_sheet_part(archive), limits)
    file.seek(0)


@dataclass(frozen=True)
class SheetRows:
    """The first sheet's rows from A1 ("" for an empty cell), and how many lines it has."""

    rows: list[list[Any]]
    total_lines: int


def load_first_sheet(file: IO[bytes], *, max_lines: int) -> SheetRows:
    """The first sheet as calamine reads it, converting at most `max_lines` rows to Python;
    the caller has run `check_workbook`."""
    file.seek(0)
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(file)
        sheet = workbook.get_sheet_by_index(0)
        total = sheet.end[0] + 1 if sheet.end else 0
        rows = sheet.to_python(skip_empty_area=False, nrows=max_lines) if total else []
    except python_calamine.PasswordError:
        raise ImporterFileError(
            "Файл защищён паролем. Снимите пароль в Excel и загрузите снова."
        ) from None
    except Exception:  # calamine's errors for malformed parts are not all one class
        raise ImporterFileError("Книга Excel повреждена: первый лист не читается.") from None
    return SheetRows(rows=rows, total_lines=total)

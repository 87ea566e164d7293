"""The one export helper: every CSV and Excel file the portal hands out is written through
it, so that no cell of it runs as a spreadsheet formula.

A spreadsheet opening a CSV or xlsx file runs a text cell that starts with = + - @, a tab or
a carriage return as a formula: a tag note "=HYPERLINK(...)" or "+cmd|..." planted by an
import would run on the computer of whoever opens the export. As OWASP advises ("CSV
Injection"), such text gets a leading single quote, which spreadsheets show as text and do
not evaluate. Text that already starts with quotes before such a character gets one more, so
that `read_cell` can take exactly one away when one of our exports is imported again: a
round trip keeps the text as it was. Numbers are written as numbers: -1 is no formula.

Times and durations: CSV text has ISO 8601 times with their UTC offset and durations as
h:mm:ss; Excel cells are typed (dates as dates, durations as durations, numbers as numbers),
its times without a zone as Excel wants them (the header names the zone). An Excel workbook
is streamed as it is written, in constant memory (`xlsx_chunks`); past MAX_SHEET_ROWS rows
a sheet continues on the next one.
"""

from __future__ import annotations

import _csv
import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from typing import Any, TypeVar
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from flask import Response
from openpyxl import Workbook
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter

from portal.errors import Invalid
from portal.models import Tenant
from tenants.scoping import tenant_scope

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_SHEET_ROWS = 1_048_576  # Excel's limit of rows per sheet, header included
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CHUNK = 64 * 1024
QUOTE = "'"
V = TypeVar("V")


def safe_cell(value: V) -> V | str:
    """What to write in a cell for `value`: formula-like text quoted, anything else
    (numbers, dates, None) as it is."""
    if isinstance(value, str) and value.lstrip(QUOTE).startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def read_cell(text: str) -> str:
    """The text a cell written by `safe_cell` stood for (an import of one of our exports)."""
    if text.startswith(QUOTE) and text.lstrip(QUOTE).startswith(FORMULA_STARTS):
        return text[1:]
    return text


def csv_reader(content: bytes) -> _csv.Reader:
    """The rows of an uploaded CSV file (its `line_num` tells the line); Invalid unless the
    file is UTF-8 text."""
    try:
        text = content.decode("utf-8-sig")  # spreadsheets often start with a BOM
    except UnicodeDecodeError:
        raise Invalid("The file is not UTF-8 text. Save it as CSV (UTF-8).",
                      field="file") from None
    return csv.reader(io.StringIO(text))


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """CSV text one line at a time, header first, every cell through `safe_cell`: the body
    of a streamed download, read from the database as it is sent."""
    out = io.StringIO()
    writer = csv.writer(out)
    for cells in chain([header], rows):
        writer.writerow([safe_cell(_text(cell)) for cell in cells])
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def _gathered(lines: Iterable[str]) -> Iterator[str]:
    batch: list[str] = []
    size = 0
    for line in lines:
        batch.append(line)
        size += len(line)
        if size >= CHUNK:
            yield "".join(batch)
            batch, size = [], 0
    yield "".join(batch)


def _text(value: Any) -> Any:
    """A time or duration as CSV text: ISO 8601 with the offset; h:mm:ss."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return duration_text(value)
    return value


def duration_text(duration: timedelta) -> str:
    """h:mm:ss, hours not wrapped at 24 (a duration, not a time of day)."""
    seconds = int(duration.total_seconds())
    sign, seconds = ("-", -seconds) if seconds < 0 else ("", seconds)
    return f"{sign}{seconds // 3600}:{seconds // 60 % 60:02}:{seconds % 60:02}"


def read_in_scope(tenant: Tenant, rows: Callable[[], Iterable[V]]) -> Iterator[V]:
    """The rows read in the company's scope: a streamed body is read after the view
    returns, outside the request's tenant scope."""
    with tenant_scope(tenant):
        yield from rows()


def csv_response(lines: Iterable[str], filename: str) -> Response:
    """A download of `lines` (from `csv_lines`), streamed as they come, about CHUNK bytes at
    a time (a write to the socket per line would cost more than the line)."""
    return Response(_gathered(lines), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def xlsx_chunks(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
                ) -> Iterator[bytes]:
    """A workbook of `rows` under `header`, as bytes while the rows are read: sheets
    `title`, `title 2`, ... of at most MAX_SHEET_ROWS rows, each with the header, every cell
    through `safe_cell`.

    openpyxl's write-only sheets serialise the rows; instead of its temporary file, each
    sheet's XML goes straight into its entry of a zip written to the response (zip entries
    of unknown size carry their sizes after the data), and the small parts (workbook,
    styles, content types) follow the last sheet. So the download starts with the first
    rows and memory stays flat, whatever the number of rows."""
    return workbook_chunks([Table(title, header, rows)])


@dataclass(frozen=True)
class Table:
    """One table of a workbook: its sheet's title, its header and its rows."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


def workbook_chunks(tables: Iterable[Table]) -> Iterator[bytes]:
    """A workbook of several tables, one after the other, as `xlsx_chunks` writes one."""
    out = _Pipe()
    workbook = Workbook(write_only=True)
    archive = ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True)
    for table in tables:
        sheet = _StreamedSheet(workbook, archive, table.title, table.header)
        used = 1
        for cells in table.rows:
            if used >= MAX_SHEET_ROWS:
                sheet.close()
                sheet = _StreamedSheet(workbook, archive, table.title, table.header,
                                       sheet.part + 1)
                used = 1
            sheet.append([safe_cell(_typed(cell)) for cell in cells])
            used += 1
            if out.size >= CHUNK:
                yield out.take()
        sheet.close()
    _WorkbookParts(workbook, archive).save()
    yield out.take()


class _Pipe:
    """Where the zip is written, and the response reads from; no seek or tell, so the zip
    streams its entries."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        self.size = 0
        return data


class _StreamedSheet:
    """A write-only sheet whose XML is written into its zip entry as rows are appended."""

    def __init__(self, workbook: Workbook, archive: ZipFile, title: str,
                 header: Sequence[str], part: int = 1) -> None:
        self.part = part  # the sheets of one table are `title`, `title 2`, ...
        self.sheet = workbook.create_sheet(title if part == 1 else f"{title} {part}")
        # The number openpyxl gives it when it writes the workbook.
        self.sheet._id = len(workbook.worksheets)
        entry = ZipInfo(self.sheet.path[1:], date_time=datetime.now().timetuple()[:6])
        entry.compress_type = ZIP_DEFLATED
        # Its size is unknown until its last row: room for more than 2 GB (zip64).
        self.entry = archive.open(entry, "w", force_zip64=True)
        self.sheet._writer = WorksheetWriter(self.sheet, out=self.entry)
        self.sheet._writer.write_top()
        self.sheet.append(list(header))

    def append(self, cells: list[Any]) -> None:
        self.sheet.append(cells)

    def close(self) -> None:
        self.sheet.close()
        self.entry.close()


class _WorkbookParts(ExcelWriter):
    """openpyxl's writer of the workbook's parts, the sheets' XML being in the zip already."""

    def write_worksheet(self, ws: Any) -> None:
        ws._drawing = SpreadsheetDrawing()
        ws._rels = ws._writer._rels
        self.manifest.append(ws)


def _typed(value: Any) -> Any:
    """A cell as Excel takes it: times without a zone (the header names it)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def xlsx_response(chunks: Iterable[bytes], filename: str) -> Response:
    """A download of a workbook from `xlsx_chunks`, streamed as it is written."""
    return Response(chunks, mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})

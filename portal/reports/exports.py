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
is written in constant memory (openpyxl's write-only mode) to a temporary file; past
MAX_SHEET_ROWS rows a sheet continues on the next one.
"""

from __future__ import annotations

import _csv
import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from itertools import chain
from typing import IO, Any, TypeVar

from flask import Response
from openpyxl import Workbook

from portal.errors import Invalid

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


def csv_response(lines: Iterable[str], filename: str) -> Response:
    """A download of `lines` (from `csv_lines`), streamed as they come."""
    return Response(lines, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def xlsx_file(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> IO[bytes]:
    """A workbook of `rows` under `header`, in a temporary file (rewound; it goes away when
    closed): sheets `title`, `title 2`, ... of at most MAX_SHEET_ROWS rows, each with the
    header, every cell through `safe_cell`. Memory stays flat whatever the number of rows."""
    workbook = Workbook(write_only=True)
    sheets = 0
    used = MAX_SHEET_ROWS
    for cells in rows:
        if used >= MAX_SHEET_ROWS:
            sheets += 1
            sheet = workbook.create_sheet(title if sheets == 1 else f"{title} {sheets}")
            sheet.append(list(header))
            used = 1
        sheet.append([safe_cell(_typed(cell)) for cell in cells])
        used += 1
    if sheets == 0:
        workbook.create_sheet(title).append(list(header))
    out = tempfile.TemporaryFile()  # noqa: SIM115 (closed once sent: xlsx_response)
    workbook.save(out)
    out.seek(0)
    return out


def _typed(value: Any) -> Any:
    """A cell as Excel takes it: times without a zone (the header names it)."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def xlsx_response(workbook: IO[bytes], filename: str) -> Response:
    """A download of a workbook from `xlsx_file`, sent in chunks; the file is closed after."""

    def chunks() -> Iterator[bytes]:
        with workbook:
            while chunk := workbook.read(CHUNK):
                yield chunk

    return Response(chunks(), mimetype=XLSX_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})

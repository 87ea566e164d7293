"""The one export helper: every CSV (and, later, Excel) file the portal hands out is written
through it, so that no cell of it runs as a spreadsheet formula.

A spreadsheet opening a CSV or xlsx file runs a text cell that starts with = + - @, a tab or
a carriage return as a formula: a tag note "=HYPERLINK(...)" or "+cmd|..." planted by an
import would run on the computer of whoever opens the export. As OWASP advises ("CSV
Injection"), such text gets a leading single quote, which spreadsheets show as text and do
not evaluate. Text that already starts with quotes before such a character gets one more, so
that `read_cell` can take exactly one away when one of our exports is imported again: a
round trip keeps the text as it was. Numbers are written as numbers: -1 is no formula.
"""

from __future__ import annotations

import _csv
import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from itertools import chain
from typing import Any, TypeVar

from flask import Response

from portal.errors import Invalid

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
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
        writer.writerow([safe_cell(cell) for cell in cells])
        yield out.getvalue()
        out.seek(0)
        out.truncate()


def csv_response(lines: Iterable[str], filename: str) -> Response:
    """A download of `lines` (from `csv_lines`), streamed as they come."""
    return Response(lines, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})

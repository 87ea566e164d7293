"""The one export helper: formula-like text is quoted, numbers stay numbers, and an import
reads back exactly what was exported."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from portal.reports.exports import csv_lines, read_cell, safe_cell

TEXTS = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "'=1", "''-1", "'", "'a", "a=1",
         " =1", "", "plain", "naïve — ok"]


@pytest.mark.parametrize("text", ["=1+1", "+33 6 12 34 56 78", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-1, -2.5, Decimal("-3.1"), 0, True, None,
                                   datetime(2027, 1, 1, tzinfo=UTC), "a=1", "plain", ""])
def test_numbers_and_harmless_text_are_written_as_they_are(value: object) -> None:
    assert safe_cell(value) is value


@pytest.mark.parametrize("text", TEXTS)
def test_reading_a_cell_gives_back_the_text_it_was_made_from(text: str) -> None:
    assert read_cell(safe_cell(text)) == text


def test_csv_lines_stream_one_line_per_row_with_every_text_cell_safe() -> None:
    lines = list(csv_lines(("name", "count"), [("=cmd", -4), ("ok", 2)]))
    assert lines == ["name,count\r\n", "'=cmd,-4\r\n", "ok,2\r\n"]
    assert list(csv.reader(io.StringIO("".join(lines)))) == [
        ["name", "count"], ["'=cmd", "-4"], ["ok", "2"]]

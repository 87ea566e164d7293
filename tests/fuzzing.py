"""What the fuzz tests share: the extreme values they send, and how they see a database
and a page as a program would (every table's row count; every form on a page)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from werkzeug.test import TestResponse

from portal.models.base import Base

# Reproducible and bounded: the same examples on every run, no example database on disk,
# no shrinking (the state a failure left behind would make it flaky anyway).
FUZZ_SETTINGS = settings(derandomize=True, database=None, deadline=None,
                         phases=(Phase.explicit, Phase.generate),
                         suppress_health_check=list(HealthCheck))

HUGE_NUMBERS = ["2147483647", "2147483648", "-2147483649", "4294967296",
                "9223372036854775807", "9223372036854775808", "-9223372036854775809",
                "99999999999999999999", "1" + "0" * 400]
ODD_NUMBERS = ["0", "-1", "-0", "1.5", "1e999999", "1e-999999", "NaN", "Infinity",
               "-Infinity", "0x10", "١٢", " 7 "]
ODD_TIMES = ["0001-01-01T00:00", "0001-01-01T00:00:00", "9999-12-31T23:59",
             "9999-12-31T23:59:59", "2026-02-30T10:00", "2026-13-40T25:61", "00:00",
             "2026-11-23T10:00:00+14:00", "2026-11-23 10:00"]
ODD_TEXT = ["", " ", "\x00", "a\x00b", "%00", "x" * 300, "y" * 10_000, "\u200f\u202eRTL\u202c",
            "\U0001F50C" * 40, "\ufeffBOM", "e\u0301", "\u0000\u0001\u001f\u007f", "\ud800",
            "a\udfffb", "<script>alert(1)</script>", "' OR 1=1 --", "../../etc/passwd",
            "ftp://user:pass@host/dir/", "http://" + "a" * 3000 + ".example/",
            "=1+2;cmd|' /C calc'!A0", "\n\r\t", "\u210c\U0001d522\U0001d529", "null", "[]", "{}"]
EXTREMES = HUGE_NUMBERS + ODD_NUMBERS + ODD_TIMES + ODD_TEXT


def mostly(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any],
           times: int = 4) -> st.SearchStrategy[Any]:
    """`usual`, and `rare` about one time in `times + 1` (st.one_of would count a strategy
    given twice once)."""
    return st.sampled_from([True] * times + [False]).flatmap(
        lambda is_usual: usual if is_usual else rare)


def text_values() -> st.SearchStrategy[str]:
    """A string a person or a program might send into any field, mostly the extreme ones."""
    return st.one_of(st.sampled_from(EXTREMES), st.text(max_size=30))


ODD_INTEGERS = [0, 1, -1, 2**31 - 1, 2**31, -(2**31), -(2**31) - 1, 2**63, 10**14,
                99999999999999, 10**30]
ODD_FLOATS = [0.1, -0.0, 1e308, -1e308, 1e-300, 2**31 + 0.5, 10**400]
ODD_DATE_TIMES = ["2026-11-23T10:00:00Z"] * 4 + [
    "2026-11-23T10:00:00", "2026-11-23T10:00:00.123456+05:45", "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-01:00",
    "2026-02-30T00:00:00Z", "yesterday", ""]
ODD_JSON = [None, True, [], {}, "", "x", 10**30, -1.5, [[[[[[[[[[[]]]]]]]]]]],
            {"nested": {"deeper": [1, "\x00", "\ud800"]}}]


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """JSON values shaped by an OCPP schema, mostly valid, with extreme leaves and now and
    then a value of the wrong type."""
    return mostly(_shaped(schema), st.sampled_from(ODD_JSON), times=9)


def _shaped(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "enum" in schema:
        return mostly(st.sampled_from(schema["enum"]), st.sampled_from(ODD_TEXT), times=3)
    kind = schema.get("type")
    if kind == "object":
        properties, required = schema.get("properties", {}), schema.get("required", [])
        return st.fixed_dictionaries(
            {name: from_schema(properties[name]) for name in required},
            optional={name: from_schema(each) for name, each in properties.items()
                      if name not in required})
    if kind == "array":
        return st.lists(from_schema(schema["items"]), max_size=3)
    if kind == "integer":
        return st.one_of(st.sampled_from(ODD_INTEGERS), st.integers(-1000, 1000))
    if kind == "number":
        return st.one_of(st.sampled_from(ODD_FLOATS), st.integers(0, 100),
                         st.floats(allow_nan=False, allow_infinity=False))
    if kind == "boolean":
        return st.booleans()
    if schema.get("format") == "date-time":
        return st.sampled_from(ODD_DATE_TIMES)
    return st.one_of(st.text(max_size=schema.get("maxLength", 30)), st.sampled_from(ODD_TEXT))


def row_counts(engine: Engine) -> dict[str, int]:
    """Every table's number of rows, of every company (what "nothing stored" compares),
    read in one query."""
    tables = Base.metadata.sorted_tables
    counts = select(*(select(func.count()).select_from(table).scalar_subquery()
                      .label(table.name) for table in tables))
    with engine.connect() as connection:
        return dict(connection.execute(counts).one()._mapping)


# What a JSON door answers when it refuses a request, which must then have stored nothing.
# Not 409: a command to an offline station, or a payment reference's answer, is kept.
REFUSALS = frozenset({400, 401, 403, 404, 405, 413, 415, 422})


def check_json_answer(send: Callable[[], TestResponse], engine: Engine,
                      caplog: pytest.LogCaptureFixture, request: object) -> None:
    """Send a fuzzed request to a JSON door (the API, /integrations/): no 5xx, no error
    logged, the API's error shape when it refuses, and nothing stored by a refusal."""
    before = row_counts(engine)
    caplog.clear()
    response = send()
    assert response.status_code < 500, request
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    if response.status_code >= 400:
        answer = response.get_json()
        assert set(answer) >= {"error", "message"} and answer["message"], answer
    if response.status_code in REFUSALS:
        assert row_counts(engine) == before, (request, response.get_json())


@dataclass
class Field:
    kind: str  # the input's type ("text", "number", "datetime-local", ...), "select", ...
    values: list[str] = field(default_factory=list)  # what the page offers or fills in


@dataclass
class Form:
    """A form as a browser sees it: where it goes, how, and its fields."""

    action: str
    method: str
    multipart: bool
    fields: dict[str, Field] = field(default_factory=dict)


class FormReader(HTMLParser):
    """The forms and same-site links of a page."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page, self.forms, self.links = page, [], set()
        self._form: Form | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a: dict[str, Any] = {name: value or "" for name, value in attrs}
        if tag == "a" and a.get("href", "").startswith("/"):
            self.links.add(a["href"].split("#")[0])
        elif tag == "form":
            self._form = Form(a.get("action") or self.page, a.get("method", "get").lower(),
                              "multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select", "button"):
            name = a.get("name")
            if not name:
                return
            kind = a.get("type", "text") if tag == "input" else tag
            found = self._form.fields.setdefault(name, Field(kind))
            if "value" in a:
                found.values.append(a["value"])
            self._select = name if tag == "select" else None
        elif tag == "option" and self._form is not None and self._select:
            self._form.fields[self._select].values.append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None

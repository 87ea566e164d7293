"""Fuzz every CP->CS action over a real socket: payloads that follow each action's OCPP
schema with extreme leaves (huge and negative integers, NUL, lone surrogates, long
strings, RTL marks, emoji, times out of the calendar, wrong types), and raw frames that
are barely OCPP or not JSON at all (NUL bytes, nesting past the parser, NaN, replies
nobody asked for, binary frames).

For each: a CALLRESULT, or a CALLERROR of a validation class (never InternalError); a
refused frame stores nothing but its two log rows; the server prints no traceback; and
a Heartbeat right after still gets its answer.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ocpp.messages import get_validator

from ocpp_ws.handlers import ROUTES
from portal.extensions import db
from tests.fuzzing import FUZZ_SETTINGS, ODD_TEXT, from_schema, mostly, row_counts
from tests.ocpp.conftest import OcppCompany, ServerLog
from tests.ocpp.station_client import Station

EXAMPLES = 200
REFUSALS = {"FormationViolation", "ProtocolError", "PropertyConstraintViolation",
            "TypeConstraintViolation", "OccurenceConstraintViolation", "NotImplemented",
            "NotSupported", "SecurityError"}
LOGGED = "ocpp_message"  # every frame is logged, refused or not
RAW_FRAMES = [
    "\x00", "\x00" * 64, "[2, \"1\", \"Heartbeat\", {\"a\": \"\x00\"}]", "[", "]", "", " ",
    "[2, \"2\", \"DataTransfer\", {\"vendorId\": \"v\", \"data\": " + "[" * 20_000
    + "]" * 20_000 + "}]", "[" * 30_000 + "]" * 30_000, "{" * 30_000,
    "[2, \"3\", \"StartTransaction\", {\"connectorId\": 1, \"idTag\": \"VALID\", "
    "\"meterStart\": NaN, \"timestamp\": \"2026-11-23T10:00:00Z\"}]",
    "[2, \"4\", \"MeterValues\", {\"connectorId\": 1e999, \"meterValue\": []}]",
    "[2, \"5\", \"Heartbeat\", {}, {}]", "[2, \"\\u0000\", \"Heartbeat\", {}]",
    "[2, \"\\ud800\", \"Heartbeat\", {}]", "[2, \"6\", \"\\u0000\", {}]",
    "[2, \"7\", \"Heart\\ud83dbeat\", {}]", "[2, \"8\", \"" + "A" * 10_000 + "\", {}]",
    "[3, \"nobody-asked\", {}]", "[4, \"nobody-asked\", \"InternalError\", \"\", {}]",
    "[3, \"\\u0000\", {\"\\u0000\": \"\\ud800\"}]", "[2, 9, \"Heartbeat\", {}]",
    "[2, \"" + "1" * 400 + "\", \"Heartbeat\", {}]",
    "[2, \"9\", \"Heartbeat\", " + "1" * 5000 + "]",
    "[2, \"10\", \"Authorize\", {\"idTag\": \"\\u202e\\u200f\\ud83d\\udd0c\"}]",
]


@pytest.fixture
def station(watched_company: OcppCompany) -> Iterator[Station]:
    with watched_company.station() as station:
        assert station.boot()["status"] == "Accepted"
        yield station


def _calls() -> st.SearchStrategy[str]:
    """A CALL of a CP->CS action, its payload shaped by the action's schema."""
    ids = mostly(st.from_regex(r"[A-Za-z0-9-]{1,36}", fullmatch=True),
                 st.sampled_from(ODD_TEXT), times=9)
    shaped = st.sampled_from(sorted(ROUTES)).flatmap(lambda action: st.tuples(
        ids, st.just(action), from_schema(get_validator(2, action, "1.6").schema)))
    return shaped.map(lambda call: json.dumps([2, *call]))


def _frames() -> st.SearchStrategy[str | bytes]:
    return mostly(_calls(), st.one_of(st.sampled_from(RAW_FRAMES), st.text(max_size=40),
                                      st.binary(max_size=40)))


def test_every_action_takes_any_frame_without_an_internal_error_or_a_trace(
    watched_company: OcppCompany, station: Station,
    logged_server: tuple[int, ServerLog],
) -> None:
    with watched_company.app.app_context():
        engine = db.engine
    heartbeats = itertools.count()

    def stored() -> dict[str, int]:
        return {table: count for table, count in row_counts(engine).items() if table != LOGGED}

    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES)
    @given(_frames())
    def fuzz(frame: str | bytes) -> None:
        before = stored()
        station.ws.send(frame)
        probe = f"probe-{next(heartbeats)}"
        station.ws.send(json.dumps([2, probe, "Heartbeat", {}]))
        answers = _until(station, probe)
        assert answers[-1][0] == 3, answers[-1]  # the server still answers
        for answer in answers[:-1]:  # to the frame (a reply to nobody gets none)
            assert answer[0] == 3 or answer[2] in REFUSALS, (frame, answer)
            if answer[0] == 4:
                assert stored() == before, (frame, answer)
        printed = logged_server[1].new()
        assert "Traceback" not in printed and "ERROR" not in printed, (frame, printed)

    fuzz()


def _until(station: Station, unique_id: str) -> list[list[Any]]:
    """The frames the server sends until the answer to `unique_id`, which comes last."""
    answers = []
    while not answers or answers[-1][1] != unique_id:
        answers.append(json.loads(station.ws.recv(timeout=10)))
    return answers

"""Fuzz every API route and parameter: query values, path segments, and command bodies
whose payloads follow each action's OCPP schema with extreme leaves (huge and negative
integers, NUL, lone surrogates, long strings, times out of the calendar, wrong types),
or are no JSON object at all (deep nesting, NaN).

Every answer must be no 5xx, in the API's one error shape when it refuses, log no error,
and a refused request (4xx other than 409 "station offline", which stores the command it
could not send) must have stored nothing.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from ocpp.messages import get_validator

from portal.extensions import db
from portal.models import Role
from portal.services.remote_operations import ACTIONS
from tests.api.client import Api, new_token
from tests.factories import World
from tests.fuzzing import (
    EXTREMES,
    FUZZ_SETTINGS,
    check_json_answer,
    from_schema,
    mostly,
    text_values,
)

EXAMPLES = 200


def _query() -> st.SearchStrategy[str]:
    value = mostly(st.sampled_from(["2026-11-23T10:00:00Z", "0", "10", "1000"]),
                   text_values(), times=2)
    pairs = st.dictionaries(st.sampled_from(["since", "after", "limit", "page", "x"]), value,
                            max_size=3)
    return pairs.map(lambda chosen: "&".join(
        f"{name}={quote(each, safe='', errors='surrogatepass')}"
        for name, each in chosen.items()))


def _payloads() -> st.SearchStrategy[Any]:
    by_schema = st.sampled_from(ACTIONS).flatmap(lambda action: st.tuples(
        st.just(action), from_schema(get_validator(2, action, "1.6").schema)))
    return mostly(by_schema, st.tuples(text_values(), st.sampled_from([{}, [], None, "x"])))


def _body() -> st.SearchStrategy[str]:
    """A commands body as a program may send it: mostly a JSON object."""
    timeouts = mostly(st.just(None), st.sampled_from(
        [0.01, 5, 300, 301, -1, 10**30, "5", True, 1e308]), times=3)

    def as_json(action_payload: tuple[str, Any], timeout: Any) -> str:
        action, payload = action_payload
        body = {"action": action, "payload": payload}
        if timeout is not None:
            body["timeout"] = timeout
        return json.dumps(body)  # escapes NUL and lone surrogates, as JSON must

    objects = st.builds(as_json, _payloads(), timeouts)
    odd = st.sampled_from([
        "[" * 100_000 + "]" * 100_000, '{"action": "Reset", "payload": {"type": "Soft"}'
        ', "timeout": NaN}', '{"action": "Reset", "payload": ' + "{\"a\": " * 5000 + "1"
        + "}" * 5001, "", "null", "[]", '"text"', "{", '{"action": 1e999}',
        '{"action": "Reset", "payload": {"type": "Soft"}}' + "x"])
    return mostly(objects, odd, times=3)


def test_every_api_parameter_takes_any_value_without_a_5xx_or_a_trace(
    app: Flask, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    api = Api(app, world.a, new_token(app, world.a, Role.ADMIN))
    station = world.a.station_site1
    with app.app_context():
        engine = db.engine
    commands = _body().map(lambda body: ("POST", f"/api/v1/stations/{station}/commands", body))
    reads_and_addresses = st.one_of(
        _query().map(lambda query: ("GET", f"/api/v1/transactions?{query}", None)),
        text_values().map(lambda charge_box_id: (
            "GET", f"/api/v1/stations/{quote(charge_box_id, safe='', errors='surrogatepass')}",
            None)),
        st.sampled_from(EXTREMES).map(lambda name: (
            "POST", f"/api/v1/stations/{quote(name, safe='', errors='surrogatepass')}/commands",
            '{"action": "ClearCache", "payload": {}}')),
    )
    requests = mostly(commands, reads_and_addresses, times=2)

    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES)
    @given(requests)
    def fuzz(request: tuple[str, str, str | None]) -> None:
        method, path, body = request
        check_json_answer(lambda: api.request(method, path, data=body,
                                              content_type="application/json"),
                          engine, caplog, request)

    with caplog.at_level(logging.WARNING):
        fuzz()

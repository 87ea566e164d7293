"""What a request's address, typed text and JSON must be before any door reads them.

Three rules, each in one place for every door that takes such input:

- a database id in a URL is written `<id:name>`: the converter matches only what an
  Integer column can hold (1 to 2**31 - 1), so any other number is a plain 404 before a
  view runs, instead of a database error on PostgreSQL;
- no path, query argument or form value may hold a NUL character: PostgreSQL text cannot
  store one, and no person types one. The request is refused with 400 before any view
  reads it. Form values are checked once the CSRF check has read the form (every form
  the pages post); a body this check would have to read itself is left to its view, which
  reads it under its own size limit (uploads) or checks it itself (the API's JSON);
- JSON is read by `load_json` (the API's bodies, stations' frames): standard JSON only,
  without NaN or Infinity (no column or station takes them), and a body nested deeper
  than Python can parse is bad JSON like any other, not a RecursionError.
"""

from __future__ import annotations

import json
from itertools import chain
from typing import Any

from flask import Flask, abort, request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BaseConverter, ValidationError

from portal.models.base import INTEGER_MAX

NUL = "\x00"


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


_DECODER = json.JSONDecoder(parse_constant=_not_json)  # built once: frames are many


def load_json(text: str) -> Any:
    """The value of a JSON text; ValueError if it is none (see above)."""
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


class IdConverter(BaseConverter):
    """`<id:name>`: a database id, 1 to INTEGER_MAX, as an int."""

    regex = r"[1-9][0-9]{0,9}"  # ten digits at most; to_python refuses past INTEGER_MAX
    weight = 50  # as specific as werkzeug's own int converter

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > INTEGER_MAX:
            raise ValidationError()  # no route matches: 404
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


def refuse_nul() -> None:
    """Answer 400 to a request whose path, query or form holds a NUL character."""
    # werkzeug keeps a parsed form in the request's __dict__; only then is it read here.
    form = request.form if "form" in request.__dict__ else MultiDict()
    texts = chain([request.path], *request.args.listvalues(), *form.listvalues())
    if any(NUL in text for text in texts):
        abort(400, description="The request holds a NUL character (%00), which no address or "
                               "field may hold. Nothing was changed.")


def init_app(app: Flask) -> None:
    """After the CSRF check (it reads the form) and before the blueprints (their rules use
    the converter) and the OCPP handshake (the check runs before it)."""
    app.url_map.converters["id"] = IdConverter
    app.before_request(refuse_nul)

"""OCPP-J framing: reading a text frame into a CALL, writing CALLRESULT and CALLERROR."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ocpp.messages import MessageType

from ocpp_ws.errors import OcppError
from ocpp_ws.validation import UNSTORABLE_TEXT
from portal.input_rules import load_json
from portal.services.secrets import masked_answer

MAX_UNIQUE_ID_LENGTH = 36  # OCPP-J 1.6, 4.1.3
# The id of a frame we cannot parse, when it can still be read from its start.
_LEADING_ID = re.compile(r'^\s*\[\s*2\s*,\s*"([^"\\]{1,36})"')
UNKNOWN_ID = "-1"
_CALL_RESULT_START = f"[{int(MessageType.CallResult)},"  # as _dump writes it


@dataclass(frozen=True)
class Call:
    unique_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class Reply:
    """A CALLRESULT or CALLERROR from the station, answering a call of ours."""

    message_type: int
    unique_id: str
    body: list[Any]


class BadFrame(OcppError):
    """The frame is not a CALL we can read; answer with this code under `unique_id`."""

    def __init__(self, code: str, description: str, unique_id: str = UNKNOWN_ID) -> None:
        super().__init__(code, description)
        self.unique_id = unique_id


def call_unique_id(text: str) -> str | None:
    """The uniqueId of a CALL, read from the frame's start without parsing the rest."""
    leading = _LEADING_ID.match(text)
    return leading.group(1) if leading else None


def parse(text: str, max_bytes: int) -> Call | Reply:
    """Read one frame; raise BadFrame for anything that is not a well-formed message."""
    guessed_id = call_unique_id(text) or UNKNOWN_ID
    # Characters are at most 4 bytes: only a long frame needs encoding to be measured.
    if len(text) * 4 > max_bytes and (size := len(text.encode())) > max_bytes:
        raise BadFrame("FormationViolation", f"frame of {size} bytes exceeds {max_bytes}",
                       guessed_id)
    try:
        message = load_json(text)
    except ValueError as error:
        raise BadFrame("FormationViolation", f"not JSON: {error}", guessed_id) from None
    if not isinstance(message, list) or not message or message[0] not in (2, 3, 4):
        raise BadFrame("FormationViolation", "not an OCPP-J message array", guessed_id)
    unique_id = message[1] if len(message) > 1 else None
    if (not isinstance(unique_id, str) or not 0 < len(unique_id) <= MAX_UNIQUE_ID_LENGTH
            or UNSTORABLE_TEXT.search(unique_id)):
        raise BadFrame("FormationViolation", "uniqueId must be a string of 1 to 36 characters"
                                             " (without NUL or lone surrogates)")
    if message[0] != MessageType.Call:
        return Reply(message[0], unique_id, message)
    return _call(message, unique_id)


def _call(message: list[Any], unique_id: str) -> Call:
    if len(message) < 4:
        raise BadFrame("ProtocolError", "a CALL needs an action and a payload", unique_id)
    if len(message) > 4:
        raise BadFrame("FormationViolation", "a CALL has exactly four elements", unique_id)
    _, _, action, payload = message
    if not isinstance(action, str) or not action:
        raise BadFrame("FormationViolation", "the action must be a string", unique_id)
    if not isinstance(payload, dict):
        raise BadFrame("FormationViolation", "the payload must be a JSON object", unique_id)
    return Call(unique_id, action, payload)


def call_result(unique_id: str, payload: dict[str, Any]) -> str:
    return _dump([MessageType.CallResult, unique_id, payload])


def call_error(unique_id: str, error: OcppError) -> str:
    return _dump([MessageType.CallError, unique_id, error.code, error.description,
                  error.details])


def outcome(answer: str) -> str:
    """How an answer of ours ended: "answered" for a CALLRESULT, else the CALLERROR's code."""
    if answer.startswith(_CALL_RESULT_START):
        return "answered"
    return json.loads(answer)[2]


def _dump(message: list[Any]) -> str:
    text = json.dumps(message, separators=(",", ":"), ensure_ascii=False)
    if not text.isascii() and UNSTORABLE_TEXT.search(text):
        # A station's lone surrogate echoed in a description: UTF-8 cannot carry it raw.
        text = json.dumps(message, separators=(",", ":"))
    return text


def masked_reply(reply: Reply, text: str) -> str:
    """The reply's text as it may be logged: secret configuration values masked."""
    if reply.message_type != MessageType.CallResult or len(reply.body) < 3:
        return text
    masked = masked_answer(reply.body[2])
    if masked is reply.body[2]:
        return text
    return json.dumps([*reply.body[:2], masked], separators=(",", ":"))

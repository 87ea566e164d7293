"""Every frame in both directions, kept per station for its message log.

A frame is logged even when it is nonsense, so what is logged must always be storable:
a station may send raw NUL characters (PostgreSQL text cannot hold them) or name an
action with a lone surrogate or longer than the column. Such text is stored readable
instead: NUL as "\N{SYMBOL FOR NULL}", a lone surrogate as U+FFFD, cut to the column.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert

from ocpp_ws.station_state import StationState
from ocpp_ws.validation import UNSTORABLE_TEXT
from portal.models import Direction, OcppMessage
from portal.models.base import utcnow

# A Core insert: the ORM's bulk path costs more CPU than the write itself.
INSERT = insert(OcppMessage.__table__)
UNIQUE_ID_LENGTH = OcppMessage.__table__.c.unique_id.type.length
ACTION_LENGTH = OcppMessage.__table__.c.action.type.length


def entry(state: StationState, direction: Direction, frame: str, message_type: int,
          unique_id: str, action: str | None) -> dict[str, Any]:
    """An INSERT row for one frame."""
    return {
        "tenant_id": state.tenant_id, "station_id": state.station_id,
        "charge_box_id": state.charge_box_id, "direction": direction,
        "message_type": message_type, "unique_id": storable(unique_id[:UNIQUE_ID_LENGTH]),
        "action": storable(action[:ACTION_LENGTH]) if action is not None else None,
        "frame": storable(frame), "logged_at": utcnow(),
    }


def storable(text: str) -> str:
    """The text with NUL and lone surrogates replaced (a cheap test first: nearly every
    frame is plain ASCII without NUL)."""
    if "\x00" not in text and (text.isascii() or not UNSTORABLE_TEXT.search(text)):
        return text
    return UNSTORABLE_TEXT.sub(lambda found: "\N{SYMBOL FOR NULL}" if found[0] == "\x00"
                               else "\N{REPLACEMENT CHARACTER}", text)

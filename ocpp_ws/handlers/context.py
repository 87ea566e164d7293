"""What a handler knows besides the payload, in each lane of the dispatcher."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ocpp_ws.group_commit import Writes
from ocpp_ws.station_state import StationState
from portal.models import Station

Handler = TypeVar("Handler", bound=Callable[..., Any])


@dataclass
class StationContext:
    """The ORM lane's: the station, loaded for this message, and what its connection keeps
    between messages."""

    station: Station
    state: StationState

    def after_answer(self, follow_up: Callable[[Station], None]) -> None:
        """Run follow_up(station) once the answer has gone out: a call of ours must not
        reach the station before the answer to its own (e.g. before it knows it is
        Accepted). It runs on the receive loop, so it must not wait for the station."""
        self.state.follow_ups.append(follow_up)


@dataclass
class FrameContext:
    """The frequent lane's: what the connection keeps between messages, and the frame's
    writes (Core statements, committed by group commit). No ORM."""

    state: StationState
    writes: Writes


def frequent(handler: Handler) -> Handler:
    """Take this handler in the frequent lane: it gets a FrameContext (see __init__)."""
    handler._frequent = True  # type: ignore[attr-defined]
    return handler

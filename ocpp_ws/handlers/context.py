from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ocpp_ws.station_state import StationState
from portal.models import Station


@dataclass
class StationContext:
    """What a handler knows besides the payload: the station, loaded for this message,
    and what its connection keeps between messages."""

    station: Station
    state: StationState

    def after_answer(self, follow_up: Callable[[Station], None]) -> None:
        """Run follow_up(station) once the answer has gone out: a call of ours must not
        reach the station before the answer to its own (e.g. before it knows it is
        Accepted). It runs on the receive loop, so it must not wait for the station."""
        self.state.follow_ups.append(follow_up)

"""What a simulator run is asked to do, as parsed from the command line."""

from __future__ import annotations

from dataclasses import dataclass

SCENARIOS = ("boot", "heartbeat", "status", "session", "offline-replay", "live")


@dataclass(frozen=True)
class Options:
    url: str
    charge_box_id: str
    auth_key: str | None = None
    connectors: int = 2
    scenario: str = "session"
    id_tag: str = "DRIVER001"  # a tag of the demo company (portal/cli/demo.py)
    meter_interval: float = 5.0
    # None: use the interval the central system returns in BootNotification.
    heartbeat_interval: float | None = None
    # None: 15 s for `session`, 90 s for `live`.
    charging_time: float | None = None
    pause: float = 120.0
    # None: long-running scenarios run until interrupted.
    duration: float | None = None
    response_timeout: float = 30.0

    def charging_seconds(self) -> float:
        if self.charging_time is not None:
            return self.charging_time
        return 90.0 if self.scenario == "live" else 15.0

"""The scenarios that run on one connection and end (all but `live`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from ocpp.v16 import call_result
from ocpp.v16.enums import ConfigurationKey, RegistrationStatus

from simulator.charge_point import SimulatedChargePoint
from simulator.charging import charge, replay_offline_session
from simulator.errors import SimulatorError
from simulator.options import Options
from simulator.station import utc_now

log = logging.getLogger("simulator")
Scenario = Callable[[SimulatedChargePoint, Options], Awaitable[None]]


async def boot_once(cp: SimulatedChargePoint, options: Options) -> call_result.BootNotification:
    """BootNotification; once Accepted, adopt the heartbeat interval unless told otherwise."""
    async with cp.booting():
        answer = await cp.boot()
        if answer.status == RegistrationStatus.accepted:
            interval = options.heartbeat_interval or answer.interval
            if interval > 0:
                cp.station.configuration.values[ConfigurationKey.heartbeat_interval] = \
                    f"{interval:g}"
    if answer.status == RegistrationStatus.accepted:
        log.info("%s: accepted; heartbeat every %g s", cp.id, cp.heartbeat_interval())
    return answer


async def boot(cp: SimulatedChargePoint, options: Options) -> None:
    status = (await boot_once(cp, options)).status
    if status != RegistrationStatus.accepted:
        raise SimulatorError(f"the central system answered BootNotification with {status}; "
                             "a station is usable once it is Accepted")


async def heartbeats(cp: SimulatedChargePoint) -> None:
    """Send Heartbeats forever, at the configured interval even when it changes."""
    loop = asyncio.get_running_loop()
    last = loop.time()
    while True:
        interval = cp.heartbeat_interval()  # 0: no heartbeats
        # Wake at least every second, so a ChangeConfiguration takes effect quickly.
        await asyncio.sleep(min(1.0, last + interval - loop.time()) if interval > 0 else 1.0)
        interval = cp.heartbeat_interval()
        if interval > 0 and loop.time() >= last + interval:
            await cp.heartbeat()
            last = loop.time()


async def report_statuses(cp: SimulatedChargePoint) -> None:
    """StatusNotification for connector 0 (the station) and each connector."""
    for connector_id in range(len(cp.station.connectors) + 1):
        await cp.set_status(connector_id)


async def boot_then_heartbeats(cp: SimulatedChargePoint, options: Options) -> None:
    await boot(cp, options)
    await heartbeats(cp)


async def boot_then_statuses(cp: SimulatedChargePoint, options: Options) -> None:
    await boot(cp, options)
    await report_statuses(cp)


async def session(cp: SimulatedChargePoint, options: Options) -> None:
    await boot(cp, options)
    await report_statuses(cp)
    connector = cp.station.connectors[0]
    if not await charge(cp, connector, options.id_tag, seconds=options.charging_seconds()):
        raise SimulatorError(f"the central system did not accept idTag {options.id_tag}")


async def offline_replay(cp: SimulatedChargePoint, options: Options) -> None:
    """A station back after two hours offline, with a one-hour session in its queue."""
    await boot(cp, options)
    log.info("%s: sending the transaction messages queued while offline", cp.id)
    connector = cp.station.connectors[0]
    await replay_offline_session(cp, connector, options.id_tag,
                                 started_at=utc_now() - timedelta(hours=2),
                                 seconds=3600, samples=4)
    await report_statuses(cp)


SCENARIOS: dict[str, Scenario] = {
    "boot": boot,
    "heartbeat": boot_then_heartbeats,
    "status": boot_then_statuses,
    "session": session,
    "offline-replay": offline_replay,
}

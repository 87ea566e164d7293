"""Charging sessions: one in real time, and one replayed after an offline period."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from ocpp.v16.enums import ChargePointStatus, Reason

from simulator.station import Connector, accepted

if TYPE_CHECKING:
    from simulator.charge_point import SimulatedChargePoint

log = logging.getLogger("simulator")


async def charge(cp: SimulatedChargePoint, connector: Connector, id_tag: str, *,
                 seconds: float, authorize: bool = True) -> bool:
    """Plug in, start, send meter values, stop and unplug; False if the idTag was refused."""
    if authorize:
        status = await cp.authorize(id_tag)
        if not accepted(status):
            log.info("%s: idTag %s is %s; no charging", cp.id, id_tag, status)
            return False
    await cp.set_status(connector.connector_id, ChargePointStatus.preparing)
    status = await cp.start_transaction(connector, id_tag)
    if accepted(status):
        await cp.set_status(connector.connector_id, ChargePointStatus.charging)
        await _meter_until_done(cp, connector, seconds)
    else:
        # OCPP 1.6 §5.16.2: a station told the idTag is not Accepted stops the transaction.
        log.info("%s: StartTransaction answered idTag %s; stopping", cp.id, status)
        connector.stop_reason = Reason.de_authorized
    await cp.stop_transaction(connector, connector.stop_reason)
    await cp.set_status(connector.connector_id, ChargePointStatus.finishing)
    await cp.set_status(connector.connector_id, ChargePointStatus.available if connector.operative
                        else ChargePointStatus.unavailable)
    return accepted(status)


async def _meter_until_done(cp: SimulatedChargePoint, connector: Connector,
                            seconds: float) -> None:
    loop = asyncio.get_running_loop()
    connector.stop_reason = Reason.ev_disconnected  # the car is full and unplugged
    end = loop.time() + seconds
    last = loop.time()
    while (remaining := end - loop.time()) > 0:
        # 0 means no sampled meter values (OCPP 1.6 §9.1.18); still wake up now and then.
        interval = cp.meter_interval() or remaining
        with suppress(TimeoutError):
            await asyncio.wait_for(connector.stop_requested.wait(), min(interval, remaining))
        now = loop.time()
        connector.draw(now - last, cp.station.rng)
        last = now
        if connector.stop_requested.is_set():
            return
        if cp.meter_interval() and end - now > 0.001:
            await cp.meter_values(connector)


async def replay_offline_session(cp: SimulatedChargePoint, connector: Connector, id_tag: str,
                                 *, started_at: datetime, seconds: float, samples: int) -> None:
    """Send the messages a station queued while offline, in order, with their old times."""
    step = timedelta(seconds=seconds / (samples + 1))
    at = started_at
    connector.meter_wh = connector.reading_at(at)
    await cp.start_transaction(connector, id_tag, at=at)
    for _ in range(samples):
        at += step
        connector.draw(step.total_seconds(), cp.station.rng)
        await cp.meter_values(connector, at=at)
    at += step
    connector.draw(step.total_seconds(), cp.station.rng)
    await cp.stop_transaction(connector, Reason.ev_disconnected, at=at)

"""The `live` scenario: a station that stays connected, charges now and then, and reconnects.

`make run` starts two of these so the dashboard has something to show.
"""

from __future__ import annotations

import asyncio
import logging
import random

from ocpp.v16.enums import ChargePointStatus, Reason, RegistrationStatus
from websockets.exceptions import ConnectionClosed, WebSocketException

from simulator.charge_point import SimulatedChargePoint
from simulator.charging import charge
from simulator.connection import LoggedConnection, Refused, describe, open_connection
from simulator.errors import CallFailed, SimulatorError
from simulator.options import Options
from simulator.scenarios import boot_once, heartbeats, report_statuses
from simulator.station import Station
from simulator.tasks import first_done

log = logging.getLogger("simulator")
REBOOT_SECONDS = 1.0


class Backoff:
    """Delays between connection attempts: doubling up to a cap, with jitter."""

    def __init__(self, first: float = 1.0, cap: float = 30.0) -> None:
        self.first, self.cap = first, cap
        self.reset()

    def reset(self) -> None:
        self._next = self.first

    def next(self) -> float:
        delay, self._next = self._next, min(self.cap, self._next * 2)
        # Jitter: stations that lost the server together should not come back together.
        return delay * random.uniform(0.8, 1.2)


async def live(options: Options) -> None:
    """Connect, and after every loss of the connection connect again, until stopped."""
    station = Station.from_options(options)
    backoff = Backoff()
    while True:
        cp = await _connect(station, options, backoff)
        if cp is None:
            continue
        try:
            await first_done(cp.start(), _stay_connected(cp, options, backoff))
        except asyncio.CancelledError:
            await cp.stop_transactions_on_exit()
            raise
        except ConnectionClosed as closed:
            if not cp.rebooting:
                log.warning("%s: connection lost: %s", cp.id, closed)
        except CallFailed as error:
            log.warning("%s: %s; reconnecting", cp.id, error)
        finally:
            await cp.close()
        await asyncio.sleep(REBOOT_SECONDS if cp.rebooting else backoff.next())


async def _connect(station: Station, options: Options,
                   backoff: Backoff) -> SimulatedChargePoint | None:
    try:
        connection = await open_connection(options.url, options.charge_box_id, options.auth_key)
    except Refused as refused:
        if refused.permanent:
            raise SimulatorError(f"the central system refused the connection: {refused}") from None
        error = str(refused)
    except (OSError, TimeoutError, WebSocketException) as failure:
        error = describe(failure)
    else:
        log.info("%s: connected to %s", options.charge_box_id, options.url)
        return SimulatedChargePoint(station, LoggedConnection(connection, options.charge_box_id),
                                    options, rebootable=True)
    delay = backoff.next()
    log.info("%s: cannot connect (%s); retrying in %.0f s", options.charge_box_id, error, delay)
    await asyncio.sleep(delay)
    return None


async def _stay_connected(cp: SimulatedChargePoint, options: Options, backoff: Backoff) -> None:
    await _boot_until_accepted(cp, options)
    backoff.reset()
    for connector in cp.station.charging():
        # Its session was cut off with the previous connection: close the transaction.
        await cp.stop_transaction(connector, Reason.other)
        connector.status = (ChargePointStatus.available if connector.operative
                            else ChargePointStatus.unavailable)
    await report_statuses(cp)
    await first_done(heartbeats(cp), _sessions(cp, options))


async def _boot_until_accepted(cp: SimulatedChargePoint, options: Options) -> None:
    # OCPP 1.6 §4.2: Pending or Rejected, the station sends BootNotification again after
    # the interval it was given and nothing else meanwhile.
    while (answer := await boot_once(cp, options)).status != RegistrationStatus.accepted:
        wait = answer.interval or 60
        log.info("%s: BootNotification %s; trying again in %d s", cp.id, answer.status, wait)
        await asyncio.sleep(wait)


async def _sessions(cp: SimulatedChargePoint, options: Options) -> None:
    """A charging session every `--pause` seconds on a free connector."""
    station = cp.station
    await asyncio.sleep(min(options.pause, station.rng.uniform(5, 20)))
    while True:
        free = [connector for connector in station.connectors if connector.free]
        if free:
            await charge(cp, station.rng.choice(free), options.id_tag,
                         seconds=options.charging_seconds())
        await asyncio.sleep(max(options.pause, 1.0))  # never a busy loop of refused tags

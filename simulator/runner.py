"""Running a scenario: connect, run it beside the receive loop, close."""

from __future__ import annotations

import asyncio
import logging

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, WebSocketException

from simulator.charge_point import SimulatedChargePoint
from simulator.connection import LoggedConnection, Refused, describe, open_connection
from simulator.errors import SimulatorError
from simulator.live import live
from simulator.options import Options
from simulator.scenarios import SCENARIOS
from simulator.station import Station
from simulator.tasks import first_done

log = logging.getLogger("simulator")


async def run(options: Options) -> None:
    """Run the chosen scenario to its end, for --duration, or until cancelled."""
    deadline = asyncio.timeout(options.duration)
    try:
        async with deadline:
            if options.scenario == "live":
                await live(options)
            else:
                await run_once(options)
    except TimeoutError:
        if not deadline.expired():
            raise
        log.info("%s: ran for %g s as asked; stopping", options.charge_box_id, options.duration)


async def run_once(options: Options) -> None:
    cp = SimulatedChargePoint(Station.from_options(options), await connect(options), options)
    try:
        await first_done(cp.start(), SCENARIOS[options.scenario](cp, options))
    except asyncio.CancelledError:
        await cp.stop_transactions_on_exit()
        raise
    except ConnectionClosed as closed:
        raise SimulatorError(f"the central system closed the connection: {closed}") from None
    finally:
        await cp.close()
    log.info("%s: scenario %s done", cp.id, options.scenario)


async def connect(options: Options) -> LoggedConnection:
    try:
        connection: ClientConnection = await open_connection(
            options.url, options.charge_box_id, options.auth_key)
    except Refused as refused:
        raise SimulatorError(f"the central system refused the connection: {refused}") from None
    except (OSError, TimeoutError, WebSocketException) as error:
        raise SimulatorError(f"cannot connect to {options.url}: {describe(error)}") from None
    log.info("%s: connected to %s", options.charge_box_id, options.url)
    return LoggedConnection(connection, options.charge_box_id)

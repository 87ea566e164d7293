"""The simulator's command line (`flask simulate` runs it as `python -m simulator`)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Any

import click

from simulator.errors import SimulatorError
from simulator.options import SCENARIOS, Options
from simulator.runner import run

SECONDS = click.FloatRange(min=0)
DEFAULTS = Options(url="", charge_box_id="")


@click.command("simulate", context_settings={"show_default": True})
@click.argument("url")
@click.option("--id", "charge_box_id", required=True,
              help="The station's chargeBoxId (also the HTTP Basic user).")
@click.option("--auth-key", help="Authorization key, sent as the HTTP Basic password "
              "[default: no Authorization header].")
@click.option("--connectors", default=DEFAULTS.connectors, type=click.IntRange(1, 50),
              help="Connectors.")
@click.option("--scenario", type=click.Choice(SCENARIOS), default=DEFAULTS.scenario,
              help="What the station does (see below).")
@click.option("--id-tag", default=DEFAULTS.id_tag, help="The idTag that charges.")
@click.option("--meter-interval", type=SECONDS, default=DEFAULTS.meter_interval,
              help="Seconds between MeterValues while charging (0: none).")
@click.option("--heartbeat-interval", type=click.FloatRange(min=0, min_open=True),
              help="Seconds between Heartbeats [default: the interval BootNotification returns].")
@click.option("--charging-time", type=SECONDS,
              help="Seconds a charging session lasts [default: 15; live: 90].")
@click.option("--pause", type=SECONDS, default=DEFAULTS.pause,
              help="live: seconds between sessions.")
@click.option("--duration", type=click.FloatRange(min=0, min_open=True),
              help="Stop after this many seconds [default: at the end of the scenario].")
@click.option("--timeout", "response_timeout", type=click.FloatRange(min=0, min_open=True),
              default=DEFAULTS.response_timeout,
              help="Seconds to wait for each answer from the central system.")
def command(**arguments: Any) -> None:
    """Run a simulated OCPP 1.6J charging station against URL, the full WebSocket URL
    including the chargeBoxId, e.g. ws://demo.localhost:8000/ocpp/DEMO-SIM-01.

    \b
    Scenarios:
      boot            BootNotification, then exit
      heartbeat       boot, then Heartbeats at the interval the server returned
      status          boot, then StatusNotification for connector 0 and each connector
      session         boot, statuses, Authorize, StartTransaction, MeterValues,
                      StopTransaction
      offline-replay  boot, then a session queued while offline, with its old timestamps
      live            stay connected (reconnecting with backoff): heartbeats, and a
                      session every --pause seconds

    Every frame sent (-->) and received (<--) is logged to stdout. The station answers
    Reset, RemoteStart/StopTransaction, ChangeAvailability, Get/ChangeConfiguration,
    TriggerMessage, UnlockConnector, ClearCache, DataTransfer, the local list,
    reservation, smart charging and firmware CALLs. Exit status 1 when the handshake
    is refused or the scenario cannot complete.
    """
    _configure_logging()
    try:
        asyncio.run(_run_until_sigterm(Options(**arguments)))
    except SimulatorError as error:
        raise click.ClickException(str(error)) from None
    except asyncio.CancelledError:  # SIGTERM
        logging.getLogger("simulator").info("%s: stopped", arguments["charge_box_id"])
        sys.exit(128 + signal.SIGTERM)
    except KeyboardInterrupt:
        sys.exit(128 + signal.SIGINT)


async def _run_until_sigterm(options: Options) -> None:
    # SIGTERM (e.g. from `make run`) cancels the run like Ctrl-C does, so open
    # transactions are stopped and the socket is closed properly.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    await run(options)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        return line if record.levelno == logging.INFO else f"{line} [{record.levelname}]"


def _configure_logging() -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_Formatter("%(asctime)s.%(msecs)03d %(message)s", "%H:%M:%S"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    # Their INFO lines repeat the frame log.
    logging.getLogger("ocpp").setLevel(logging.WARNING)
    logging.getLogger("websockets").setLevel(logging.WARNING)

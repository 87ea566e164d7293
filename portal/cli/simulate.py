"""`flask simulate`: a simulated charging station, in an interpreter of its own.

The simulator runs on asyncio, and a `flask --app wsgi` process is patched by gevent
(wsgi.py). So the command replaces itself with `python -m simulator` and the same
arguments: exec keeps the process id, so whoever started it can stop it.
"""

from __future__ import annotations

import os
import sys

import click


@click.command("simulate", add_help_option=False,
               context_settings={"ignore_unknown_options": True},
               short_help="Run a simulated charging station (see --help).")
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED)
def command(arguments: tuple[str, ...]) -> None:
    """Run a simulated charging station; `flask simulate --help` lists its options."""
    sys.stdout.flush()
    os.execv(sys.executable, [sys.executable, "-m", "simulator", *arguments])

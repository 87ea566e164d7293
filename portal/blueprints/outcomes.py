"""What came of a command, told to staff the same way on every page that sends one."""

from __future__ import annotations

from flask import flash

from portal.models import Command, CommandOutcome

# Answers that mean the station did what was asked.
DONE = frozenset({None, "Accepted", "Unlocked"})


def flash_outcome(command: Command, title: str) -> None:
    """One flash message: `<title>: <the station's status, its CALLERROR or why none>.`"""
    message = f"{title}: {command.result}."
    if command.error_description:
        message += f" {command.error_description}"
    flash(message, category(command))


def category(command: Command) -> str:
    """The alert colour: done, answered otherwise, or no answer at all."""
    if command.outcome is CommandOutcome.ANSWERED:
        return "success" if (command.response or {}).get("status") in DONE else "warning"
    return "danger"

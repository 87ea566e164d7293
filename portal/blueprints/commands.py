"""What the pages that send commands share: who sends, and telling what came of it."""

from __future__ import annotations

from flask import flash
from flask_login import current_user

from portal.models import Command
from portal.services.outcomes import told
from portal.services.remote_operations import Sender


def current_sender() -> Sender:
    """The signed-in user, as the sender of the commands of this request."""
    return Sender.of_user(current_user._get_current_object())


def flash_outcome(command: Command, title: str) -> None:
    """One flash message: `<title>: <the station's status, its CALLERROR or why none>.`"""
    outcome = told(command)
    flash(outcome.sentence(title), outcome.colour)

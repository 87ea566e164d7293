"""The suite's own guards work: nothing leaves this machine unnoticed."""

from __future__ import annotations

import socket

import pytest


def test_guard_refuses_connections_off_this_machine() -> None:
    with socket.socket() as sock, pytest.raises(AssertionError, match="unexpected connection"):
        sock.connect(("192.0.2.1", 80))

"""What came of a command, told to people the same way from every door: the words, the
colour of the alert or badge, and the HTTP status the JSON API answers with."""

from __future__ import annotations

from dataclasses import dataclass

from portal.models import Command, CommandOutcome
from portal.models.local_list import NOT_SUPPORTED_VERSION

# Answers that mean the station did what was asked (None: an answer without a status).
DONE = frozenset({None, "Accepted", "Unlocked"})
# What people should know of some answers.
NOTES = {"RebootRequired": "It applies when the station reboots."}
# The machine code of an outcome that is not an answer, in JSON answers (the API's, a
# payment service's); its HTTP status is told's.
ERROR_CODE = {CommandOutcome.OFFLINE: "station_offline", CommandOutcome.TIMED_OUT: "timed_out",
              CommandOutcome.CALL_ERROR: "call_error"}


@dataclass(frozen=True)
class Told:
    words: str  # a few words: the station's status, its CALLERROR, or why there is none
    detail: str  # the CALLERROR's description or what to know about the failure; may be ""
    colour: str  # Bootstrap's: success, warning, danger, secondary
    http_status: int

    def sentence(self, title: str = "") -> str:
        """`<title>: <words>. <detail>`, or without the title."""
        text = f"{title}: {self.words}." if title else f"{self.words}."
        return f"{text} {self.detail}" if self.detail else text


_NO_ANSWER = {
    CommandOutcome.PENDING: Told("Waiting for the station", "", "secondary", 202),
    CommandOutcome.OFFLINE: Told("Station offline", "", "danger", 409),
    CommandOutcome.TIMED_OUT: Told("No answer in time", "", "danger", 504),
}


def told(command: Command) -> Told:
    """How to tell people what came of the command."""
    if command.outcome is CommandOutcome.ANSWERED:
        response = command.response or {}
        status = response.get("status")
        if status is None and "listVersion" in response:  # GetLocalListVersion
            return Told(_list_version(response["listVersion"]), "", "success", 200)
        return Told("Answered" if status is None else str(status), NOTES.get(status, ""),
                    "success" if status in DONE else "warning", 200)
    if command.outcome is CommandOutcome.CALL_ERROR:
        return Told(f"CALLERROR {command.error_code}", command.error_description, "danger", 502)
    if command.error_description:  # e.g. settled by the clock after its worker stopped
        return _with_detail(_NO_ANSWER[command.outcome], command.error_description)
    return _NO_ANSWER[command.outcome]


def _list_version(list_version: object) -> str:
    """What a GetLocalListVersion answer means (OCPP 1.6: 0 = no list, -1 = not supported)."""
    if list_version == NOT_SUPPORTED_VERSION:
        return "-1, the station does not support a local list"
    if list_version == 0:
        return "0, the station has no local list"
    return f"version {list_version}"


def _with_detail(told: Told, detail: str) -> Told:
    return Told(told.words, detail, told.colour, told.http_status)

"""Why a simulator run stops early, in words for the person running it."""


class SimulatorError(Exception):
    """A failure to report on stderr with exit status 1."""


class CallFailed(SimulatorError):
    """The central system answered a CALL with a CALLERROR, an invalid answer or not at all."""

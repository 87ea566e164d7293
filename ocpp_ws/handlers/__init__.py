"""CP->CS handlers, one module per OCPP profile, collected in ROUTES by the action they answer.

Every handler follows the `ocpp` library's own convention:

    @on(Action.start_transaction)
    def on_start_transaction(ctx, connector_id, id_tag, meter_start, timestamp, **kwargs)
        -> call_result.StartTransaction

- it is named `on_<action>` and marked `@on(Action.<action>)`;
- `ctx` is what it knows besides the payload (ocpp_ws.handlers.context);
- the payload's fields arrive as snake_case keyword arguments, with `**kwargs` for fields
  it does not use. Objects and lists inside a field (meterValue, transactionData) stay as
  OCPP spells them, in camelCase, which is how services read and store them; converting
  them costs more than validating them (0.2 ms for a 4-value MeterValues);
- it calls one service and returns the typed `call_result`, with the library's enums.

Which lane of the dispatcher takes a handler shows above it and in its `ctx`:

- the ORM lane, the default: `ctx` is a StationContext, the station loaded through the
  ORM; the dispatcher commits what the services changed before the answer goes out;
- the frequent lane, for handlers also marked `@frequent` (Heartbeat, MeterValues, nearly
  all of the traffic): `ctx` is a FrameContext, the connection's StationState and the
  frame's Writes. Such a handler uses no ORM: it answers from the state and adds Core
  statements to the Writes, which group commit makes durable before the answer goes out.
  What the state does not know yet and the ORM must make (the outlet of a connector never
  reported) it asks for by raising (UnknownConnector): the dispatcher makes it, commits,
  and runs the handler again.

No handler commits: the dispatcher owns each frame's unit of work.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from ocpp_ws.handlers import core, firmware, security


def _routes(*modules: ModuleType) -> dict[str, Callable[..., Any]]:
    return {
        handler._on_action.value: handler
        for module in modules
        for handler in vars(module).values()
        if hasattr(handler, "_on_action")
    }


ROUTES = _routes(core, firmware, security)
# The actions whose handlers take the frequent lane.
FREQUENT = frozenset(action for action, handler in ROUTES.items()
                     if getattr(handler, "_frequent", False))

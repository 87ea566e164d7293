"""The Core profile: what every station sends on its own initiative.

Heartbeat and MeterValues, nearly all of a station's traffic, take the frequent lane.
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.datatypes import IdTagInfo
from ocpp.v16.enums import (
    Action,
    ChargePointErrorCode,
    ChargePointStatus,
)

from ocpp_ws.handlers.context import FrameContext, StationContext, frequent
from portal.models.base import utcnow
from portal.services import (
    charging_sessions,
    configuration,
    data_transfer,
    default_configuration,
    outlets,
    stations,
    tags,
)
from portal.services.tags import Authorization
from portal.timestamps import format_timestamp, parse_timestamp

BOOT_FIELDS = {  # BootNotification field -> Station column
    "charge_point_vendor": "vendor", "charge_point_model": "model",
    "charge_point_serial_number": "charge_point_serial_number",
    "charge_box_serial_number": "charge_box_serial_number",
    "firmware_version": "firmware_version", "iccid": "iccid", "imsi": "imsi",
    "meter_type": "meter_type", "meter_serial_number": "meter_serial_number",
}


def id_tag_info(authorization: Authorization) -> IdTagInfo:
    expiry = authorization.expiry_at
    return IdTagInfo(
        status=authorization.status,
        expiry_date=format_timestamp(expiry) if expiry else None,
        parent_id_tag=authorization.parent_id_tag,
    )


@on(Action.boot_notification)
def on_boot_notification(ctx: StationContext, **boot: str) -> call_result.BootNotification:
    station = ctx.station
    stations.boot(station, {BOOT_FIELDS[key]: value for key, value in boot.items()}, utcnow())
    configuration.booted(station)
    # The defaults first: a first fetch then reads back the values the station took. Only
    # what is due is left for after the answer: most boots need no second transaction.
    if default_configuration.due(station):
        ctx.after_answer(default_configuration.send_at_first_boot)
    if configuration.first_fetch_due(station):
        ctx.after_answer(configuration.fetch_at_first_boot)
    return call_result.BootNotification(
        current_time=format_timestamp(utcnow()),
        interval=station.heartbeat_period,
        status=station.registration_status,
    )


@on(Action.heartbeat)
@frequent
def on_heartbeat(ctx: FrameContext, **kwargs: Any) -> call_result.Heartbeat:
    now = utcnow()
    if ctx.state.heartbeat(now):
        ctx.writes.add(stations.RECORD_HEARTBEAT, {"station": ctx.state.station_id, "at": now})
    return call_result.Heartbeat(current_time=format_timestamp(now))


@on(Action.meter_values)
@frequent
def on_meter_values(
    ctx: FrameContext, connector_id: int, meter_value: list[dict[str, Any]],
    transaction_id: int | None = None, **kwargs: Any,
) -> call_result.MeterValues:
    state = ctx.state
    session_id = state.session_id(transaction_id)
    rows = charging_sessions.meter_value_rows(state.tenant_id, state.station_id,
                                              state.outlet_id(connector_id), session_id,
                                              meter_value)
    if not (state.may_repeat(session_id, [row["sampled_at"] for row in rows])
            and charging_sessions.stored_already(session_id, rows)):
        ctx.writes.add(charging_sessions.INSERT_METER_VALUES, *rows)
    return call_result.MeterValues()


@on(Action.status_notification)
def on_status_notification(
    ctx: StationContext, connector_id: int, error_code: str, status: str,
    timestamp: str | None = None, info: str = "", vendor_id: str = "",
    vendor_error_code: str = "", **kwargs: Any,
) -> call_result.StatusNotification:
    reported_at = parse_timestamp(timestamp) if timestamp else utcnow()
    outlet = outlets.report_status(
        ctx.station, connector_id, ChargePointStatus(status), ChargePointErrorCode(error_code),
        reported_at, info=info, vendor_id=vendor_id, vendor_error_code=vendor_error_code,
    )
    charging_sessions.close_abandoned(ctx.station, outlet, reported_at)
    return call_result.StatusNotification()


@on(Action.authorize)
def on_authorize(ctx: StationContext, id_tag: str) -> call_result.Authorize:
    authorization = tags.authorize(id_tag, mode=tags.station_mode(ctx.station))
    return call_result.Authorize(id_tag_info=id_tag_info(authorization))


@on(Action.start_transaction)
def on_start_transaction(
    ctx: StationContext, connector_id: int, id_tag: str, meter_start: int, timestamp: str,
    reservation_id: int | None = None, **kwargs: Any,
) -> call_result.StartTransaction:
    session, authorization = charging_sessions.start(
        ctx.station, connector_id, id_tag, meter_start, parse_timestamp(timestamp),
        reservation_id,
    )
    # Its MeterValues follow at once: spare each of them looking up the new session.
    ctx.state.session_ids[session.transaction_id] = session.id
    return call_result.StartTransaction(
        transaction_id=session.transaction_id, id_tag_info=id_tag_info(authorization)
    )


@on(Action.stop_transaction)
def on_stop_transaction(
    ctx: StationContext, meter_stop: int, timestamp: str, transaction_id: int,
    reason: str | None = None, id_tag: str | None = None,
    transaction_data: list[dict[str, Any]] | None = None, **kwargs: Any,
) -> call_result.StopTransaction:
    session = charging_sessions.stop(
        ctx.station, transaction_id, meter_stop, parse_timestamp(timestamp), reason=reason,
        id_tag=id_tag, transaction_data=transaction_data or [],
    )
    info = id_tag_info(tags.authorize_stop(id_tag, session)) if id_tag else None
    return call_result.StopTransaction(id_tag_info=info)


@on(Action.data_transfer)
def on_data_transfer(
    ctx: StationContext, vendor_id: str, message_id: str | None = None,
    data: str | None = None, **kwargs: Any,
) -> call_result.DataTransfer:
    return call_result.DataTransfer(
        status=data_transfer.receive(ctx.station, vendor_id, message_id, data))

"""The simulated station's state: connectors, meters, transactions and configuration.

The state outlives a connection, as a real station's does: after a reconnection the
meters go on counting and unfinished transactions are still known.
"""

from __future__ import annotations

import asyncio
import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ocpp.v16.enums import AuthorizationStatus, ChargePointStatus, ConfigurationKey, Reason

from simulator.options import Options

NOMINAL_POWER_W = 11_000
METER_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
VENDOR, MODEL, FIRMWARE = "Plugboard", "Simulator", "plugboard-sim-1"


def utc_now() -> datetime:
    return datetime.now(UTC)


def ocpp_time(at: datetime) -> str:
    """An OCPP date-time: UTC with a Z, to the millisecond."""
    return at.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def accepted(id_tag_status: str) -> bool:
    return id_tag_status == AuthorizationStatus.accepted


@dataclass
class Transaction:
    transaction_id: int
    id_tag: str
    meter_start: int
    started_at: datetime


@dataclass
class Connector:
    connector_id: int
    meter_offset_wh: float
    meter_wh: float = 0.0
    status: ChargePointStatus = ChargePointStatus.available
    power_w: float = 0.0
    operative: bool = True
    transaction: Transaction | None = None
    reservation_id: int | None = None
    # Set to end the charging session early (RemoteStopTransaction, Reset, UnlockConnector).
    stop_requested: asyncio.Event = field(default_factory=asyncio.Event)
    stop_reason: Reason = Reason.local

    def __post_init__(self) -> None:
        self.meter_wh = self.reading_at(utc_now())

    def reading_at(self, at: datetime) -> float:
        """The meter reading at a time, as if the connector had charged at full power since
        METER_EPOCH. A session cannot outpace that, so the readings never go backwards,
        not even across runs of the simulator or in a replay of the past."""
        return self.meter_offset_wh + (at - METER_EPOCH).total_seconds() * NOMINAL_POWER_W / 3600

    @property
    def free(self) -> bool:
        # Status too: a connector claimed by a RemoteStartTransaction is Preparing at once.
        return (self.operative and self.transaction is None and self.reservation_id is None
                and self.status is ChargePointStatus.available)

    def request_stop(self, reason: Reason) -> None:
        self.stop_reason = reason
        self.stop_requested.set()

    def draw(self, seconds: float, rng: random.Random) -> None:
        """Charge for some seconds at about the nominal power."""
        self.power_w = NOMINAL_POWER_W * rng.uniform(0.92, 1.0)
        self.meter_wh += self.power_w * seconds / 3600


@dataclass
class Configuration:
    """The station's configuration keys (OCPP 1.6 chapter 9) with their values."""

    values: dict[str, str]
    read_only: frozenset[str]

    @classmethod
    def defaults(cls, options: Options) -> Configuration:
        key = ConfigurationKey
        values = {
            key.heartbeat_interval: "300",
            key.meter_value_sample_interval: f"{options.meter_interval:g}",
            key.clock_aligned_data_interval: "0",
            key.connection_time_out: "60",
            key.number_of_connectors: str(options.connectors),
            key.authorize_remote_tx_requests: "false",
            key.local_authorize_offline: "true",
            key.local_pre_authorize: "false",
            key.meter_values_sampled_data: "Energy.Active.Import.Register,Power.Active.Import",
            key.stop_txn_sampled_data: "Energy.Active.Import.Register",
            key.supported_feature_profiles: (
                "Core,FirmwareManagement,LocalAuthListManagement,Reservation,"
                "SmartCharging,RemoteTrigger"
            ),
            key.transaction_message_attempts: "3",
            key.transaction_message_retry_interval: "60",
            key.unlock_connector_on_ev_side_disconnect: "true",
            key.web_socket_ping_interval: "20",
            key.local_auth_list_enabled: "true",
            key.local_auth_list_max_length: "1000",
            key.send_local_list_max_length: "100",
            key.reserve_connector_zero_supported: "false",
            key.charge_profile_max_stack_level: "10",
            key.charging_schedule_allowed_charging_rate_unit: "Current,Power",
            key.charging_schedule_max_periods: "24",
            key.max_charging_profiles_installed: "10",
        }
        read_only = {
            key.number_of_connectors, key.supported_feature_profiles,
            key.local_auth_list_max_length, key.send_local_list_max_length,
            key.reserve_connector_zero_supported, key.charge_profile_max_stack_level,
            key.charging_schedule_allowed_charging_rate_unit,
            key.charging_schedule_max_periods, key.max_charging_profiles_installed,
        }
        return cls({str(k): v for k, v in values.items()}, frozenset(map(str, read_only)))

    def number(self, key: ConfigurationKey) -> float:
        return float(self.values[key])


@dataclass
class Station:
    charge_box_id: str
    connectors: list[Connector]
    configuration: Configuration
    rng: random.Random
    local_list_version: int = 0
    local_list: dict[str, dict] = field(default_factory=dict)
    charging_profiles: dict[int, dict] = field(default_factory=dict)

    @classmethod
    def from_options(cls, options: Options) -> Station:
        # Seeded by the id: a station's connectors keep their meter offsets from run to run.
        rng = random.Random(zlib.crc32(options.charge_box_id.encode()))
        connectors = [Connector(number, meter_offset_wh=rng.randint(0, 100_000))
                      for number in range(1, options.connectors + 1)]
        return cls(options.charge_box_id, connectors, Configuration.defaults(options), rng)

    def connector(self, connector_id: int) -> Connector | None:
        if 1 <= connector_id <= len(self.connectors):
            return self.connectors[connector_id - 1]
        return None

    def first_free(self) -> Connector | None:
        return next((connector for connector in self.connectors if connector.free), None)

    def by_transaction(self, transaction_id: int) -> Connector | None:
        return next((connector for connector in self.connectors
                     if connector.transaction
                     and connector.transaction.transaction_id == transaction_id), None)

    def charging(self) -> list[Connector]:
        return [connector for connector in self.connectors if connector.transaction]

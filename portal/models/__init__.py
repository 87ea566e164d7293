"""The domain model; importing this package registers every table on the metadata."""

from portal.models.account_token import AccountToken, TokenPurpose
from portal.models.alarm import (
    Alarm,
    AlarmDigest,
    AlarmKind,
    AlarmMail,
    AlarmSeverity,
    DigestStatus,
)
from portal.models.api_token import ApiToken
from portal.models.base import Base, TenantOwned
from portal.models.charging_profile import ChargingProfile, InstalledChargingProfile
from portal.models.charging_session import AuthMethod, ChargingSession, MeterValue
from portal.models.command import Command, CommandOutcome, CommandSender
from portal.models.connection_attempt import ConnectionAttempt, RefusalReason
from portal.models.integration import (
    DeliveryAttempt,
    DeliveryStatus,
    IncomingDelivery,
    OutboxEvent,
    PaymentSession,
    ServiceKind,
    ThirdPartyService,
)
from portal.models.local_list import LocalList, LocalListEntry
from portal.models.log import AuditEntry, Direction, Event, OcppMessage
from portal.models.monthly_report import MonthlyReport
from portal.models.reservation import Reservation, ReservationStatus
from portal.models.rollup import (
    OutletDay,
    OutletMonth,
    RollupProgress,
    StaleRollup,
    StationDay,
    StationMonth,
)
from portal.models.session_day import SessionDay, SessionMonth
from portal.models.site import Floor, Site
from portal.models.sso import SsoProvider
from portal.models.station import (
    Availability,
    Outlet,
    OutletMode,
    Station,
    StationConfigurationKey,
)
from portal.models.station_file import StationFile, StationFileChunk, StationFileKind
from portal.models.tag import Tag
from portal.models.tenant import Tenant
from portal.models.two_factor import RecoveryCode, TwoFactor
from portal.models.user import Role, User, UserSession

__all__ = [
    "AccountToken",
    "Alarm",
    "AlarmDigest",
    "AlarmKind",
    "AlarmMail",
    "AlarmSeverity",
    "ApiToken",
    "AuditEntry",
    "AuthMethod",
    "Availability",
    "Base",
    "ChargingProfile",
    "ChargingSession",
    "Command",
    "CommandOutcome",
    "CommandSender",
    "ConnectionAttempt",
    "DeliveryAttempt",
    "DeliveryStatus",
    "DigestStatus",
    "Direction",
    "Event",
    "Floor",
    "IncomingDelivery",
    "InstalledChargingProfile",
    "LocalList",
    "LocalListEntry",
    "MeterValue",
    "MonthlyReport",
    "OcppMessage",
    "OutboxEvent",
    "Outlet",
    "OutletDay",
    "OutletMode",
    "OutletMonth",
    "PaymentSession",
    "RecoveryCode",
    "RefusalReason",
    "Reservation",
    "ReservationStatus",
    "Role",
    "RollupProgress",
    "ServiceKind",
    "SessionDay",
    "SessionMonth",
    "Site",
    "SsoProvider",
    "StaleRollup",
    "Station",
    "StationConfigurationKey",
    "StationDay",
    "StationFile",
    "StationFileChunk",
    "StationFileKind",
    "StationMonth",
    "Tag",
    "Tenant",
    "TenantOwned",
    "ThirdPartyService",
    "TokenPurpose",
    "TwoFactor",
    "User",
    "UserSession",
]

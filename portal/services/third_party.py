"""A company's third-party services: a charging map, a payment app, its own systems by
webhook. Each has a URL that events go to and a secret that signs requests both ways
(portal.services.signing); the secret is stored encrypted and never shown whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from portal.errors import Conflict, Invalid, NotFound
from portal.extensions import db
from portal.models import Outlet, ServiceKind, Tenant, ThirdPartyService
from portal.services import encryption, tags
from portal.services.secrets import MASK

# What a webhook may subscribe to.
WEBHOOK_EVENTS = ("session.started", "session.ended", "station.status", "outlet.status",
                  "alarm.raised", "alarm.cleared")
# What the other kinds receive, whatever they say.
KIND_EVENTS: dict[ServiceKind, tuple[str, ...]] = {
    ServiceKind.MAP: ("station.updated", "outlet.status"),
    ServiceKind.PAYMENT: ("session.ended",),
}
TEST_EVENT = "service.test"  # the "send a test event" button's
MIN_SECRET_LENGTH = 16
NAME_LENGTH = ThirdPartyService.__table__.c.name.type.length
PROVIDER_LENGTH = ThirdPartyService.__table__.c.provider.type.length
URL_LENGTH = ThirdPartyService.__table__.c.url.type.length
ID_TAG_LENGTH = 20  # OCPP 1.6 IdToken


@dataclass(frozen=True)
class ServiceValues:
    """A service as the page or the CLI sets it."""

    kind: ServiceKind
    name: str
    url: str
    secret: str = ""  # when editing, empty keeps the secret
    provider: str = ""
    description: str = ""
    events: tuple[str, ...] = ()  # a webhook's
    id_tag: str = ""  # a payment service's
    enabled: bool = True


def all_of_company() -> list[ThirdPartyService]:
    return list(db.session.scalars(select(ThirdPartyService).order_by(ThirdPartyService.name)))


def get(service_id: int) -> ThirdPartyService:
    """One of the company's services (the tenant scope keeps others' out); NotFound."""
    service = db.session.get(ThirdPartyService, service_id)
    if service is None:
        raise NotFound(f"No service {service_id}.")
    return service


def create(tenant: Tenant, values: ServiceValues) -> ThirdPartyService:
    if not values.secret:
        raise Invalid("Enter the secret the service signs with.", field="secret")
    service = ThirdPartyService(tenant_id=tenant.id, kind=values.kind)
    _apply(tenant, service, values)
    db.session.add(service)
    db.session.flush()
    return service


def edit(tenant: Tenant, service: ThirdPartyService, values: ServiceValues) -> None:
    if values.kind is not service.kind:
        raise Invalid("A service's kind does not change; add another service.", field="kind")
    _apply(tenant, service, values)
    db.session.flush()


def delete(service: ThirdPartyService) -> None:
    """Remove the service, its undelivered events and its log; outlets forget their ids."""
    key = str(service.id)
    for outlet in db.session.scalars(select(Outlet)):
        if key in outlet.external_ids:
            outlet.external_ids = {k: v for k, v in outlet.external_ids.items() if k != key}
    db.session.delete(service)
    db.session.flush()


def set_enabled(service: ThirdPartyService, enabled: bool) -> None:
    """Switch the service on or off; switched off, it is sent nothing: its events wait
    until it is switched on again."""
    service.enabled = enabled
    db.session.flush()


def secret(service: ThirdPartyService) -> str:
    return encryption.decrypt(service.secret_encrypted)


def masked_secret(service: ThirdPartyService) -> str:
    """The secret as pages show it: its last four characters."""
    return MASK + secret(service)[-4:] if service.secret_encrypted else ""


def receives(service: ThirdPartyService, event_type: str) -> bool:
    """Whether an enabled service is sent events of this type."""
    if not service.enabled:
        return False
    if service.kind is ServiceKind.WEBHOOK:
        return event_type in service.events
    return event_type in KIND_EVENTS[service.kind]


def _apply(tenant: Tenant, service: ThirdPartyService, values: ServiceValues) -> None:
    name = values.name.strip()
    if not name:
        raise Invalid("Enter a name.", field="name")
    if len(name) > NAME_LENGTH:
        raise Invalid(f"At most {NAME_LENGTH} characters.", field="name")
    taken = db.session.scalar(select(ThirdPartyService.id).where(
        ThirdPartyService.name == name, ThirdPartyService.id != service.id))
    if taken is not None:
        raise Conflict(f"The company has a service named {name!r} already.", field="name")
    if len(values.provider.strip()) > PROVIDER_LENGTH:
        raise Invalid(f"At most {PROVIDER_LENGTH} characters.", field="provider")
    service.name, service.url = name, _url(values.url)
    service.provider = values.provider.strip() or values.kind.value
    service.description = values.description.strip()
    if values.secret:
        if len(values.secret) < MIN_SECRET_LENGTH:
            raise Invalid(f"A secret has at least {MIN_SECRET_LENGTH} characters.",
                          field="secret")
        service.secret_encrypted = encryption.encrypt(values.secret)
    service.events = _events(values) if values.kind is ServiceKind.WEBHOOK else []
    service.id_tag = _payment_tag(tenant, name, values.id_tag) \
        if values.kind is ServiceKind.PAYMENT else None
    service.enabled = values.enabled


def _url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid("Enter the service's address, starting with https:// (or http://).",
                      field="url")
    if len(url) > URL_LENGTH:
        raise Invalid(f"At most {URL_LENGTH} characters.", field="url")
    return url


def _events(values: ServiceValues) -> list[str]:
    unknown = [event for event in values.events if event not in WEBHOOK_EVENTS]
    if unknown:
        raise Invalid(f"Unknown event {unknown[0]!r}; a webhook may subscribe to "
                      f"{', '.join(WEBHOOK_EVENTS)}.", field="events")
    if not values.events:
        raise Invalid("Choose at least one event.", field="events")
    return [event for event in WEBHOOK_EVENTS if event in values.events]


def _payment_tag(tenant: Tenant, name: str, id_tag: str) -> str:
    """The idTag a payment service's sessions start with: a company tag, added (with no
    limit on sessions at once) when it does not exist yet."""
    id_tag = id_tag.strip()
    if not id_tag:
        raise Invalid("Enter the idTag its sessions start with.", field="id_tag")
    if len(id_tag) > ID_TAG_LENGTH or not id_tag.isprintable():
        raise Invalid(f"An idTag has at most {ID_TAG_LENGTH} printable characters.",
                      field="id_tag")
    if tags.find(id_tag) is None:
        tags.add(tenant, id_tag, max_active_transactions=-1,
                 note=f"Starts the sessions of the payment service {name}.")
    return id_tag

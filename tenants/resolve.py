"""Which tenant a request is for, from its host: `<slug>.<PORTAL_DOMAIN>[:port]`."""

from __future__ import annotations

from flask import Flask, abort, current_app, g, request

from portal.models import Tenant
from tenants import provisioning, scoping

# Endpoints served on the bare domain, which belongs to no tenant.
BARE_DOMAIN_ENDPOINTS = frozenset({
    "public.index", "public.find", "public.healthz", "public.readyz", "static",
    "bootstrap.static", "ocpp_station_on_bare_domain",
    "station_files.download", "station_files.upload",  # the token names the company
})


def slug_for_host(host: str, portal_domain: str) -> str | None:
    """The tenant slug a host names; None for the bare domain (or any host outside it).

    Raises LookupError for a host that cannot be a tenant (`a.b.<domain>`).
    """
    hostname = host.lower()
    if hostname.startswith("["):  # [::1]:8000
        hostname = hostname.split("]")[0] + "]"
    else:
        hostname = hostname.rsplit(":", 1)[0] if hostname.count(":") == 1 else hostname
    suffix = "." + portal_domain.lower()
    if not hostname.endswith(suffix):
        return None
    slug = hostname[: -len(suffix)]
    if not slug or "." in slug:
        raise LookupError(host)
    return slug


def tenant_url(tenant: Tenant, path: str = "/") -> str:
    """The address of a tenant's portal, keeping the scheme and port of this request."""
    port = request.host.rsplit(":", 1)[1] if request.host.count(":") == 1 else ""
    netloc = f"{tenant.slug}.{g.portal_domain}" + (f":{port}" if port else "")
    return f"{request.scheme}://{netloc}{path}"


def _resolve_tenant() -> None:
    g.portal_domain = domain = current_app.config["PORTAL_DOMAIN"]
    try:
        slug = slug_for_host(request.host, domain)
    except LookupError:
        abort(404)
    if slug is None:
        g.tenant = None
        if request.endpoint not in BARE_DOMAIN_ENDPOINTS and request.endpoint is not None:
            abort(404)
        return
    tenant = provisioning.find_by_slug(slug)
    if tenant is None:
        abort(404)
    g.tenant = tenant
    g.tenant_scope_token = scoping.enter(tenant)


def _end_tenant_scope(_error: BaseException | None) -> None:
    token = g.pop("tenant_scope_token", None)
    if token is not None:
        scoping.leave(token)


def init_app(app: Flask) -> None:
    # First of all hooks, so every other hook and view already runs in the tenant's scope.
    app.before_request_funcs.setdefault(None, []).insert(0, _resolve_tenant)
    app.teardown_request(_end_tenant_scope)

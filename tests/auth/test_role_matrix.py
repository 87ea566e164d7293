"""Every route for every role (and a foreign company's administrator), from one table;
the API's routes also for every token role, from a second one (API_MATRIX).

A new route is a new row. Paths name stations by a key resolved per world:
{site1} and {site2} are company A's stations on its two sites, {foreign} is a station
only company B has; {operation} is an OCPP operation (Reset); {token} is no file's token;
{tag} and {foreign_tag} are the row ids of company A's and company B's driver tags.
Codes: 200 page, 302 redirect (Location checked), 403, 404, 405. An EV user lacking a
capability gets 404, never 403: a driver is not told which staff pages exist.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select
from werkzeug.exceptions import MethodNotAllowed, NotFound

from portal import config, create_app
from portal.extensions import db
from portal.models import (
    Alarm,
    AlarmKind,
    AlarmSeverity,
    ChargingSession,
    MonthlyReport,
    Role,
    ServiceKind,
    Site,
    Tenant,
    ThirdPartyService,
)
from portal.models.base import utcnow
from portal.services import (
    alarms,
    api_tokens,
    charging_sessions,
    floor_maps,
    sites,
    stations,
    third_party,
    users,
)
from tenants.scoping import tenant_scope
from tests.api.client import Api, new_token
from tests.factories import PASSWORD, Company, World, build_world
from tests.scene import company_scope

ROLES = ("admin", "site_admin", "support", "ev_user", "anonymous", "foreign_admin")
R = {"admin": Role.ADMIN, "site_admin": Role.SITE_ADMIN, "support": Role.SUPPORT,
     "ev_user": Role.EV_USER}
TO_LOGIN = "302:/login"

MATRIX = [
    # method path                              admin                   site_admin        support           ev_user             anonymous foreign_admin
    ("GET",  "/",                              "302:/dashboard",       "302:/dashboard", "302:/dashboard", "302:/my/sessions", TO_LOGIN, TO_LOGIN),
    ("GET",  "/login",                         "302:/",                "302:/",          "302:/",          "302:/",            200,      200),
    # an empty login form: 400 to whoever is not logged in here
    ("POST", "/login",                         "302:/",                "302:/",          "302:/",          "302:/",            400,      400),
    # public routes, the same for anyone: the company finder (posted empty: 400) and the load
    # balancer's probes; on the bare domain: tests/blueprints/test_public.py, test_health.py
    ("POST", "/find",                          400,                    400,              400,              400,                400,      400),
    ("GET",  "/healthz",                       200,                    200,              200,              200,                200,      200),
    ("GET",  "/readyz",                        200,                    200,              200,              200,                200,      200),
    ("GET",  "/dashboard",                     200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations",                      200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/connectors",           200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site1}",              200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site2}",              200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{foreign}",            404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/unknown-id",           404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site1}/messages",     200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site2}/messages",     200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{foreign}/messages",   404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # the whole company's message log (tests/blueprints/test_message_log.py): scoped by the
    # navigator's node; a bad filter is 400 once the role may read the log
    ("GET",  "/messages",                      200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/messages?node={site2_node}",    200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/messages?node={foreign_node}",  404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/messages?since=garbage",        400,                    400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/messages?before=garbage",       400,                    400,              400,              404,                TO_LOGIN, TO_LOGIN),
    # no status in the form: 400 once the role may change the registration
    ("POST", "/stations/{site1}/registration", 400,                    400,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/registration", 400,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/registration", 404,                  404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/connection-attempts",             200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/connection-attempts/CP-NEW/add",  200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/connection-attempts/CP-NEW/add",  "302:/stations/CP-NEW", 403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/connection-attempts/{site1}/add", 409,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/connection-attempts/purge",       "302:/connection-attempts", 403,          403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/live/lights",                   200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    # navigator (tests/blueprints/test_navigator.py): pages scoped by ?node=; {site1_node} and
    # {site2_node} are company A's sites, {foreign_node} a site of company B
    ("GET",  "/stations?node={site1_node}",    200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations?node={site2_node}",    200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations?node={foreign_node}",  404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations?node=garbage",         404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/connectors?node={site2_node}",  200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/connectors?node={foreign_node}", 404,                   404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/configuration/apply?node={site2_node}", 200,            404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/live/lights?node={site2_node}", 200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/live/lights?node={foreign_node}", 404,                  404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/live/lights?node=garbage",      404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/my/sessions",                   403,                    403,              403,              200,                TO_LOGIN, TO_LOGIN),
    # single sign-on (tests/sso/): company A has no provider, so its login through one is 404;
    # the settings page is the administrators'; an empty form: 400
    ("GET",  "/login/sso",                     "302:/",                "302:/",          "302:/",          "302:/",            404,      404),
    ("GET",  "/login/sso/callback",            "302:/",                "302:/",          "302:/",          "302:/",            404,      404),
    ("GET",  "/settings/sso",                  200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/settings/sso",                  400,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    # the driver's own pages (tests/blueprints/test_driver_portal.py): {driver_month} is the
    # month of the world's driver session; a month without sessions of theirs is 404 like a
    # bad one. {tag} is the driver's card, {foreign_tag} company B's; drivers of the world's
    # company may not add cards (the setting is off): 404
    ("GET",  "/my/sessions.xlsx",              403,                    403,              403,              200,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/my/statements/{driver_month}.pdf", 403,                 403,              403,              200,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/my/statements/2020-01.pdf",     403,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/my/statements/garbage.pdf",     403,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/my/tags",                       403,                    403,              403,              200,                TO_LOGIN, TO_LOGIN),
    ("POST", "/my/tags/{tag}/block",           403,                    403,              403,              "302:/my/tags",     TO_LOGIN, TO_LOGIN),
    ("POST", "/my/tags/{foreign_tag}/block",   403,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/my/tags/999999/block",          403,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/my/tags/add",                   403,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/account/name",                  200,                    200,              200,              200,                TO_LOGIN, TO_LOGIN),
    ("POST", "/account/name",                  "302:/account/name",    "302:/account/name", "302:/account/name", "302:/account/name", TO_LOGIN, TO_LOGIN),
    ("GET",  "/account/password",              200,                    200,              200,              200,                TO_LOGIN, TO_LOGIN),
    ("POST", "/account/password",              400,                    400,              400,              400,                TO_LOGIN, TO_LOGIN),
    # account security (tests/auth/test_password_reset.py, test_email_change.py,
    # test_two_factor.py): e-mailed links need no login, and {token} names none (404); empty
    # forms: 400; the code and enrolment steps of a login, with no password just typed, lead
    # back to the login page; a second factor is for staff, and none is on yet (302 back)
    ("GET",  "/password/forgot",               "302:/",                "302:/",          "302:/",          "302:/",            200,      200),
    ("POST", "/password/forgot",               "302:/",                "302:/",          "302:/",          "302:/",            400,      400),
    ("GET",  "/password/reset/{token}",        404,                    404,              404,              404,                404,      404),
    ("POST", "/password/reset/{token}",        404,                    404,              404,              404,                404,      404),
    ("GET",  "/account/email",                 200,                    200,              200,              200,                TO_LOGIN, TO_LOGIN),
    ("POST", "/account/email",                 400,                    400,              400,              400,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/account/email/confirm/{token}", 404,                    404,              404,              404,                404,      404),
    ("POST", "/account/email/confirm/{token}", 404,                    404,              404,              404,                404,      404),
    ("GET",  "/account/two-factor",            200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/account/two-factor",            400,                    400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/account/two-factor/recovery-codes", "302:/account/two-factor", "302:/account/two-factor", "302:/account/two-factor", 404, TO_LOGIN, TO_LOGIN),
    ("POST", "/account/two-factor/disable",    "302:/account/two-factor", "302:/account/two-factor", "302:/account/two-factor", 404, TO_LOGIN, TO_LOGIN),
    ("GET",  "/login/code",                    "302:/",                "302:/",          "302:/",          "302:/",            TO_LOGIN, TO_LOGIN),
    ("POST", "/login/code",                    "302:/",                "302:/",          "302:/",          "302:/",            TO_LOGIN, TO_LOGIN),
    ("GET",  "/login/enrol",                   "302:/",                "302:/",          "302:/",          "302:/",            TO_LOGIN, TO_LOGIN),
    ("POST", "/login/enrol",                   "302:/",                "302:/",          "302:/",          "302:/",            TO_LOGIN, TO_LOGIN),
    ("GET",  "/logout",                        405,                    405,              405,              405,                405,      405),
    ("POST", "/logout",                        "302:/login",           "302:/login",     "302:/login",     "302:/login",       TO_LOGIN, TO_LOGIN),
    ("GET",  "/no-such-page",                  404,                    404,              404,              404,                404,      404),
    # the API takes bearer tokens only (tests/ocpp/test_remote_operations.py): a login is none
    ("POST", "/api/v1/stations/{site1}/commands", 401,                 401,              401,              401,                401,      401),
    ("POST", "/api/v1/stations/{foreign}/commands", 401,               401,              401,              401,                401,      401),
    ("GET",  "/api/v1/stations",               401,                    401,              401,              401,                401,      401),
    ("GET",  "/api/v1/stations/{site1}",       401,                    401,              401,              401,                401,      401),
    ("GET",  "/api/v1/transactions",           401,                    401,              401,              401,                401,      401),
    ("GET",  "/api/v1/openapi.json",           200,                    200,              200,              200,                200,      200),
    # remote operations: many stations, one station's control panel, the history
    ("GET",  "/operations",                    "302:/operations/send/Reset", "302:/operations/send/Reset", "302:/operations/send/Reset", 404, TO_LOGIN, TO_LOGIN),
    ("GET",  "/operations/send/{operation}",   200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/operations/send/NoSuchAction",  404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # no station chosen: 400 once the role may operate
    ("POST", "/operations/send/{operation}",   400,                    400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/operations/history",            200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/operations/9b2f6a3e-1c1d-4c55-9a55-0f4f3a0d1e2b", 404,  404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/operations/9b2f6a3e-1c1d-4c55-9a55-0f4f3a0d1e2b/rows", 404, 404,          404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site1}/control",      200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site2}/control",      200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{foreign}/control",    404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # no parameters in the form: 400 once the role may operate the station
    ("POST", "/stations/{site1}/control/UnlockConnector", 400,                  400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/control/UnlockConnector", 400,                  404,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/control/UnlockConnector", 404,                 404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site1}/control/NoSuchAction", 404,            404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # the audit log (tests/blueprints/test_audit_log.py): support users read the entries about
    # stations; a bad filter is 400 once the role may read the log; no route changes an entry
    ("GET",  "/audit",                         200,                    403,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/audit?since=garbage",           400,                    403,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/audit/export.csv",              200,                    403,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/audit/export.xlsx",             200,                    403,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/audit",                         405,                    405,              405,              405,                405,      405),
    ("GET",  "/api-tokens",                    200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    # no name in the form: 400 once the role may create tokens
    ("POST", "/api-tokens",                    400,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/api-tokens/999999/revoke",      404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    # third-party services (tests/blueprints/test_services.py): administrators only. {service}
    # is a disabled webhook of company A (a test event to it is refused: 409, and nothing is
    # left for a later test's delivery run), {foreign_service} one of company B: 404 even to
    # an administrator. Empty forms: 422 once the role may manage services; no kind or
    # another: 400
    ("GET",  "/services",                      200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/services/new?kind=webhook",     200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/services/new",                  400,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/services/new?kind=ftp",         400,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/services/new?kind=map",         422,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/services/{service}/edit",       200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/services/{foreign_service}/edit", 404,                  403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/services/{service}/edit",       422,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/services/{foreign_service}/edit", 404,                  403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/services/{service}/disable",    "302:/services",        403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/services/{foreign_service}/disable", 404,               403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/services/{service}/enable",     "302:/services",        403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/services/{foreign_service}/enable", 404,                403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/services/{service}/test",       409,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/services/{foreign_service}/test", 404,                  403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/services/{service}/deliveries", 200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/services/{foreign_service}/deliveries", 404,            403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/services/{service}/delete",     200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/services/{foreign_service}/delete", 404,                403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/services/{service}/delete",     "302:/services",        403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/services/{foreign_service}/delete", 404,                403,              403,              404,                TO_LOGIN, TO_LOGIN),
    # reservations (another site's or company's reservation: tests/blueprints/test_reservations.py);
    # an empty Reserve form: 400 once the role may reserve
    ("GET",  "/reservations",                  200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/reservations",                  400,                    400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/reservations/999999/cancel",    404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # local authorization list (a station tab) and tags with CSV import / export
    ("GET",  "/stations/{site1}/local-list",   200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site2}/local-list",   200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{foreign}/local-list", 404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # no update type in the form: 400 once the role may operate the station
    ("POST", "/stations/{site1}/local-list/send", 400,                 400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/local-list/send", 400,                 404,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/local-list/send", 404,               404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # sent to a station that is offline (the in-process app holds no socket): back to the tab
    ("POST", "/stations/{site1}/local-list/version", "302:/stations/CP-SITE1/local-list", "302:/stations/CP-SITE1/local-list", "302:/stations/CP-SITE1/local-list", 404, TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/local-list/version", "302:/stations/CP-SITE2/local-list", 404, "302:/stations/CP-SITE2/local-list", 404, TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/local-list/version", 404,            404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # tags are the company's, not a site's: hidden from site administrators (permissions.py)
    ("GET",  "/tags",                          200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/tags/import",                   200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    # no file in the form: 400 once the role may manage tags
    ("POST", "/tags/import",                   400,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/tags/export",                   200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/tags/export?format=whitelist",  200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/tags/export?format=excel",      400,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    # tags in the browser: add, edit, block, delete ({tag}: company A's driver tag, {foreign_tag}:
    # company B's, 404 even for an administrator); empty forms: 400 once the role may manage
    # tags; an empty Replace confirmation carries no previewed file: 400
    ("GET",  "/tags/new",                      200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/tags/new",                      400,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/tags/{tag}/edit",               200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/tags/{foreign_tag}/edit",       404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/tags/{tag}/edit",               400,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/tags/{foreign_tag}/edit",       404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/tags/{tag}/block",              "302:/tags",            403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/tags/{foreign_tag}/block",      404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/tags/{tag}/unblock",            "302:/tags",            403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/tags/{foreign_tag}/unblock",    404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/tags/{tag}/delete",             200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/tags/{foreign_tag}/delete",     404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/tags/{tag}/delete",             "302:/tags",            403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/tags/{foreign_tag}/delete",     404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/tags/import/replace",           400,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    # OCPP configuration (tests/ocpp/test_configuration.py): the in-process app holds no
    # station socket, so a command answers "offline" and the page redirects back to the table
    ("GET",  "/stations/{site1}/configuration", 200,                   200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site2}/configuration", 200,                   404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{foreign}/configuration", 404,                 404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site1}/configuration/upload", "302:/stations/CP-SITE1/configuration", "302:/stations/CP-SITE1/configuration", "302:/stations/CP-SITE1/configuration", 404, TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/configuration/upload", "302:/stations/CP-SITE2/configuration", 404, "302:/stations/CP-SITE2/configuration", 404, TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/configuration/upload", 404,          404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # no key in the form: 400 once the role may change the configuration
    ("POST", "/stations/{site1}/configuration", 400,                   400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/configuration", 400,                   404,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/configuration", 404,                 404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # an empty form generates a key; the offline station keeps its old one
    ("POST", "/stations/{site1}/authorization-key", "302:/stations/CP-SITE1/configuration", 403, 403, 404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/authorization-key", 404,             403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/configuration/apply",           200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/configuration/apply",           400,                    400,              400,              404,                TO_LOGIN, TO_LOGIN),
    # firmware and diagnostics (tests/blueprints/test_firmware_files.py,
    # tests/ocpp/test_firmware_management.py); forms posted empty: 400 once the role may.
    # Images are the company's: a site administrator sends them to its stations, and does
    # not upload or delete them
    ("GET",  "/firmware",                      200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/firmware",                      400,                    403,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/firmware/999999/delete",        404,                    403,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/firmware/update",               400,                    400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site1}/firmware",     200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site2}/firmware",     200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{foreign}/firmware",   404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site1}/firmware/update", 400,                 400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/firmware/update", 400,                 404,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/firmware/update", 404,               404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # every GetDiagnostics field is optional: sent, and the station is offline
    ("POST", "/stations/{site1}/diagnostics",  "302:/stations/CP-SITE1/firmware", "302:/stations/CP-SITE1/firmware", "302:/stations/CP-SITE1/firmware", 404, TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/diagnostics",  "302:/stations/CP-SITE2/firmware", 404, "302:/stations/CP-SITE2/firmware", 404, TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/diagnostics", 404,                   404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site1}/diagnostics/999999", 404,              404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{foreign}/diagnostics/999999", 404,            404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # stations' file addresses need no login: the token is the key (a wrong one is 404)
    ("GET",  "/files/{token}/fw.bin",          404,                    404,              404,              404,                404,      404),
    ("PUT",  "/uploads/{token}",               404,                    404,              404,              404,                404,      404),
    ("POST", "/uploads/{token}",               404,                    404,              404,              404,                404,      404),
    # charging profiles (a profile 1 in each company; 999999 in none); smart charging tab.
    # Empty forms: 400 once the role may post them; an empty clear is "clear all" (offline: 302).
    # Profiles are the company's: a site administrator installs them on its stations, and
    # does not define, change or delete them
    ("GET",  "/charging-profiles",             200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/charging-profiles/new",         200,                    403,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/new",         400,                    403,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/charging-profiles/1",           200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/charging-profiles/999999",      404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/charging-profiles/1/edit",      200,                    403,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/1/edit",      400,                    403,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/999999/edit", 404,                    403,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/1/delete",    "302:/charging-profiles", 403, "302:/charging-profiles", 404,         TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/999999/delete", 404,                  403,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/1/install",   400,                    400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/999999/install", 404,                 404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/1/remote-start", 400,                 400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/charging-profiles/999999/remote-start", 404,            404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site1}/charging",     200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site2}/charging",     200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{foreign}/charging",   404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site1}/charging/clear", 302,                  302,              302,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/charging/clear", 302,                  404,              302,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/charging/clear", 404,                404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site1}/charging/composite-schedule", 400,     400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/charging/composite-schedule", 400,     404,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/charging/composite-schedule", 404,   404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # dashboard (tests/blueprints/test_dashboard.py): a node out of reach, each user's widgets;
    # a Save with nothing ticked hides every widget of the user's own dashboard
    ("GET",  "/dashboard?node=site:999999",    404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/dashboard/widgets",             200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/dashboard/widgets",             "302:/dashboard",       "302:/dashboard", "302:/dashboard", 404,                TO_LOGIN, TO_LOGIN),
    # topology (tests/blueprints/test_topology*.py): create, move and delete sites, floors,
    # stations and outlets; bulk CSV import and export. Sites, the import and the export are
    # company-wide (MANAGE_SITES). Empty forms: 400 once the role may post them, except that
    # an empty move leaves the station where it is and an empty outlet form adds the next
    # connector
    ("GET",  "/topology",                      200,                    200,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/sites",                400,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/sites/999999/delete",  404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/floors",               400,                    400,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/floors/999999/delete", 404,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/stations",             400,                    400,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/topology/stations/{site1}/move", 200,                   200,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/topology/stations/{site2}/move", 200,                   404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/topology/stations/{foreign}/move", 404,                 404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/stations/{site1}/move", "302:/topology",       "302:/topology",  403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/stations/{site2}/move", "302:/topology",       404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/stations/{foreign}/move", 404,                 404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/stations/{site1}/delete", "302:/topology",     "302:/topology",  403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/stations/{site2}/delete", "302:/topology",     404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/stations/{foreign}/delete", 404,               404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/stations/{site1}/outlets", "302:/topology",    "302:/topology",  403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/stations/{site2}/outlets", "302:/topology",    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/stations/{foreign}/outlets", 404,              404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/stations/{site1}/outlets/999999/delete", 404,  404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/topology/stations/{foreign}/outlets/999999/delete", 404, 404,             403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/topology/import",               200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    # no file in the form
    ("POST", "/topology/import",               400,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/topology/export.csv",           200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    # settings of every level (tests/blueprints/test_settings.py). {site1_id}, {floor1_id},
    # {outlet1_id} are of company A's Site one, *2 of its Site two, foreign_* of company B;
    # each floor has a floor map. A form posted empty keeps every value as it is (a field
    # missing from the form is not changed): saved, 302 back to its page; a place given to
    # no station of the floor: 404
    ("GET",  "/settings",                      200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/settings",                      302,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sites/{site1_id}/settings",     200,                    200,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sites/{site2_id}/settings",     200,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sites/{foreign_site_id}/settings", 404,                 404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/sites/{site1_id}/settings",     302,                    302,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/sites/{site2_id}/settings",     302,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/sites/{foreign_site_id}/settings", 404,                 404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/floors/{floor1_id}/settings",   200,                    200,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/floors/{floor2_id}/settings",   200,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/floors/{foreign_floor_id}/settings", 404,               404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/floors/{floor1_id}/settings",   302,                    302,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/floors/{floor2_id}/settings",   302,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/floors/{foreign_floor_id}/settings", 404,               404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/floors/{floor1_id}",            200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/floors/{floor2_id}",            200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/floors/{foreign_floor_id}",     404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/floors/{floor1_id}/map",        200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/floors/{floor2_id}/map",        200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/floors/{foreign_floor_id}/map", 404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/floors/{floor1_id}/positions",  404,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/floors/{foreign_floor_id}/positions", 404,              404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site1}/settings",     200,                    200,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{site2}/settings",     200,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/stations/{foreign}/settings",   404,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site1}/settings",     302,                    302,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{site2}/settings",     302,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/settings",   404,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    # an empty form generates a key, shown once on the page
    ("POST", "/stations/{site1}/settings/authorization-key", 200,      403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/stations/{foreign}/settings/authorization-key", 404,    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/outlets/{outlet1_id}/settings", 200,                    200,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/outlets/{outlet2_id}/settings", 200,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/outlets/{foreign_outlet_id}/settings", 404,             404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/outlets/{outlet1_id}/settings", 302,                    302,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/outlets/{outlet2_id}/settings", 302,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/outlets/{foreign_outlet_id}/settings", 404,             404,              403,              404,                TO_LOGIN, TO_LOGIN),
    # a charging session's detail, meter values and signed values (tests/blueprints/
    # test_session_detail.py): {session1} is company A's session on Site one, {session2} one on
    # Site two, {foreign_session} company B's; an id no session has is 404 like another's
    ("GET",  "/sessions/{session1}",           200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/{session2}",           200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/{foreign_session}",    404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/999999999",            404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/{session1}/meter-values.csv", 200,             200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/{session2}/meter-values.csv", 200,             404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/{foreign_session}/meter-values.csv", 404,      404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/{session1}/signed-data.xml", 200,              200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/{session2}/signed-data.xml", 200,              404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/{foreign_session}/signed-data.xml", 404,       404,              404,              404,                TO_LOGIN, TO_LOGIN),
    # review queue (tests/blueprints/test_review.py): {review1}, {review2} are sessions closed
    # for review on company A's Site one and Site two, {foreign_review} one of company B.
    # Support sees the queue and does not act (REVIEW_SESSIONS); an empty correction: 400
    ("GET",  "/sessions/review",               200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/review?node={site2_node}", 200,                404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/review?node={foreign_node}", 404,              404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/sessions/review/{review1}/accept", "302:/sessions/review", "302:/sessions/review", 403,   404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/sessions/review/{review2}/accept", "302:/sessions/review", 404,           403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/sessions/review/{foreign_review}/accept", 404,          404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/review/{review1}/correct", 200,                200,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/review/{review2}/correct", 200,                404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/review/{foreign_review}/correct", 404,         404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/sessions/review/{review1}/correct", 400,                400,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/sessions/review/{review2}/correct", 400,                404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/sessions/review/{foreign_review}/correct", 404,         404,              403,              404,                TO_LOGIN, TO_LOGIN),
    # charging sessions (tests/blueprints/test_sessions.py, tests/reports/test_session_exports.py):
    # the table and its CSV and Excel exports; a site administrator's hold their site's
    # sessions only; a bad filter value: 400 with its message once the role may see sessions
    ("GET",  "/sessions",                      200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions?node={site2_node}",    200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions?node={foreign_node}",  404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions?energy_from=NaN",      400,                    400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/export.csv",           200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/export.csv?node={site2_node}", 200,            404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/export.xlsx",          200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/sessions/export.xlsx?node={foreign_node}", 404,         404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/sessions",                      405,                    405,              405,              405,                405,      405),
    # statistics (tests/blueprints/test_statistics.py): the diagrams and each one's CSV,
    # scoped by the navigator's node; a site administrator's hold their site's stations only;
    # a bad range: 400 with its message once the role may see sessions
    ("GET",  "/statistics",                    200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics?node={site2_node}",  200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics?node={foreign_node}", 404,                   404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics?bucket=fortnight",   400,                    400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics/energy.csv",         200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics/top-stations.csv?node={site2_node}", 200,    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics/utilisation.csv?node={foreign_node}", 404,   404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics/availability.csv",   200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics/availability.csv?first=garbage", 400,        400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics/unknown.csv",        404,                    404,              404,              404,                404,      404),
    ("POST", "/statistics",                    405,                    405,              405,              405,                405,      405),
    # monthly PDF reports (tests/reports/test_monthly_reports.py): a kept one by its id, a
    # site administrator's of their site only (not the company's: it names the other
    # sites); any month on demand for the navigator's company or site; a bad month: 400
    ("GET",  "/statistics/reports/{company_report}.pdf", 200,         404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics/reports/{site1_report}.pdf", 200,           200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics/reports/{site2_report}.pdf", 200,           404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics/reports/{foreign_report}.pdf", 404,         404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics/report.pdf?month=2026-01", 200,             200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics/report.pdf?month=2026-01&node={site2_node}", 200, 404,        200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics/report.pdf?month=2026-01&node={foreign_node}", 404, 404,      404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/statistics/report.pdf?month=garbage", 400,             400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/statistics/report.pdf",         405,                    405,              405,              405,                405,      405),


    # alarms (tests/blueprints/test_alarm_pages.py): active alarms, their history and the
    # event log, each with its Excel export, scoped by the navigator's node; the Clear button
    # of an alarm the role may see. {alarm1} and {alarm2} are open alarms on company A's two
    # sites, {foreign_alarm} one of company B. A bad filter: 400 once the role may read.
    ("GET",  "/alarms",                        200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/alarms?node={site2_node}",      200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/alarms?node={foreign_node}",    404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/alarms?since=garbage",          400,                    400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/alarms/history",                200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/alarms/history?node={site2_node}", 200,                 404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/alarms/history?before=garbage", 400,                    400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/alarms/export.xlsx",            200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/alarms/export.xlsx?severity=extreme", 400,              400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/alarms/history.xlsx",           200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/alarms/history.xlsx?node={site2_node}", 200,            404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/alarms/{alarm1}/clear",         "302:/alarms",          "302:/alarms",    "302:/alarms",    404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/alarms/{alarm2}/clear",         "302:/alarms",          404,              "302:/alarms",    404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/alarms/{foreign_alarm}/clear",  404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/alarms/{alarm1}/clear",         405,                    405,              405,              405,                405,      405),
    ("GET",  "/events",                        200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/events?node={site2_node}",      200,                    404,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/events?node={foreign_node}",    404,                    404,              404,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/events?kind=nonsense",          400,                    400,              400,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/events/export.xlsx",            200,                    200,              200,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/events/export.xlsx?node={site2_node}", 200,             404,              200,              404,                TO_LOGIN, TO_LOGIN),
    # alarm e-mail (tests/services/test_alarm_digest.py): administrators and site
    # administrators choose it; support may read alarms but gets no alarm e-mail
    ("GET",  "/account/alarm-mail",            200,                    200,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/account/alarm-mail",            "302:/account/alarm-mail", "302:/account/alarm-mail", 403, 404,               TO_LOGIN, TO_LOGIN),
    # users (tests/blueprints/test_users.py): {ev_user1} is company A's driver, on Site one,
    # {ev_user2} an EV user on Site two, {admin_user} company A's administrator,
    # {foreign_user} company B's driver. Site administrators read their site's EV users;
    # empty forms: 400 once the role may manage users; nobody deletes themselves: 409
    ("GET",  "/users",                         200,                    200,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users?role=garbage&site=x",     200,                    200,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/export.xlsx",             200,                    200,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{ev_user1}",              200,                    200,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{ev_user2}",              200,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{admin_user}",            200,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{foreign_user}",          404,                    404,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/new/{ev_role}",           200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/new/monitor",             404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/new/{ev_role}",           400,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{ev_user1}/edit",         200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{foreign_user}/edit",     404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{ev_user1}/edit",         400,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{foreign_user}/edit",     404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{ev_user1}/cards/{tag}/take-back", 302,           403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{ev_user2}/cards/{tag}/take-back", 404,           403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{foreign_user}/cards/{foreign_tag}/take-back", 404, 403,            403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{ev_user1}/deactivate",   302,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{admin_user}/deactivate", 409,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{foreign_user}/deactivate", 404,                  403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{ev_user1}/reactivate",   302,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{foreign_user}/reactivate", 404,                  403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{ev_user1}/delete",       200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{foreign_user}/delete",   404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{ev_user2}/delete",       "302:/users",           403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{admin_user}/delete",     409,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{foreign_user}/delete",   404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{ev_user1}/personal-data.json", 200,              403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{admin_user}/personal-data.json", 422,            403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{foreign_user}/personal-data.json", 404,          403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{ev_user1}/personal-data.xlsx", 200,              403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{foreign_user}/personal-data.xlsx", 404,          403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{ev_user1}/erase",        200,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("GET",  "/users/{foreign_user}/erase",    404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{ev_user2}/erase",        "302:/users",           403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{admin_user}/erase",      422,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    ("POST", "/users/{foreign_user}/erase",    404,                    403,              403,              404,                TO_LOGIN, TO_LOGIN),
    # a payment service's routes (tests/integrations/test_payment_sessions.py) take its
    # signature, not a login: unsigned, 401 whoever is logged in; another company's, 404
    ("POST", "/integrations/{payment}/sessions", 401,                  401,              401,              401,                401,      401),
    ("POST", "/integrations/{foreign_payment}/sessions", 404,          404,              404,              404,                404,      404),
    ("DELETE", "/integrations/{payment}/sessions/order-1", 401,        401,              401,              401,                401,      401),
    ("DELETE", "/integrations/{foreign_payment}/sessions/order-1", 404, 404,             404,              404,                404,      404),
]

CASES = [
    pytest.param(method, path, role, expected, id=f"{method} {path} as {role}")
    for method, path, *codes in MATRIX
    for role, expected in zip(ROLES, codes, strict=True)
]


_ROW_WORLD: dict[tuple[str, str], World] = {}
# POST answers that change nothing: a logged-in user sent on from a login step, a user with
# no second factor sent back to its page.
SENT_ON = {"302:/", "302:/account/two-factor"}


@pytest.fixture
def row_world(request: pytest.FixtureRequest, app: Flask) -> Iterator[World]:
    """One world per row, shared by its roles: building a world costs more than the request.
    A POST that did something (not refused, not sent to log in) leaves the next case a
    fresh world, so that each role meets the same data."""
    params = request.node.callspec.params
    row = (params["method"], params["path"])
    if row not in _ROW_WORLD:
        _ROW_WORLD.clear()
        _ROW_WORLD[row] = build_world(app)
    yield _ROW_WORLD[row]
    expected = str(params["expected"])
    if params["method"] == "POST" and not expected.startswith(("4", TO_LOGIN)) \
            and expected not in SENT_ON:
        _ROW_WORLD.clear()


def _client_as(role: str, world: World, portal):
    client = portal(world.a)
    if role == "foreign_admin":
        foreign = portal(world.b)
        assert foreign.login(world.b.email(Role.ADMIN)).status_code == 302
        client.use_session_cookie(foreign.session_cookie())
    elif role != "anonymous":
        assert client.login(world.a.email(R[role])).status_code == 302
    return client


def _site_nodes(app: Flask, world: World) -> dict[str, str]:
    """The navigator's keys of company A's two sites and of a site of company B."""
    keys = {}
    for company, name, placeholder in ((world.a, "Site one", "site1_node"),
                                       (world.a, "Site two", "site2_node"),
                                       (world.b, "Site one", "foreign_node")):
        with company_scope(app, company):
            site = db.session.scalar(select(Site).where(Site.name == name))
            keys[placeholder] = f"site:{site.id}"
    return keys


@pytest.mark.parametrize(("method", "path", "role", "expected"), CASES)
def test_route_answers_each_role_as_the_table_says(
    method: str, path: str, role: str, expected: int | str, row_world: World, portal,
    app: Flask,
) -> None:
    world = row_world
    client = _client_as(role, world, portal)
    url = path.format(site1=world.a.station_site1, site2=world.a.station_site2,
                      foreign=world.b.own_station, operation="Reset", token="not-a-token",
                      tag=world.a.driver_tag_id, foreign_tag=world.b.driver_tag_id,
                      **(topology_ids(portal, world) if "_id}" in path else {}),
                      **(_site_nodes(app, world) if "_node}" in path else {}),
                      **(session_ids(app, world) if _names_a_session(path) else {}),
                      **(_review_ids(app, world) if "/sessions/review/{" in path else {}),
                      **(_report_ids(app, world) if "_report}" in path else {}),
                      **(_alarm_ids(app, world) if "/alarms/{" in path else {}),
                      **(_user_ids(app, world) if path.startswith("/users/") else {}),
                      **(_payment_ids(app, world) if "payment}" in path else {}),
                      **(_service_ids(app, world) if "service}" in path else {}),
                      **(_driver_month(app, world) if "{driver_month}" in path else {}))
    if method == "GET":
        response = client.get(url)
    elif method == "PUT":
        response = client.client.put(url, base_url=client.base_url, data=b"file")
    elif method == "DELETE":
        response = client.client.delete(url, base_url=client.base_url)
    else:
        response = client.post(url, csrf_from="/login" if role in {"anonymous", "foreign_admin"}
                               else "/account/password")
    status, _, location = str(expected).partition(":")
    assert response.status_code == int(status), response.get_data()[:500]
    if location:
        assert response.headers["Location"].split("?")[0] == location
    body = response.get_data().decode(errors="replace")  # a floor map is an image
    assert world.b.shared_station_name not in body  # nothing of company B ever shows on A
    if response.status_code == 403:
        assert "You are not allowed to see this page." in body


def _names_a_session(path: str) -> bool:
    return any(f"{name}}}" in path for name in ("{session1", "{session2", "{foreign_session"))


def session_ids(app: Flask, world: World) -> dict[str, int]:
    """Ids of the sessions the session rows name (see MATRIX): company A's and company B's
    session of the world (on Site one), and one on company A's Site two, once per world."""
    found = {}
    for company, placeholder in ((world.a, "session1"), (world.b, "foreign_session")):
        with company_scope(app, company):
            found[placeholder] = db.session.scalar(select(ChargingSession.id)
                                                   .order_by(ChargingSession.id))
    with company_scope(app, world.a):
        site2 = stations.find(world.a.station_site2)
        session = db.session.scalar(select(ChargingSession)
                                    .where(ChargingSession.station_id == site2.id))
        if session is None:
            session = ChargingSession(station=site2, outlet=site2.outlets[0], id_tag="SITE2",
                                      started_at=utcnow(), meter_start=0)
            charging_sessions.number(session)
        found["session2"] = session.id
    return found


def _driver_month(app: Flask, world: World) -> dict[str, str]:
    """The month (YYYY-MM, the company's zone is UTC) of company A's driver's session."""
    with company_scope(app, world.a):
        started = db.session.scalar(select(ChargingSession.started_at)
                                    .where(ChargingSession.user_id.is_not(None)))
    return {"driver_month": started.strftime("%Y-%m")}


def _review_ids(app: Flask, world: World) -> dict[str, int]:
    """Sessions closed for review (see MATRIX): on company A's two sites, and one of B's."""
    def closed(company: Company, charge_box_id: str) -> int:
        with company_scope(app, company):
            station = stations.find(charge_box_id)
            session, _ = charging_sessions.start(station, 1, "TAG", 0, utcnow())
            charging_sessions.close_for_review(session, utcnow(), "Never stopped.")
            return session.id

    return {"review1": closed(world.a, world.a.station_site1),
            "review2": closed(world.a, world.a.station_site2),
            "foreign_review": closed(world.b, world.b.station_site1)}


def _report_ids(app: Flask, world: World) -> dict[str, int]:
    """Kept monthly reports (see MATRIX): company A's, its two sites', and company B's, once
    per world. Rows as the clock keeps them; their bytes are no matter to who reads them."""
    def kept(company: Company, site_name: str | None) -> int:
        with company_scope(app, company):
            site = db.session.scalar(select(Site).where(Site.name == site_name))
            report = db.session.scalar(select(MonthlyReport).where(
                MonthlyReport.site_id == site.id if site else MonthlyReport.site_id.is_(None)))
            if report is None:
                report = MonthlyReport(site=site, month=date(2026, 1, 1), size=4, pdf=b"%PDF")
                db.session.add(report)
                db.session.flush()
            return report.id

    return {"company_report": kept(world.a, None), "site1_report": kept(world.a, "Site one"),
            "site2_report": kept(world.a, "Site two"), "foreign_report": kept(world.b, None)}


def _alarm_ids(app: Flask, world: World) -> dict[str, int]:
    """Open alarms (see MATRIX): on company A's two sites' stations, and one of B's."""
    def open_alarm(company: Company, charge_box_id: str) -> int:
        with company_scope(app, company):
            station = stations.find(charge_box_id)
            cause = alarms.Cause(AlarmKind.TEMPERATURE, AlarmSeverity.WARNING, "Too hot.")
            alarms.raise_alarm(station.tenant_id, cause, charge_box_id, station=station)
            return db.session.scalar(select(Alarm.id).where(
                Alarm.node == charge_box_id, Alarm.cleared_at.is_(None)))

    return {"alarm1": open_alarm(world.a, world.a.station_site1),
            "alarm2": open_alarm(world.a, world.a.station_site2),
            "foreign_alarm": open_alarm(world.b, world.b.station_site1)}


def _user_ids(app: Flask, world: World) -> dict[str, int | str]:
    """The users the users rows name (see MATRIX): company A's driver, put on Site one,
    an EV user on Site two (added once per world), company A's administrator, company B's
    driver."""
    with company_scope(app, world.a) as tenant:
        driver = users.find_by_email(world.a.email(Role.EV_USER))
        site1, site2 = (sites.find_or_create(tenant, name) for name in ("Site one", "Site two"))
        driver.site = site1
        far = users.find_by_email(f"far@{world.a.slug}.example") or users.create(
            tenant, email=f"far@{world.a.slug}.example", password=PASSWORD, role=Role.EV_USER,
            site=site2)
        found: dict[str, int | str] = {
            "ev_user1": driver.id, "ev_user2": far.id, "ev_role": Role.EV_USER.value,
            "admin_user": users.find_by_email(world.a.email(Role.ADMIN)).id}
        db.session.commit()
    with company_scope(app, world.b):
        found["foreign_user"] = users.find_by_email(world.b.email(Role.EV_USER)).id
    return found


def _payment_ids(app: Flask, world: World) -> dict[str, int]:
    """Company A's and company B's payment service (see MATRIX), added once per world."""
    def service_id(company: Company) -> int:
        with company_scope(app, company) as tenant:
            service = db.session.scalar(select(ThirdPartyService).where(
                ThirdPartyService.name == "Easypark")) or third_party.create(
                tenant, third_party.ServiceValues(
                    kind=ServiceKind.PAYMENT, name="Easypark", url="https://pay.example.com/",
                    secret="payment-secret-0123456789", id_tag="EASYPARK"))
            return service.id

    return {"payment": service_id(world.a), "foreign_payment": service_id(world.b)}


def _service_ids(app: Flask, world: World) -> dict[str, int]:
    """A disabled webhook of company A and one of company B (see MATRIX), added once per
    world."""
    def webhook(company: Company) -> int:
        with company_scope(app, company) as tenant:
            found = db.session.scalar(select(ThirdPartyService.id).where(
                ThirdPartyService.name == "ERP"))
            return found or third_party.create(tenant, third_party.ServiceValues(
                kind=ServiceKind.WEBHOOK, name="ERP", url="https://erp.example/hook",
                secret="s" * 16, events=("session.ended",), enabled=False)).id

    return {"service": webhook(world.a), "foreign_service": webhook(world.b)}


def topology_ids(portal, world: World) -> dict[str, int]:
    """Ids of the sites, floors and outlets the settings rows name (see MATRIX); each site
    gets a floor "Level 1" with a floor map, once per world."""
    app = portal(world.a).client.application

    def ids(company: Company) -> dict[str, int]:
        with app.app_context():
            tenant = db.session.get(Tenant, company.tenant_id)
            with tenant_scope(tenant):
                found = {}
                for number, site_name in ((1, "Site one"), (2, "Site two")):
                    site = db.session.scalar(select(Site).where(Site.name == site_name))
                    floor = next((floor for floor in site.floors if floor.name == "Level 1"),
                                 None) or sites.add_floor(site, "Level 1")
                    floor_maps.set_image(floor, _PNG)
                    station_key = company.station_site1 if number == 1 else company.station_site2
                    found[f"site{number}_id"], found[f"floor{number}_id"] = site.id, floor.id
                    found[f"outlet{number}_id"] = stations.find(station_key).outlets[0].id
                db.session.commit()
                return found

    own, foreign = ids(world.a), ids(world.b)
    return {**own, "foreign_site_id": foreign["site1_id"],
            "foreign_floor_id": foreign["floor1_id"], "foreign_outlet_id": foreign["outlet1_id"]}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3)).save(out, "PNG")
    return out.getvalue()


_PNG = _png()


TOKENS = ("admin", "support", "monitor", "foreign_admin", "none")
T = {"admin": Role.ADMIN, "support": Role.SUPPORT, "monitor": Role.MONITOR}
CLEAR_CACHE = {"action": "ClearCache", "payload": {}}

API_MATRIX = [
    # A command to a station is sent, and finds it offline (the in-process app holds no socket).
    # method path                                   admin support monitor foreign_admin none
    ("GET",  "/api/v1/stations",                    200,  200,    200,    401,          401),
    ("GET",  "/api/v1/stations/{site1}",            200,  200,    200,    401,          401),
    ("GET",  "/api/v1/stations/{site2}",            200,  200,    200,    401,          401),
    ("GET",  "/api/v1/stations/{foreign}",          404,  404,    404,    401,          401),
    ("POST", "/api/v1/stations/{site1}/commands",   409,  409,    403,    401,          401),
    ("POST", "/api/v1/stations/{foreign}/commands", 404,  404,    403,    401,          401),
    ("GET",  "/api/v1/transactions",                200,  200,    200,    401,          401),
    ("GET",  "/api/v1/openapi.json",                200,  200,    200,    200,          200),
]

TOKEN_CASES = [
    pytest.param(method, path, token, expected, id=f"{method} {path} with {token} token")
    for method, path, *codes in API_MATRIX
    for token, expected in zip(TOKENS, codes, strict=True)
]


@pytest.fixture(scope="module")
def api_world(app: Flask) -> World:
    """One world for the API's rows: what they change (commands to offline stations) changes
    no answer."""
    return build_world(app)


@pytest.mark.parametrize(("method", "path", "token", "expected"), TOKEN_CASES)
def test_api_route_answers_each_token_role_as_the_table_says(
    method: str, path: str, token: str, expected: int, app: Flask, api_world: World
) -> None:
    world = api_world
    secret = (new_token(app, world.b, Role.ADMIN) if token == "foreign_admin"
              else new_token(app, world.a, T[token]) if token in T else None)
    url = path.format(site1=world.a.station_site1, site2=world.a.station_site2,
                      foreign=world.b.own_station)
    api = Api(app, world.a, secret)
    response = api.get(url) if method == "GET" else api.post(url, CLEAR_CACHE)
    assert response.status_code == expected, response.get_data(as_text=True)[:500]
    assert world.b.shared_station_name not in response.get_data(as_text=True)
    if response.status_code >= 400:
        assert {"error", "message"} <= set(response.get_json()), response.get_json()


def test_the_tables_cover_every_user_role_and_every_token_role() -> None:
    assert set(R.values()) == set(users.USER_ROLES)
    assert set(T.values()) == set(api_tokens.TOKEN_ROLES)


# A value for each placeholder of the tables' paths that the route's converter takes, so
# that the guard finds each row's route without a world (the tests fill in the world's own).
# An id not named here is a number.
_SAMPLES = {"site1": "CP-SITE1", "site2": "CP-SITE2", "foreign": "CP-company-b",
            "operation": "Reset", "token": "not-a-token", "ev_role": "ev_user",
            "driver_month": "2026-01", "site1_node": "site:1", "site2_node": "site:2",
            "foreign_node": "site:3"}


def routes_without_a_row(app: Flask, rows: list[tuple], prefix: str = "/") -> set[tuple[str, str]]:
    """(endpoint, method) of every route of the app under `prefix` that no row reaches.

    Each row's path, its placeholders filled with samples, is matched against the app's URL
    map as a request would be, so that a row counts for exactly the route and method it
    reaches: `/statistics/energy.csv` for `/statistics/<chart>.csv`, `POST /users/1/edit`
    for the POST of `/users/<int:user_id>/edit` and for nothing else. Rows that reach no
    route (a 404 or 405 by design) count for none."""
    adapter = app.url_map.bind("localhost")
    reached = set()
    for method, path, *_ in rows:
        url = re.sub(r"\{(\w+)\}", lambda name: _SAMPLES.get(name[1], "1"), path)
        try:
            endpoint, _ = adapter.match(url.split("?")[0], method=method)
        except (NotFound, MethodNotAllowed):
            continue
        reached.add((endpoint, method))
    # Not in the tables: static files, served as they are, and stations' sockets (their
    # handshake, with every refusal, is tests/ocpp/test_handshake.py).
    routes = {(rule.endpoint, method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith(prefix) and not rule.websocket
              and rule.endpoint.split(".")[-1] != "static"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    return routes - reached


def test_matrix_covers_every_route_of_the_app(app: Flask) -> None:
    missing = routes_without_a_row(app, MATRIX)
    assert not missing, f"routes missing from MATRIX: {sorted(missing)}"


def test_api_matrix_covers_every_api_route(app: Flask) -> None:
    missing = routes_without_a_row(app, API_MATRIX, prefix="/api/")
    assert not missing, f"API routes missing from API_MATRIX: {sorted(missing)}"


def test_the_guard_reports_a_route_added_without_a_row(database_url: str) -> None:
    fresh = create_app({"DATABASE_URL": database_url, "SQLALCHEMY_DATABASE_URI": database_url,
                        "SQLALCHEMY_ENGINE_OPTIONS": config.engine_options(database_url),
                        "SECRET_KEY": "test-secret-key", "PORTAL_DOMAIN": "localhost"})
    assert routes_without_a_row(fresh, MATRIX) == set()

    def view() -> str:
        return ""

    # a new path under a known one, a new method on a known path, a new JSON endpoint
    fresh.add_url_rule("/users/<int:user_id>/impersonate", "users.impersonate", view,
                       methods=["POST"])
    fresh.add_url_rule("/audit/<int:entry_id>/delete", "audit.delete", view, methods=["POST"])
    fresh.add_url_rule("/tags/<int:tag_id>/edit", "tags.put", view, methods=["PUT"])
    fresh.add_url_rule("/api/v1/stations/<charge_box_id>", "api.delete_station", view,
                       methods=["DELETE"])
    expected = {("users.impersonate", "POST"), ("audit.delete", "POST"), ("tags.put", "PUT"),
                ("api.delete_station", "DELETE")}
    assert routes_without_a_row(fresh, MATRIX) == expected
    assert routes_without_a_row(fresh, API_MATRIX, prefix="/api/") == {
        ("api.delete_station", "DELETE")}
    with fresh.app_context():
        db.engine.dispose()

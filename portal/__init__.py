"""Plugboard: the Flask application factory."""

from __future__ import annotations

import logging
from typing import Any

from dotenv import load_dotenv
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

import ocpp_ws
from portal import config, headers
from portal.config import PROJECT_ROOT


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application from the environment, with `overrides` on top (tests)."""
    load_dotenv(PROJECT_ROOT / ".env")
    overrides = overrides or {}
    settings = config.load()
    settings.update(overrides)
    app = Flask(
        __name__,
        instance_path=str(config.INSTANCE_DIR),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(config.flask_config(settings))
    app.config.update(overrides)  # tests may set Flask's own keys too
    logging.basicConfig(level=app.config["LOG_LEVEL"])
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # chatty at start
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        config.INSTANCE_DIR.mkdir(exist_ok=True)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)

    _init_extensions(app)
    headers.init_app(app)
    _register_blueprints(app)
    ocpp_ws.init_app(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from portal import database, input_rules
    from portal.auth import login
    from portal.extensions import bootstrap, csrf, db, limiter, migrate, sock
    from portal.services import live, session_days
    from tenants import resolve

    db.init_app(app)
    database.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    input_rules.init_app(app)
    limiter.init_app(app)
    sock.init_app(app)
    app.config.setdefault("BOOTSTRAP_SERVE_LOCAL", True)
    bootstrap.init_app(app)
    resolve.init_app(app)
    login.init_app(app)
    live.init_app(app)
    session_days.listen()


def _register_blueprints(app: Flask) -> None:
    from portal import api, integrations
    from portal.blueprints import (
        account,
        alarms,
        audit,
        charging_profiles,
        configuration,
        connections,
        dashboard,
        errors,
        firmware,
        formatting,
        live,
        messages,
        my,
        navigation,
        operations,
        public,
        reservations,
        review,
        services,
        session_detail,
        sessions,
        settings,
        sso,
        station_files,
        stations,
        statistics,
        tags,
        tokens,
        topology,
        users,
    )

    for blueprint in (public.bp, account.bp, dashboard.bp, stations.bp, connections.bp, my.bp,
                      api.bp, tokens.bp, operations.bp, reservations.bp, tags.bp,
                      configuration.bp, firmware.bp, station_files.bp, charging_profiles.bp,
                      live.bp, topology.bp, settings.bp, sessions.bp, session_detail.bp,
                      messages.bp, review.bp, statistics.bp, alarms.bp, sso.bp, users.bp,
                      audit.bp, integrations.bp, services.bp):
        app.register_blueprint(blueprint)
    errors.init_app(app)
    navigation.init_app(app)
    formatting.init_app(app)


def _register_cli(app: Flask) -> None:
    from portal.cli import register

    register(app)

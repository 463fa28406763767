"""CMT Schools: Compassionate Mind Training for UK schools."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask.logging import default_handler
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Defaults, load_or_create_secret_key, normalise_database_url
from .core.paths import bundled_folder


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, instance/config.py, CMT_* environment, then `test_config`.

    Nothing here touches the database, the network or the disk beyond reading config and,
    the first time only, writing the instance's secret key.
    """
    instance_path = os.environ.get("CMT_INSTANCE_PATH") or None
    if test_config and test_config.get("INSTANCE_PATH"):
        instance_path = str(test_config["INSTANCE_PATH"])
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        template_folder=str(bundled_folder("templates")),
        static_folder=str(bundled_folder("static")),
    )
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("CMT")
    if os.environ.get("DATABASE_URL") and "CMT_DATABASE_URL" not in os.environ:
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if test_config:
        app.config.update(test_config)
    _finish_config(app)

    from .database import init_database
    from .extensions import csrf, db, limiter, migrate

    init_database(app)
    migrate.init_app(app, db, directory=str(bundled_folder("migrations")), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)

    from .accounts.sessions import has_signed_in_user, init_sessions
    from .core.access import init_access
    from .core.dates import init_dates
    from .core.errors import init_errors
    from .core.headers import init_headers
    from .core.inputs import init_inputs
    from .core.navigation import init_navigation
    from .core.static_files import init_static_files
    from .core.urls import init_urls
    from .core.wording import init_wording

    init_inputs(app)  # bounded id converters before any route; input checks before all else
    init_sessions(app)  # session timeouts run before the access check
    init_access(app)
    init_headers(app)
    # Versioned, long-cached static files; compressed responses where no one is signed in.
    init_static_files(app, signed_in=has_signed_in_user)
    init_errors(app)
    init_navigation(app)
    init_dates(app)
    init_urls(app)
    init_wording(app)
    _register_blueprints(app)

    from .renders import init_renders

    init_renders(app)  # after the blueprints: their features have registered their renders

    from .cli import cmt

    app.cli.add_command(cmt)
    return app


def _finish_config(app: Flask) -> None:
    config = app.config
    url = config.get("DATABASE_URL") or config.get("SQLALCHEMY_DATABASE_URI")
    if not url:
        url = "sqlite:///" + str(Path(app.instance_path) / "cmt.sqlite3")
    config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        from .database import make_instance_folder_for, sqlite_engine_options

        make_instance_folder_for(config["SQLALCHEMY_DATABASE_URI"], app.instance_path)

        options = sqlite_engine_options(config["SQLITE_BUSY_TIMEOUT_MS"])
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, **config["SQLALCHEMY_ENGINE_OPTIONS"]}
    else:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            **config["SQLALCHEMY_ENGINE_OPTIONS"],
        }
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = load_or_create_secret_key(Path(app.instance_path))
    if config["LOCAL_DEVELOPMENT"]:
        config["SESSION_COOKIE_SECURE"] = False
    config["RATELIMIT_ENABLED"] = config.get("RATELIMIT_ENABLED", True)
    if str(config["RATELIMIT_STORAGE_URI"]).startswith(("redis", "rediss", "valkey")):
        # A Redis that stops answering must not hold every sign-in and join up for long.
        timeout = float(config["RATELIMIT_STORAGE_TIMEOUT"])
        config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            **config.get("RATELIMIT_STORAGE_OPTIONS", {}),
        }
    if config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=int(config["PROXY_FIX_X_FOR"]), x_proto=1)
    if not app.debug:
        logging.getLogger("cmt_schools").setLevel(logging.INFO)
        app.logger.setLevel(logging.INFO)
    # Flask-Limiter says when its storage stops answering and it counts in memory instead;
    # its logger has no handler of its own, so it writes where the app's log goes.
    limiter_logger = logging.getLogger("flask-limiter")
    if not any(type(h) is not logging.NullHandler for h in limiter_logger.handlers):
        limiter_logger.addHandler(default_handler)


# Features in dependency order (docs/architecture.md): each may use those before it, never
# after; tests/test_architecture.py checks it. The audit log comes first: every feature,
# accounts included, records events in it.
FEATURES = (
    "audit",
    "accounts",
    "renders",
    "curriculum",
    "scheduling",
    "runner",
    "checkins",
    "packs",
    "reports",
    "onboarding",
    "trusts",
    "home",
)


def _register_blueprints(app: Flask) -> None:
    """Import each feature's models (for migrations) and register its blueprint, if it has one."""
    for feature in FEATURES:
        for module_name in ("models", "views"):
            name = f"{__name__}.{feature}.{module_name}"
            if importlib.util.find_spec(name) is None:
                continue
            module = importlib.import_module(name)
            if module_name == "views":
                app.register_blueprint(module.bp)

"""Warming a web process before its first request (see `cmt_schools.wsgi`)."""

from __future__ import annotations

import gc
import logging
import time
from datetime import date

from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import configure_mappers

from .curriculum.loader import load_curriculum
from .extensions import db
from .scheduling.services.calendar import NATION_SUBDIVISIONS, bank_holidays

log = logging.getLogger(__name__)


def warm_up(app: Flask) -> dict[str, float]:
    """Do once, now, what each first request of a kind would do; seconds each part took.

    A database that cannot be reached is logged, not raised: the process still starts,
    and `/healthz` tells the operator (the connection is then opened by a first request).
    """
    took: dict[str, float] = {}

    def timed(part: str, work) -> None:
        started = time.perf_counter()
        work()
        took[part] = time.perf_counter() - started

    timed("curriculum", load_curriculum)
    timed("templates", lambda: _compile_templates(app))
    timed("url map", app.url_map.update)
    timed("mappers", configure_mappers)
    timed("bank holidays", _read_bank_holidays)
    timed("database", lambda: _open_connection(app))
    # What start-up made would otherwise be walked by the collector's first full pass,
    # inside a request (100 ms and more, seen in the first dashboard after a warm-up);
    # frozen, it is left out of every later pass too.
    timed("collector", _collect_and_freeze)
    log.info(
        "warm: %s", ", ".join(f"{part} {seconds * 1000:.0f} ms" for part, seconds in took.items())
    )
    return took


def _compile_templates(app: Flask) -> None:
    environment = app.jinja_env
    for name in environment.list_templates():
        environment.get_template(name)


def _read_bank_holidays() -> None:
    """Each nation's, this year and next: the calendar and the dashboard show both, and
    the library loads its UK rules on first use."""
    this_year = date.today().year
    for nation in NATION_SUBDIVISIONS:
        for year in (this_year, this_year + 1):
            bank_holidays(nation, year)


def _collect_and_freeze() -> None:
    gc.collect()
    gc.freeze()


def _open_connection(app: Flask) -> None:
    """One connection into the pool, so the first request finds it open (and SQLAlchemy
    has read the server's version and settings, which it does on a pool's first connect)."""
    with app.app_context():
        try:
            with db.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            log.warning("warm: the database could not be reached (%s)", type(error).__name__)

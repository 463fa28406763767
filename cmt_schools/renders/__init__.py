"""Files made ahead, off the request: lesson and term packs, term summaries.

A download looks its file up in the store by key (a hash of what it shows). Found: sent at
once. Not found: a render is queued for a worker (once, whoever asks; queue.py) and the
user sees a page that checks again every few seconds and then gives the file
(downloads.py). Changes that alter what a file shows queue its render ahead (ahead.py), so
that most downloads find the file waiting. Features say what they render and when
(jobs.py); this package knows none of them.
"""

from __future__ import annotations

from flask import Flask, current_app

from .jobs import RenderJob, each_day, every_few_minutes, plans_ahead, renderer, watch

__all__ = [
    "RenderJob",
    "each_day",
    "every_few_minutes",
    "init_renders",
    "plans_ahead",
    "queue_of",
    "renderer",
    "watch",
]


def init_renders(app: Flask) -> None:
    from ..core.health import add_health_part
    from . import ahead
    from .queue import RenderQueue, health_advice

    app.extensions["cmt_renders"] = RenderQueue(app)
    ahead.listen()
    add_health_part(
        "render_worker",
        lambda: current_app.extensions["cmt_renders"].health_state(),
        frozenset({"ok", "inline"}),
        health_advice,
    )


def queue_of(app: Flask):
    return app.extensions["cmt_renders"]

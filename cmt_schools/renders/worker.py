"""The worker: `flask --app app cmt worker`, beside the web app (`make run` starts both).

It runs Huey's consumer with a few threads. On start it queues today's files for every
school (a deployment may have changed a lesson or a template: their packs are new files);
then it renders what web requests ask for and what changes make due, finalises check-ins
that closed by the clock every five minutes, and renders the next day's files each
morning. A thread of its own writes a heartbeat every 30 seconds: web requests that find
no recent heartbeat render files themselves rather than wait for a worker that is not there.
"""

from __future__ import annotations

import logging
import os
import threading

from flask import Flask
from flask.logging import default_handler

from .jobs import daily_scopes

logger = logging.getLogger("cmt_schools.renders")


def run_worker(app: Flask, threads: int) -> None:
    queue = app.extensions["cmt_renders"]
    if queue.inline:
        raise RuntimeError(
            "RENDER_QUEUE_URL is 'inline': files are rendered in each request and there is "
            "no queue for a worker. Unset it (an SQLite queue in the instance folder) or set "
            "it to a redis:// URL."
        )
    # The app's log (Flask's handler, to stderr) says what was made; Huey's own lines go
    # there too, at INFO: each task as it starts and ends.
    huey_logger = logging.getLogger("huey")
    huey_logger.setLevel(logging.INFO)
    if default_handler not in huey_logger.handlers:
        huey_logger.addHandler(default_handler)
    if app.config["RENDER_WORKER_NICENESS"] > 0:
        os.nice(app.config["RENDER_WORKER_NICENESS"])  # renders give way to web requests
    stop = threading.Event()
    queue.start_heartbeat(stop)
    if app.config["RENDER_WARM_ON_START"]:
        with app.app_context():
            queue.schedule_ahead(daily_scopes())
    consumer = queue.huey.create_consumer(workers=threads, worker_type="thread", periodic=True)
    logger.info("renders: worker started with %d threads on %s", threads, queue.status()["queue"])
    try:
        consumer.run()  # until SIGINT or SIGTERM
    finally:
        stop.set()

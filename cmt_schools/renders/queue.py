"""The render queue: Huey, with its storage chosen by one setting (RENDER_QUEUE_URL).

- unset: an SQLite file in the instance folder (`render-queue.sqlite3`), for one machine
  and `make run`;
- `redis://...`: Redis, for several web hosts and workers;
- `inline`: no queue; every file is rendered in the request that wants it (tests).

Web requests never wait for a render. They ask for a file (`request`): a claim on its key
(an atomic put-if-empty in the queue's storage) makes sure one render per file is queued at
a time, whoever asks and on whichever host; the worker renders, keeps the file in the store
and lifts the claim. A claim older than CLAIM_STALE_SECONDS (a worker killed mid-render) is
taken over. A render that fails leaves a failure mark for FAILURE_SECONDS, so a progress
page says so instead of waiting for ever, and the next request after that tries again.

If no worker has been heard from for WORKER_SILENT_SECONDS, or the queue cannot be reached,
the request renders the file itself (and the log and /healthz say why): slower for that
user, never a download that does not come.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from flask import Flask
from huey import MemoryHuey, RedisHuey, SqliteHuey, crontab
from redis import ConnectionPool
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from .jobs import RenderJob, Scope, daily_scopes, planned, render, routine_work
from .store import is_stored, keep_job

logger = logging.getLogger("cmt_schools.renders")

CLAIM_STALE_SECONDS = 15 * 60
FAILURE_SECONDS = 5 * 60
WORKER_SILENT_SECONDS = 150
HEARTBEAT_SECONDS = 30
HEARTBEAT_KEY = "worker-heartbeat"


def make_huey(app: Flask):
    config = app.config
    url = config.get("RENDER_QUEUE_URL") or ""
    name = config["RENDER_QUEUE_NAME"]
    if url == "inline":
        return MemoryHuey(name, immediate=True)
    if url.startswith(("redis://", "rediss://", "unix://")):
        timeout = float(config["RENDER_QUEUE_TIMEOUT"])
        # The worker's blocking read waits a second for work: the socket must wait longer.
        pool = ConnectionPool.from_url(
            url, socket_connect_timeout=timeout, socket_timeout=max(timeout, 5.0)
        )
        return RedisHuey(name, connection_pool=pool)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
    elif url:
        raise ValueError(f"RENDER_QUEUE_URL must be inline, redis://... or sqlite:///...: {url}")
    else:
        path = Path(app.instance_path) / "render-queue.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), timeout=float(config["RENDER_QUEUE_TIMEOUT"]))


class RenderQueue:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.inline = app.config.get("RENDER_QUEUE_URL") == "inline"
        self.ahead_delay = float(app.config["RENDER_AHEAD_DELAY_SECONDS"])
        self._huey = None
        self._building = threading.Lock()

    @property
    def huey(self):
        """The Huey instance, made on first use (its SQLite storage creates its file and
        tables when made: never in the app factory)."""
        if self._huey is None:
            with self._building:
                if self._huey is None:
                    huey = make_huey(self.app)
                    self.render_task = huey.task(name="render")(self._render_task)
                    self.ahead_task = huey.task(name="ahead")(self._ahead_task)
                    # Each morning, today's files: "overdue" lessons and the summary's week
                    # move on with the date alone.
                    daily = crontab(hour="4", minute="30")
                    huey.periodic_task(daily, name="daily")(self._daily_task)
                    routine = crontab(minute="*/5")
                    huey.periodic_task(routine, name="routine")(self._routine_task)
                    self._huey = huey
        return self._huey

    # ------------------------------------------------------------ asked by web requests

    def request(self, job: RenderJob) -> str:
        """Make sure `job` is rendered: "queued" (a worker will), "rendered" (here, now: no
        worker to ask), or "failed" (it failed a moment ago; shown, not retried yet)."""
        if self.inline:
            return self.render_here(job)
        try:
            if self.failure(job.key) is not None:
                return "failed"
            if not self.worker_alive():
                logger.warning("renders: no worker is running; rendering %s here", job.what)
                return self.render_here(job)
            if self._claim(job.key):
                try:
                    self.render_task(job)
                except Exception:
                    self._release(job.key)
                    raise
            return "queued"
        except SQLAlchemyError:  # the app's own database: not the queue's, so no fallback
            raise
        except Exception as error:  # the queue's storage is down: never leave the user waiting
            logger.warning("renders: the queue cannot be reached (%s); rendering here", error)
            return self.render_here(job)

    def render_here(self, job: RenderJob) -> str:
        try:
            content = render(job)
        except Exception:
            logger.exception("renders: %s could not be made", job.what)
            return "failed"
        keep_job(job, content)
        return "rendered"

    def failure(self, key: str) -> float | None:
        failed_at = self.huey.get(f"failed:{key}", peek=True)
        if failed_at is None or time.time() - failed_at > FAILURE_SECONDS:
            return None
        return failed_at

    def schedule_ahead(self, scopes: set[Scope]) -> None:
        """Queue each scope's renders (after a short wait that gathers a burst of changes
        into one: a scope already waiting is not queued twice)."""
        for kind, scope_id in sorted(scopes):
            marker = f"ahead:{kind}:{scope_id}"
            if not self._put_marker(marker):
                continue
            try:
                self.ahead_task.schedule(args=(kind, scope_id), delay=self.ahead_delay)
            except Exception:
                self.huey.delete(marker)
                raise

    # ------------------------------------------------------------ the worker's side

    def render_claimed(self, job: RenderJob) -> None:
        """Render a job this process has claimed, keep it, lift the claim."""
        try:
            if is_stored(job.key):
                return
            started = time.perf_counter()
            content = render(job)
            keep_job(job, content)
            logger.info(
                "renders: made %s (%d KB) in %.1f s",
                job.what,
                len(content) // 1024,
                time.perf_counter() - started,
            )
        except Exception:
            db.session.rollback()
            self.huey.put(f"failed:{job.key}", time.time())
            logger.exception("renders: %s could not be made", job.what)
        finally:
            self._release(job.key)

    def render_ahead(self, scope: Scope) -> int:
        """Render every file the scope plans that is not in the store; how many were made."""
        made = 0
        for job in planned(scope):
            if is_stored(job.key) or not self._claim(job.key):
                continue
            self.render_claimed(job)
            made += 1
        return made

    def beat(self) -> None:
        self.huey.put(HEARTBEAT_KEY, time.time())

    def worker_alive(self) -> bool:
        heard = self.huey.get(HEARTBEAT_KEY, peek=True)
        return heard is not None and time.time() - heard < WORKER_SILENT_SECONDS

    def start_heartbeat(self, stop: threading.Event) -> threading.Thread:
        """Tell web requests a worker is here, every HEARTBEAT_SECONDS, from a thread of its
        own (a beat queued as a task would wait behind long renders)."""

        def beat_until_stopped() -> None:
            while True:
                try:
                    self.beat()
                except Exception as error:
                    logger.warning("renders: could not write the heartbeat: %s", error)
                if stop.wait(HEARTBEAT_SECONDS):
                    return

        thread = threading.Thread(target=beat_until_stopped, name="heartbeat", daemon=True)
        thread.start()
        return thread

    def health_state(self) -> str:
        """For /healthz: "ok" (a worker was heard from), "inline", "not running" or
        "unreachable" (downloads are then rendered by the web workers)."""
        if self.inline:
            return "inline"
        try:
            return "ok" if self.worker_alive() else "not running"
        except Exception:
            return "unreachable"

    def status(self) -> dict:
        heard = self.huey.get(HEARTBEAT_KEY, peek=True)
        return {
            "queue": "inline" if self.inline else type(self.huey.storage).__name__,
            "waiting": self.huey.pending_count(),
            "scheduled": self.huey.scheduled_count(),
            "worker_last_seen_seconds_ago": None if heard is None else round(time.time() - heard),
        }

    # ------------------------------------------------------------ tasks (run by the worker)

    def _render_task(self, job: RenderJob) -> None:
        with self.app.app_context():
            try:
                self.render_claimed(job)
            finally:
                db.session.remove()

    def _ahead_task(self, kind: str, scope_id: int) -> None:
        # Lifted first: a change made while these render queues its own round.
        self.huey.delete(f"ahead:{kind}:{scope_id}")
        with self.app.app_context():
            try:
                self.render_ahead((kind, scope_id))
            finally:
                db.session.remove()

    def _daily_task(self) -> None:
        with self.app.app_context():
            try:
                self.schedule_ahead(set(daily_scopes()))
            finally:
                db.session.remove()

    def _routine_task(self) -> None:
        for work in routine_work():
            with self.app.app_context():
                try:
                    work()
                except Exception:
                    logger.exception("renders: routine work %s failed", work.__name__)
                finally:
                    db.session.remove()

    # ------------------------------------------------------------ claims

    def _claim(self, key: str) -> bool:
        return self._put_marker(f"render:{key}")

    def _release(self, key: str) -> None:
        self.huey.delete(f"render:{key}")

    def _put_marker(self, marker: str) -> bool:
        """Set a marker if none is set (atomic, in the queue's storage), taking over one
        left so long ago that whoever set it must have died."""
        if self.huey.put_if_empty(marker, time.time()):
            return True
        placed = self.huey.get(marker, peek=True)
        if placed is not None and time.time() - placed > CLAIM_STALE_SECONDS:
            self.huey.delete(marker)
            return self.huey.put_if_empty(marker, time.time())
        return False


def health_advice(state: str) -> str:
    if state == "not running":
        return (
            "no render worker has been heard from; start `flask --app app cmt worker` (README). "
            "Until then each pack and summary is rendered by the web worker that is asked for it"
        )
    return (
        "the render queue's storage (RENDER_QUEUE_URL) does not answer; downloads are rendered "
        "by the web workers until it does"
    )

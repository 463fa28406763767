"""A class answering at once, and a whole school in a burst, against a real server.

gunicorn with two workers (four threads each) serves the app on the test's database
(SQLite file or PostgreSQL). Every pupil is a separate device (its own cookies and
connection) that loads the form and sends it, with a marker user agent, from the loopback
address 127.0.0.42. Afterwards: every acknowledged answer set is stored exactly once, the
server log has no "database is locked", and neither the marker nor the address is in the
database, the server log or the rate-limit storage.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter
from sqlalchemy import func, select, text

from cmt_schools.checkins.models import AnswerSet
from cmt_schools.extensions import db

from .checkins_fixtures import SAVED, form_fields, make_class, open_for
from .conftest import start_server, stop_server

pytestmark = pytest.mark.slow

PUPIL_ADDRESS = "127.0.0.42"
MARKER = "CMT-Burst-Marker/9.1 (quokka-7f3e)"
ANSWERS = {"w1": "2", "w2": "3", "c1": "4", "c2": "2", "s1": "4", "g1": "5"}


class _FromPupilAddress(HTTPAdapter):
    """Connect from 127.0.0.42, so the pupils' address is distinct from everything else."""

    def init_poolmanager(self, connections, maxsize, block=False, **kwargs):
        kwargs["source_address"] = (PUPIL_ADDRESS, 0)
        super().init_poolmanager(connections, maxsize, block, **kwargs)


def pupil_device() -> requests.Session:
    device = requests.Session()
    device.mount("http://", _FromPupilAddress())
    device.headers["User-Agent"] = MARKER
    return device


def load_form(device: requests.Session, base: str, code: str) -> dict[str, str]:
    page = device.get(f"{base}/join/{code}", timeout=30)
    assert page.status_code == 200, page.status_code
    return form_fields(page.text)


RESENT: list[str] = []  # submissions a dropped connection made the pupil send again


def send(device: requests.Session, base: str, code: str, fields: dict) -> tuple[str, bool]:
    """The pupil presses Send; if the connection drops before an answer (a busy shared
    machine can reset one), they press it again, as the page asks: the same form, the same
    submission id, so the resend stores nothing twice."""
    for attempt in range(2):
        try:
            response = device.post(f"{base}/join/{code}", data={**fields, **ANSWERS}, timeout=60)
        except requests.ConnectionError:
            if attempt:
                raise
            RESENT.append(fields["submission_id"])
            continue
        return fields["submission_id"], response.status_code == 200 and SAVED in response.text
    raise AssertionError("unreachable")


def loaded_form(base: str, code: str) -> tuple[dict, dict[str, str]]:
    """One pupil's form, loaded on their device: its cookies and the form's hidden fields.

    Every pupil loads their own form: a form token is good for its own form's submission id
    only (one loaded page, one answer set).
    """
    with pupil_device() as device:
        fields = load_form(device, base, code)
        return device.cookies.get_dict(), fields


def pupil(base: str, code: str, form: tuple[dict, dict[str, str]]) -> tuple[str, bool]:
    """The device sending its loaded form: its own connection and its own cookies."""
    cookies, fields = form
    with pupil_device() as device:
        device.cookies.update(cookies)
        return send(device, base, code, fields)


@pytest.fixture
def redis_storage():
    """Rate-limit storage the test can read afterwards: Redis when there is one."""
    url = os.environ.get("CMT_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CMT_REQUIRE_SERVICES") == "1":
            pytest.fail("CMT_TEST_REDIS_URL is required in CI")
        yield None
        return
    import redis

    prefix = "cmt-burst-" + secrets.token_hex(4)
    client = redis.Redis.from_url(url)
    yield client, url, prefix
    keys = client.keys(f"*{prefix}*")
    if keys:
        client.delete(*keys)


def stored_count(check_in_ids: list[int]) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count()).select_from(AnswerSet).where(AnswerSet.check_in_id.in_(check_in_ids))
    )


def database_text(backend: str) -> bytes:
    """Everything the database holds, as bytes to search: the files, or every table's rows."""
    if backend == "sqlite":
        path = Path(db.engine.url.database)
        return b"".join(
            Path(str(path) + suffix).read_bytes()
            for suffix in ("", "-wal", "-shm")
            if Path(str(path) + suffix).exists()
        )
    chunks = []
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            rows = connection.execute(text(f'SELECT * FROM "{table.name}"')).all()  # noqa: S608
            chunks.append(repr(rows).encode())
    return b"\n".join(chunks)


def test_a_class_at_once_and_a_school_in_a_burst_are_all_stored_and_leave_no_trace(
    app, backend, tmp_path, make_teacher, redis_storage
):
    teacher = make_teacher()
    classroom = open_for(make_class(teacher, name="7A", year_group=7), teacher)
    school = [open_for(make_class(teacher, name=f"C{i}"), teacher) for i in range(50)]
    # Interleaved, as a school's classes answer side by side.
    codes = [checkin.join_code for _ in range(30) for checkin in school]
    db.session.rollback()  # hold no read transaction open while the server writes
    extra_env = {}
    if redis_storage:
        _, redis_url, prefix = redis_storage
        extra_env = {"CMT_RATELIMIT_STORAGE_URI": redis_url, "CMT_RATELIMIT_KEY_PREFIX": prefix}
    base, process, log_path = start_server(
        tmp_path / "server", app.config["SQLALCHEMY_DATABASE_URI"], workers=2, extra_env=extra_env
    )
    try:
        # 30 pupils in one room: every form loaded, then all sent at the same moment.
        devices = [pupil_device() for _ in range(30)]
        forms = [load_form(device, base, classroom.join_code) for device in devices]
        start = threading.Barrier(30)

        def at_once(index: int) -> tuple[str, bool]:
            start.wait()
            return send(devices[index], base, classroom.join_code, forms[index])

        with ThreadPoolExecutor(max_workers=30) as pool:
            room = list(pool.map(at_once, range(30)))
        for device in devices:
            device.close()
        assert all(saved for _, saved in room)
        assert stored_count([classroom.id]) == 30

        # 1,500 pupils across 50 check-ins, as fast as the machine allows. (Every pupil's
        # form is loaded first, so the burst is the submissions.)
        with ThreadPoolExecutor(max_workers=8) as pool:
            forms = list(pool.map(lambda code: loaded_form(base, code), codes))
        with ThreadPoolExecutor(max_workers=32) as pool:
            burst = list(pool.map(lambda job: pupil(base, *job), zip(codes, forms, strict=True)))
        # A few mistyped codes from the same network, so the limiter has something stored.
        with pupil_device() as device:
            for guess in ("AAAAAA", "CCCCCC", "DDDDDD"):
                assert device.get(f"{base}/join/{guess}", timeout=10).status_code == 404
    finally:
        stop_server(process)

    acknowledged = [submission for submission, saved in burst if saved]
    assert len(acknowledged) == 1500, f"{1500 - len(acknowledged)} were not acknowledged"
    # A resend is a pupil's right, not a way for the server to get by: a handful at most.
    assert len(RESENT) <= 15, f"{len(RESENT)} connections dropped before an answer"
    db.session.rollback()
    stored = set(
        db.session.scalars(
            select(AnswerSet.id).where(AnswerSet.check_in_id.in_([c.id for c in school]))
        )
    )
    assert stored == set(acknowledged) and stored_count([c.id for c in school]) == 1500

    log = log_path.read_text(errors="replace")
    assert "database is locked" not in log
    assert "Traceback" not in log
    assert re.search(r"Booting worker", log)  # the log is the server's, and was written
    for trace in (MARKER, PUPIL_ADDRESS):
        assert trace not in log, f"{trace} is in the server log"
        assert trace.encode() not in database_text(backend), f"{trace} is in the database"
    if redis_storage:
        client, _, prefix = redis_storage
        keys = client.keys(f"*{prefix}*")
        assert keys, "the wrong codes left nothing in the limiter storage"
        for key in keys:
            kind = client.type(key).decode()
            values = (
                client.lrange(key, 0, -1)
                if kind == "list"
                else client.zrange(key, 0, -1)
                if kind == "zset"
                else client.hgetall(key)
                if kind == "hash"
                else [client.get(key)]
            )
            blob = key + repr(values).encode()
            assert PUPIL_ADDRESS.encode() not in blob and MARKER.encode() not in blob

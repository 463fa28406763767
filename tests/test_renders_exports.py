"""The school's data export made by the render worker: a link of its own for each export,
a progress page until the worker has made it, the file sent once and then deleted from the
store, never another school's file by its link, and unsent files deleted after an hour.
The queue is Huey on SQLite or Redis (tests/test_renders.py)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

from sqlalchemy import func, select, update

from cmt_schools.audit.models import AuditEvent
from cmt_schools.core.dates import utcnow
from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.onboarding import exports
from cmt_schools.renders import store
from cmt_schools.renders.models import RenderedFile

from . import test_renders
from .test_renders import BOTH_QUEUES, nothing_rendered, queued, run_queued, sign_in, stored_keys

# Fixtures: a queue of the test's own, and a school with a class and its staff.
queue_url, queue_name = test_renders.queue_url, test_renders.queue_name
app_config, queue = test_renders.app_config, test_renders.queue
school_with_class = test_renders.school_with_class

LINK = re.compile(r"/school/data/export\.zip\?request=[0-9a-f]{64}$")


def exports_logged(school_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.school_id == school_id, AuditEvent.action == "school.data_exported")
    )


def school_ids_in(archive: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        lines = opened.read("school.csv").decode("utf-8-sig").splitlines()
    return {line.split(",")[0] for line in lines[1:]}


@BOTH_QUEUES
def test_an_export_is_made_by_the_worker_sent_once_then_deleted(app, queue, school_with_class):
    school, lead, _teacher, _four_r = school_with_class
    nothing_rendered(queue)
    queue.beat()  # a worker is running
    client = sign_in(app, lead)

    asked = client.get("/school/data/export.zip")
    assert asked.status_code == 302 and LINK.search(asked.headers["Location"])
    link = asked.headers["Location"]
    waiting = client.get(link)
    assert waiting.status_code == 202
    page = waiting.get_data(as_text=True)
    assert "Making the export of your school&#39;s data" in page
    # The lead is told the export does not wait for them as a pack would.
    assert "deleted once you have downloaded it, or after an hour" in page
    assert "the file will be kept" not in page
    assert [name for name, _ in queued(queue)] == ["render"]
    assert exports_logged(school.id) == 0  # nothing read yet

    assert run_queued(queue) == 1
    assert exports_logged(school.id) == 1  # made, and logged as made by the lead
    assert "is ready" in client.get(link + "&wait=1").get_data(as_text=True)
    archive = client.get(link)
    assert archive.status_code == 200 and archive.mimetype == "application/zip"
    assert archive.headers["Content-Disposition"].startswith('attachment; filename="cmt-data-')
    assert school_ids_in(archive.data) == {str(school.id)}
    assert stored_keys(exports.KIND) == set(), "sent once, then deleted from the store"

    second = client.get("/school/data/export.zip")
    assert second.headers["Location"] != link  # every export is a link of its own


def test_a_link_passed_to_another_school_makes_their_own_export(
    app, queue, school_with_class, make_school, make_lead
):
    school, lead, _teacher, _four_r = school_with_class
    other = make_lead(make_school("Elsewhere"))
    nothing_rendered(queue)
    queue.beat()
    ours = sign_in(app, lead)
    link = ours.get("/school/data/export.zip").headers["Location"]
    assert ours.get(link).status_code == 202
    run_queued(queue)  # our file is in the store, not yet sent

    theirs = sign_in(app, other)
    assert theirs.get(link).status_code == 202  # not ours: theirs is queued
    run_queued(queue)
    archive = theirs.get(link)
    assert school_ids_in(archive.data) == {str(other.school_id)}
    assert school_ids_in(ours.get(link).data) == {str(school.id)}


def test_a_link_that_is_not_an_export_request_is_404(app, school_with_class):
    _school, lead, _teacher, _four_r = school_with_class
    client = sign_in(app, lead)
    for bad in ("x", "0" * 63, "G" * 64, "0" * 65, "../" * 22):
        assert (
            client.get("/school/data/export.zip", query_string={"request": bad}).status_code == 404
        )


def test_exports_left_unsent_are_deleted_after_an_hour(app, school_with_class):
    school, _lead, _teacher, _four_r = school_with_class
    store.keep("old", kind=exports.KIND, school_id=school.id, content=b"PK")
    store.keep("new", kind=exports.KIND, school_id=school.id, content=b"PK")
    store.keep("pack", kind="pack", school_id=school.id, content=b"%PDF")
    begin_write()
    db.session.execute(
        update(RenderedFile)
        .where(RenderedFile.key.in_(["old", "pack"]))
        .values(created_at=utcnow() - exports.UNSENT_FOR - timedelta(minutes=1))
    )
    db.session.commit()
    exports.forget_unsent_exports()
    assert stored_keys() == {"new", "pack"}  # an old pack is not an export: it stays

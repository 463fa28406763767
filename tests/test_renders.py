"""Packs and term summaries rendered off the request, by a real queue (Huey) and worker.

The queue is Huey on an SQLite file of the test's own, or on Redis (CMT_TEST_REDIS_URL) under
a name of the test's own; the app's database is SQLite and PostgreSQL (when set). Queued
tasks run through Huey's own execution path: in this process (`run_queued`), or in a real
worker process (`flask --app app cmt worker`) for the end-to-end tests at the bottom.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cmt_schools.audit.models import AuditEvent
from cmt_schools.checkins import staff as checkin_staff
from cmt_schools.curriculum.loader import load_curriculum
from cmt_schools.extensions import db
from cmt_schools.packs.ahead import term_pack_job
from cmt_schools.packs.services import PackRefused
from cmt_schools.renders import queue as render_queue
from cmt_schools.renders import queue_of, store
from cmt_schools.renders.models import RenderedFile
from cmt_schools.reports.ahead import summary_job
from cmt_schools.runner.services import Viewer, record_delivery
from cmt_schools.scheduling.services.changes import set_occurrence_status

from .conftest import PASSWORD
from .reports_fixtures import make_term
from .test_packs import add_class, occurrences_of

ROOT = Path(__file__).resolve().parent.parent
TODAY = datetime.now(UTC).date()
LESSONS = [("ks2/07-giving-receiving", "scheduled"), ("ks2/08-blocks-and-toolkit", "scheduled")]
REDIS_URL = os.environ.get("CMT_TEST_REDIS_URL")


BOTH_QUEUES = pytest.mark.parametrize("queue_url", ["sqlite-queue", "redis-queue"], indirect=True)


@pytest.fixture
def queue_url(request, tmp_path) -> str:
    """The queue's storage: an SQLite file, or Redis for the tests marked BOTH_QUEUES."""
    if getattr(request, "param", "sqlite-queue") == "sqlite-queue":
        return f"sqlite:///{tmp_path / 'render-queue.sqlite3'}"
    if not REDIS_URL:
        if os.environ.get("CMT_REQUIRE_SERVICES") == "1":
            pytest.fail("CMT_TEST_REDIS_URL is required in CI")
        pytest.skip("CMT_TEST_REDIS_URL is not set")
    return REDIS_URL


@pytest.fixture
def queue_name() -> str:
    return "cmt-test-" + secrets.token_hex(4)


@pytest.fixture
def app_config(queue_url, queue_name) -> dict:
    return {
        "RENDER_QUEUE_URL": queue_url,
        "RENDER_QUEUE_NAME": queue_name,
        "RENDER_AHEAD": True,
        "RENDER_AHEAD_DELAY_SECONDS": 0,
    }


@pytest.fixture
def queue(app):
    render_queue_of_app = queue_of(app)
    yield render_queue_of_app
    render_queue_of_app.huey.storage.flush_all()  # a shared Redis keeps nothing of ours


@pytest.fixture
def school_with_class(make_school, make_lead, make_teacher):
    school = make_school()
    lead, teacher = make_lead(school), make_teacher(school)
    make_term(school, "This term", TODAY - timedelta(days=60), TODAY + timedelta(days=60))
    start = TODAY + timedelta(days=1)
    four_r = add_class(school, teacher, "4R", 4, LESSONS, start=start)
    return school, lead, teacher, four_r


def sign_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def queued(queue) -> list[tuple[str, tuple]]:
    return sorted((task.name.rpartition(".")[2], task.args) for task in queue.huey.pending())


def run_queued(queue) -> int:
    """Run every queued task through Huey, as a worker would; how many ran."""
    ran = 0
    while (task := queue.huey.dequeue()) is not None:
        queue.huey.execute(task)
        ran += 1
    return ran


def stored_keys(kind: str | None = None) -> set[str]:
    db.session.rollback()
    statement = select(RenderedFile.key)
    if kind:
        statement = statement.where(RenderedFile.kind == kind)
    return set(db.session.scalars(statement))


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def downloads_logged(school_id: int, action: str) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.school_id == school_id, AuditEvent.action == action)
    )


def drain(queue) -> None:
    """Start from an empty queue: what setting the school up queued is dropped."""
    queue.huey.storage.flush_all()
    assert queue.huey.pending_count() == 0


def nothing_rendered(queue) -> None:
    """An empty queue and an empty store: the next download must wait for its file."""
    drain(queue)
    db.session.execute(db.delete(RenderedFile))
    db.session.commit()


# ---------------------------------------------------------------- a download not ready


@BOTH_QUEUES
def test_a_download_not_ready_shows_progress_then_the_file_rendered_once(
    app, queue, school_with_class
):
    school, lead, _teacher, _four_r = school_with_class
    nothing_rendered(queue)
    queue.beat()  # a worker is running
    client = sign_in(app, lead)

    started = time.perf_counter()
    waiting = client.get("/reports/term-summary.pdf")
    assert waiting.status_code == 202
    assert waiting.headers["Retry-After"] == "3"
    assert waiting.mimetype == "text/html"
    page = waiting.get_data(as_text=True)
    assert "Making the term summary for This term" in page
    assert "come back later: the file will be kept" in page
    assert 'http-equiv="refresh" content="3; url=/reports/term-summary.pdf?wait=1"' in page
    assert [name for name, _ in queued(queue)] == ["render"]
    assert client.get("/reports/term-summary.pdf?wait=1").status_code == 202
    assert client.get("/reports/term-summary.pdf").status_code == 202
    assert len(queue.huey.pending()) == 1, "one render per file, however often it is asked"
    assert time.perf_counter() - started < 5  # no request rendered anything
    assert stored_keys("summary-pdf") == set()

    assert run_queued(queue) == 1
    ready = client.get("/reports/term-summary.pdf?wait=1")
    assert ready.status_code == 200
    page = ready.get_data(as_text=True)
    assert "The term summary for This term is ready" in page
    assert 'content="0; url=/reports/term-summary.pdf"' in page
    assert 'href="/reports/term-summary.pdf">Download it</a>' in page
    assert downloads_logged(school.id, "report.download") == 0

    pdf = client.get("/reports/term-summary.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert 'filename="term-summary-this-term.pdf"' in pdf.headers["Content-Disposition"]
    assert "This term" in pdf_text(pdf.data) and school.name in pdf_text(pdf.data)
    assert len(stored_keys("summary-pdf")) == 1
    assert downloads_logged(school.id, "report.download") == 1
    assert queue.huey.pending_count() == 0


def test_a_pack_that_is_asked_for_while_it_renders_is_not_queued_again(
    app, queue, school_with_class
):
    _school, _lead, teacher, four_r = school_with_class
    nothing_rendered(queue)
    queue.beat()
    client = sign_in(app, teacher)
    url = f"/packs/class/{four_r.id}/term.pdf"
    assert client.get(url).status_code == 202
    assert client.get(url).status_code == 202
    assert [name for name, _ in queued(queue)] == ["render"]
    run_queued(queue)
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "4R" in pdf_text(response.data)


def test_with_no_worker_the_request_renders_the_file_itself(app, queue, school_with_class, caplog):
    _school, lead, _teacher, _four_r = school_with_class
    nothing_rendered(queue)
    client = sign_in(app, lead)  # no heartbeat: no worker has been heard from
    response = client.get("/reports/term-summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "no worker is running" in caplog.text
    assert len(stored_keys("summary-pdf")) == 1  # kept: the next download is instant


def test_a_queue_that_cannot_be_reached_means_rendering_here(app, school_with_class, caplog):
    _school, lead, _teacher, _four_r = school_with_class
    app.config["RENDER_QUEUE_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
    app.extensions["cmt_renders"] = render_queue.RenderQueue(app)
    response = sign_in(app, lead).get("/reports/term-summary.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "the queue cannot be reached" in caplog.text


def _closed_port() -> int:
    from .conftest import free_port

    return free_port()  # bound a moment ago and released: nothing listens there


def test_a_render_that_fails_says_so_and_is_tried_again_later(
    app, queue, school_with_class, monkeypatch
):
    _school, lead, _teacher, _four_r = school_with_class
    nothing_rendered(queue)
    queue.beat()
    client = sign_in(app, lead)
    assert client.get("/reports/term-summary.pdf").status_code == 202

    def broken(_html):
        raise RuntimeError("the renderer fell over")

    monkeypatch.setattr("cmt_schools.reports.ahead.render_pdf", broken)
    run_queued(queue)
    failed = client.get("/reports/term-summary.pdf?wait=1")
    assert failed.status_code == 503
    page = failed.get_data(as_text=True)
    assert "could not be made" in page and "http-equiv" not in page  # no endless refresh
    assert queue.huey.pending_count() == 0

    monkeypatch.undo()
    monkeypatch.setattr(render_queue, "FAILURE_SECONDS", 0)
    assert client.get("/reports/term-summary.pdf").status_code == 202  # queued afresh
    run_queued(queue)
    assert client.get("/reports/term-summary.pdf").mimetype == "application/pdf"


def test_a_claim_left_by_a_dead_worker_is_taken_over(app, queue, school_with_class, monkeypatch):
    school, _lead, _teacher, four_r = school_with_class
    job = term_pack_job(school, four_r)
    nothing_rendered(queue)
    queue.beat()
    queue.huey.put(f"render:{job.key}", time.time() - render_queue.CLAIM_STALE_SECONDS - 1)
    assert queue.request(job) == "queued"
    assert [name for name, _ in queued(queue)] == ["render"]
    queue.huey.put(f"render:{job.key}", time.time())  # a live claim: left alone
    run_queued(queue)
    assert job.key in stored_keys("pack")


# ---------------------------------------------------------------- what changes queue


def test_a_plan_change_queues_its_class_and_renders_its_packs_and_summary(
    app, queue, school_with_class
):
    school, _lead, teacher, four_r = school_with_class
    drain(queue)
    first, second = occurrences_of(four_r)
    set_occurrence_status(second, "skip", user=teacher)
    set_occurrence_status(first, "cancel", user=teacher)
    # Two changes in a moment: one round of renders for the class.
    assert queued(queue) == [("ahead", ("class", four_r.id))]

    run_queued(queue)
    db.session.rollback()
    four_r = db.session.get(type(four_r), four_r.id)
    from cmt_schools.accounts.models import School

    school = db.session.get(School, school.id)
    with pytest.raises(PackRefused, match="no lessons scheduled"):
        term_pack_job(school, four_r)  # both lessons off: no term pack to make
    assert summary_job(school, _term(school), TODAY).key in stored_keys("summary-pdf")


@BOTH_QUEUES
def test_a_lesson_put_back_has_its_term_pack_ready_before_it_is_asked_for(
    app, queue, school_with_class
):
    school, _lead, teacher, four_r = school_with_class
    drain(queue)
    second = occurrences_of(four_r)[1]
    set_occurrence_status(second, "skip", user=teacher)
    run_queued(queue)
    set_occurrence_status(occurrences_of(four_r)[1], "restore", user=teacher)
    assert queued(queue) == [("ahead", ("class", four_r.id))]
    run_queued(queue)
    expected = term_pack_job(school, four_r).key
    assert expected in stored_keys("pack")

    client = sign_in(app, teacher)
    response = client.get(f"/packs/class/{four_r.id}/term.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert queue.huey.pending_count() == 0  # served from the store: nothing rendered
    assert "Blocks and my toolkit" in pdf_text(response.data)  # the lesson put back


def test_a_recorded_delivery_queues_the_schools_summary(app, queue, school_with_class):
    school, _lead, teacher, four_r = school_with_class
    drain(queue)
    occurrence = occurrences_of(four_r)[0]
    steps = load_curriculum().lesson(occurrence.lesson_key).steps
    record_delivery(
        occurrence.id,
        Viewer(user_id=teacher.id, school_id=school.id, role="teacher"),
        delivered_on=TODAY,
        minutes_taken=30,
        outcomes=["taught"] * len(steps),
        note="",
        today=TODAY,
    )
    assert ("ahead", ("summary", school.id)) in queued(queue)
    run_queued(queue)
    assert summary_job(school, _term(school), TODAY).key in stored_keys("summary-pdf")
    page = summary_job(school, _term(school), TODAY, "html").key
    assert page in stored_keys("summary-html")  # the page's figures too


def _figures(page: str) -> str:
    """The summary page's figures: what the store holds, without the page around them."""
    return page[page.index('<div class="panel notice">') : page.index("</main>")]


def test_the_summary_page_is_worked_out_once_then_read_from_the_store(
    app, queue, school_with_class, monkeypatch
):
    _school, lead, teacher, four_r = school_with_class
    nothing_rendered(queue)
    client = sign_in(app, lead)
    first = client.get("/reports/term-summary").get_data(as_text=True)
    assert "Whole school" in first and "4R" in first
    assert len(stored_keys("summary-html")) == 1

    def not_again(*_args, **_kwargs):
        raise AssertionError("the summary was worked out again")

    monkeypatch.setattr("cmt_schools.reports.ahead.summarise_term", not_again)
    again = client.get("/reports/term-summary")
    assert again.status_code == 200
    assert _figures(again.get_data(as_text=True)) == _figures(first)

    monkeypatch.undo()
    set_occurrence_status(occurrences_of(four_r)[0], "skip", user=teacher)  # its counts change
    changed = client.get("/reports/term-summary").get_data(as_text=True)
    assert _figures(changed) != _figures(first)
    assert len(stored_keys("summary-html")) == 2


def test_planning_a_schools_summary_reads_what_it_shows_once(app, school_with_class, monkeypatch):
    from cmt_schools.reports import ahead

    school, _lead, _teacher, _four_r = school_with_class
    term = _term(school)
    one_by_one = {
        file_format: summary_job(school, term, TODAY, file_format).key
        for file_format in ("html", "pdf", "csv")
    }
    reads = []
    read_inputs = ahead.summary_key

    def counted(*args):
        reads.append(args)
        return read_inputs(*args)

    monkeypatch.setattr(ahead, "summary_key", counted)
    planned = list(ahead.current_summary(school.id))

    assert len(reads) == 1  # one reading of its inputs for the page, the PDF and the CSV
    assert {job.kind: job.key for job in planned} == {
        f"summary-{file_format}": key for file_format, key in one_by_one.items()
    }


@BOTH_QUEUES
def test_a_finalised_checkin_queues_the_schools_summary(app, queue, school_with_class):
    school, _lead, teacher, four_r = school_with_class
    now = datetime.now(UTC)
    checkin = checkin_staff.open_checkin(
        four_r, kind="now", minutes=15, class_size=25, opened_by=teacher, now=now
    )
    drain(queue)
    checkin_staff.close_checkin(checkin, now=now + timedelta(minutes=1), by=teacher)
    assert queued(queue) == [("ahead", ("summary", school.id))]
    run_queued(queue)
    assert summary_job(school, _term(school), TODAY).key in stored_keys("summary-pdf")


def test_pupils_answers_queue_nothing(app, queue, school_with_class):
    from .checkins_fixtures import ALL_THREES, SAVED, pupil_submits

    _school, _lead, teacher, four_r = school_with_class
    checkin = checkin_staff.open_checkin(
        four_r, kind="baseline", minutes=15, class_size=25, opened_by=teacher, now=datetime.now(UTC)
    )
    code = checkin.join_code
    drain(queue)
    for _pupil in range(3):
        sent, _ = pupil_submits(app.test_client(), code, ALL_THREES)
        assert SAVED in sent.get_data(as_text=True)
    assert queue.huey.pending_count() == 0


def _term(school):
    from cmt_schools.scheduling.models import Term

    return db.session.scalars(select(Term).where(Term.school_id == school.id)).one()


# ---------------------------------------------------------------- the store


def test_the_store_keeps_the_newest_files_within_its_limits(app, make_school):
    school = make_school()
    app.config.update(RENDER_STORE_MAX_FILES=2, RENDER_STORE_MAX_BYTES=10_000)
    for index, size in enumerate((100, 200, 300)):
        store.keep(f"k{index}", kind="pack", school_id=school.id, content=b"x" * size)
        time.sleep(0.01)  # distinct creation times
    assert stored_keys() == {"k1", "k2"}
    store.keep("k1", kind="pack", school_id=school.id, content=b"other")  # same key: kept as was
    assert store.stored("k1") == b"x" * 200
    store.keep("big", kind="pack", school_id=school.id, content=b"x" * 20_000)
    assert stored_keys() == {"big"}  # the newest stays, even past the size limit


def test_deleting_a_schools_data_deletes_its_files(app, make_school, make_lead):
    from cmt_schools.onboarding.data import delete_school_data

    school, other = make_school("Oakfield"), make_school("Riverside")
    lead = make_lead(school)
    store.keep("ours", kind="pack", school_id=school.id, content=b"%PDF")
    store.keep("theirs", kind="pack", school_id=other.id, content=b"%PDF")
    delete_school_data(school, lead=lead, confirmation="Oakfield")
    assert stored_keys() == {"theirs"}


# ---------------------------------------------------------------- a real worker process


@pytest.fixture
def worker(app, tmp_path, queue_url, queue_name):
    """`flask --app app cmt worker` on the test's database and queue, until the test ends."""
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "CMT_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CMT_INSTANCE_PATH": app.instance_path,
        "CMT_SECRET_KEY": app.config["SECRET_KEY"],
        "CMT_RENDER_QUEUE_URL": queue_url,
        "CMT_RENDER_QUEUE_NAME": queue_name,
        "CMT_RENDER_AHEAD_DELAY_SECONDS": "0",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "cmt", "worker", "--threads", "2"],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        yield process, log_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(condition, what: str, log_path: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    pytest.fail(f"{what} within {timeout} s; the worker said:\n{log_path.read_text()}")


@BOTH_QUEUES
def test_a_worker_renders_what_a_change_makes_due_once_and_downloads_find_it(
    app, queue, school_with_class, worker
):
    school, lead, teacher, four_r = school_with_class
    process, log_path = worker
    job = term_pack_job(school, four_r)
    db.session.rollback()
    wait_for(lambda: job.key in stored_keys("pack"), "the term pack was not made", log_path)

    set_occurrence_status(occurrences_of(four_r)[1], "skip", user=teacher)
    changed = term_pack_job(school, four_r)
    db.session.rollback()
    assert changed.key != job.key
    wait_for(lambda: changed.key in stored_keys("pack"), "the new term pack not made", log_path)
    summary = summary_job(school, _term(school), TODAY)
    db.session.rollback()
    wait_for(
        lambda: summary.key in stored_keys("summary-pdf"), "the summary was not made", log_path
    )
    assert queue.worker_alive()

    started = time.perf_counter()
    pack = sign_in(app, teacher).get(f"/packs/class/{four_r.id}/term.pdf")
    report = sign_in(app, lead).get("/reports/term-summary.pdf")
    assert time.perf_counter() - started < 10
    assert pack.status_code == 200 and pack.mimetype == "application/pdf"
    assert report.status_code == 200 and report.mimetype == "application/pdf"
    assert "4R" in pdf_text(pack.data)

    log = log_path.read_text()
    assert process.poll() is None, log
    # It renders below the web workers' CPU priority (RENDER_WORKER_NICENESS).
    assert os.getpriority(os.PRIO_PROCESS, process.pid) == os.getpriority(os.PRIO_PROCESS, 0) + 10
    assert len(re.findall(r"made the term pack for 4R ", log)) == 2, log  # once per version
    assert "could not be made" not in log

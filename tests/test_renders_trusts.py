"""A trust's summaries (PDF and CSV) rendered off the request like a school's: a download
not ready waits for the worker, the file is the trust's in the store, a change in a member
school renders the trust's summary ahead, and deleting a school's data deletes the trust's
files that show it. The queue is Huey on SQLite or Redis (tests/test_renders.py)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.onboarding.data import delete_school_data
from cmt_schools.renders.models import RenderedFile
from cmt_schools.reports.ahead import summary_job
from cmt_schools.scheduling.models import Term
from cmt_schools.trusts import services as trusts
from cmt_schools.trusts.ahead import trust_summary_job
from cmt_schools.trusts.models import TrustEvent
from cmt_schools.trusts.terms import default_trust_term

from . import test_renders, test_trusts
from .test_renders import BOTH_QUEUES, nothing_rendered, pdf_text, queued, run_queued, stored_keys
from .test_trusts import sign_in

# Fixtures: a queue of the test's own (test_renders), the Oak trust and its date (test_trusts).
queue_url, queue_name = test_renders.queue_url, test_renders.queue_name
app_config, queue = test_renders.app_config, test_renders.queue
oak, fixed_today = test_trusts.oak, test_trusts.fixed_today

TODAY = date(2026, 11, 23)


def trust_downloads_logged(trust_id: int) -> int:
    db.session.rollback()
    return db.session.scalar(
        select(func.count())
        .select_from(TrustEvent)
        .where(TrustEvent.trust_id == trust_id, TrustEvent.action == "trust.report_download")
    )


def owners(kind: str) -> list[tuple[int | None, int | None]]:
    db.session.rollback()
    return [
        tuple(row)
        for row in db.session.execute(
            select(RenderedFile.school_id, RenderedFile.trust_id).where(RenderedFile.kind == kind)
        )
    ]


@BOTH_QUEUES
def test_a_trust_summary_not_ready_waits_for_the_worker_then_comes_from_the_store(app, queue, oak):
    trust = oak["trust"]
    nothing_rendered(queue)
    queue.beat()  # a worker is running
    client = sign_in(app, oak["user"])
    url = f"/trusts/{trust.id}/summary.pdf"

    waiting = client.get(url)
    assert waiting.status_code == 202 and waiting.mimetype == "text/html"
    page = waiting.get_data(as_text=True)
    assert "Making the trust summary for Autumn 2026" in page
    assert f'url={url}?wait=1"' in page
    assert client.get(url).status_code == 202
    assert [name for name, _ in queued(queue)] == ["render"], "one render, however often asked"
    assert stored_keys("trust-summary-pdf") == set()
    assert trust_downloads_logged(trust.id) == 0

    assert run_queued(queue) == 1
    assert "is ready" in client.get(url + "?wait=1").get_data(as_text=True)
    pdf = client.get(url)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert (
        'filename="trust-summary-oak-learning-trust-autumn-2026.pdf"'
        in (pdf.headers["Content-Disposition"])
    )
    text = pdf_text(pdf.data)
    assert "Oak Learning Trust" in text and "Oakfield" in text and "Riverside" in text
    assert owners("trust-summary-pdf") == [(None, trust.id)]  # the trust's file, no school's
    assert trust_downloads_logged(trust.id) == 1
    assert queue.huey.pending_count() == 0  # served from the store

    assert client.get(f"/trusts/{trust.id}/summary.csv").status_code == 202
    run_queued(queue)
    table = client.get(f"/trusts/{trust.id}/summary.csv")
    assert table.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(table.get_data(as_text=True).lstrip("\ufeff"))))
    assert {row["school"] for row in rows} >= {"Oakfield", "Riverside"}
    assert trust_downloads_logged(trust.id) == 2


def test_a_change_in_a_member_school_renders_its_trusts_summary_ahead(app, queue, oak):
    trust = oak["trust"]
    school, _lead, _teacher = oak["schools"][0]
    nothing_rendered(queue)
    begin_write()
    term = db.session.scalars(select(Term).where(Term.school_id == school.id)).one()
    term.name = "Autumn term 2026"  # still the trust's Autumn 2026: its summary changes
    db.session.commit()
    assert queued(queue) == [("ahead", ("summary", school.id))]

    run_queued(queue)
    today = date.today()
    trust_term = default_trust_term(trusts.terms_of_trust(trust.id), today)
    expected = trust_summary_job(trusts.find_trust(trust.id), trust_term, today, "pdf").key
    assert expected in stored_keys("trust-summary-pdf")
    assert summary_job(school, term, today).key in stored_keys("summary-pdf")


def _figures(page: str) -> str:
    """The trust summary page's figures: what the store holds, without the page around them."""
    return page[page.index('<div class="panel notice">') : page.index("</main>")]


def test_the_trust_summary_page_is_worked_out_once_then_read_from_the_store(
    app, queue, oak, monkeypatch
):
    trust = oak["trust"]
    school, _lead, _teacher = oak["schools"][0]
    nothing_rendered(queue)
    client = sign_in(app, oak["user"])
    url = f"/trusts/{trust.id}/summary"
    first = client.get(url).get_data(as_text=True)
    assert "across 2 schools" in first and "Oakfield" in first and "Riverside" in first
    assert len(stored_keys("trust-summary-html")) == 1
    assert owners("trust-summary-html") == [(None, trust.id)]  # the trust's, no school's

    def not_again(*_args, **_kwargs):
        raise AssertionError("the trust summary was worked out again")

    monkeypatch.setattr(trusts, "summary_for", not_again)
    again = client.get(url)
    assert again.status_code == 200
    assert _figures(again.get_data(as_text=True)) == _figures(first)

    monkeypatch.undo()
    begin_write()
    school.name = "Oakfield Park"  # a member school's summary changes: so does the trust's
    db.session.commit()
    changed = client.get(url).get_data(as_text=True)
    assert "Oakfield Park" in _figures(changed)
    assert len(stored_keys("trust-summary-html")) == 2


def test_planning_a_trusts_summary_reads_each_member_schools_inputs_once(app, oak, monkeypatch):
    from cmt_schools.trusts import ahead

    trust = trusts.find_trust(oak["trust"].id)
    today = ahead.trust_today()
    term = default_trust_term(trusts.terms_of_trust(trust.id), today)
    one_by_one = {f: trust_summary_job(trust, term, today, f).key for f in ("html", "pdf", "csv")}
    reads = []
    read_inputs = ahead.summary_key

    def counted(*args):
        reads.append(args[0].id)
        return read_inputs(*args)

    monkeypatch.setattr(ahead, "summary_key", counted)
    planned = list(ahead.current_trust_summary(trust.id))

    member_ids = [school.id for school, _lead, _teacher in oak["schools"]]
    assert sorted(reads) == sorted(member_ids)  # once each, for its page, PDF and CSV together
    assert {job.kind: job.key for job in planned} == {
        f"trust-summary-{f}": key for f, key in one_by_one.items()
    }


def test_a_school_joining_a_trust_renders_the_trusts_summary_ahead(
    app, queue, oak, make_school, make_lead
):
    trust = oak["trust"]
    newcomer = make_school("Hillside")
    make_lead(newcomer)
    nothing_rendered(queue)
    trusts.add_school_to_trust(trust, newcomer, sees_from=TODAY)
    assert ("ahead", ("trust", trust.id)) in queued(queue)
    run_queued(queue)
    assert len(stored_keys("trust-summary-pdf")) == 1
    assert len(stored_keys("trust-summary-csv")) == 1


@pytest.mark.parametrize("queue_url", ["sqlite-queue"], indirect=True)
def test_deleting_a_member_schools_data_deletes_the_trusts_files_that_show_it(app, queue, oak):
    trust_id, elm_id = oak["trust"].id, oak["elm"].id
    school, lead, _teacher = oak["schools"][0]
    other_school_id = oak["schools"][1][0].id
    nothing_rendered(queue)
    client = sign_in(app, oak["user"])
    assert client.get(f"/trusts/{trust_id}/summary.pdf").status_code == 200  # no worker: here
    assert client.get("/reports/term-summary.pdf").status_code == 404  # (trust staff: no)
    from cmt_schools.renders import store

    store.keep("elm-file", kind="trust-summary-pdf", school_id=None, trust_id=elm_id, content=b"x")
    store.keep("riverside", kind="summary-pdf", school_id=other_school_id, content=b"x")
    assert len(owners("trust-summary-pdf")) == 2

    deleted = delete_school_data(school, lead=lead, confirmation="Oakfield")
    assert deleted["rendered_file (the trust's)"] == 1
    assert owners("trust-summary-pdf") == [(None, elm_id)]  # another trust's stays
    assert owners("summary-pdf") == [(other_school_id, None)]  # and the other school's

"""Every page a lead opens runs the same number of SQL statements whatever the school's size.

A page that loads each class's lessons or teacher one class at a time (an N+1) grows by a
statement or two per class: 17 statements at 8 classes became 107 at 60 on /classes and
/programme before they loaded them together. The demo school (8 classes, lessons taught,
check-ins released) is counted, grown to 20 classes, and counted again: every lead page
without parameters (the PDFs aside: their statements are the summary's, counted on its
page, and their render takes seconds) must run no more statements than before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import event

from cmt_schools.extensions import db
from tests.sized_school import (
    EXPORT_REQUEST,
    LEAD_EMAIL,
    PASSWORD,
    active_classes,
    lead_pages,
    seed_sized_school,
)

TODAY = date(2026, 11, 20)
SMALL, LARGE = 8, 20


@contextmanager
def counting_statements(engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_per_page(app, client, pages: list[str]) -> dict[str, int]:
    counts = {}
    for page in pages:
        client.get(page)  # warm: anything loaded once per process is loaded now
        with counting_statements(db.engine) as statements:
            response = client.get(page)
        assert response.status_code == 200, (page, response.status_code)
        counts[page] = len(statements)
    return counts


def test_lead_pages_run_as_many_statements_at_20_classes_as_at_8(app, client):
    school_id = seed_sized_school(SMALL, today=TODAY)
    assert active_classes(school_id) == SMALL
    client.post("/login", data={"email": LEAD_EMAIL, "password": PASSWORD})
    pages = lead_pages(app)
    export = f"/school/data/export.zip?request={EXPORT_REQUEST}"
    assert {"/classes", "/programme", "/dashboard", export} <= set(pages)
    small = statements_per_page(app, client, pages)

    seed_sized_school(LARGE, today=TODAY)
    assert active_classes(school_id) == LARGE
    large = statements_per_page(app, client, pages)

    # A page may do one-off work on a request now and then (a check-in falling due is
    # finalised by the next page that lists it): count a page that differs twice more,
    # and keep its fewest. A page that loads per class grows on every request.
    for page in [page for page in pages if large[page] > small[page]]:
        recounts = [statements_per_page(app, client, [page])[page] for _ in range(2)]
        large[page] = min(large[page], *recounts)
    grown = {page: (small[page], large[page]) for page in pages if large[page] > small[page]}
    assert not grown, f"statements at {SMALL} and at {LARGE} classes: {grown}"
    # Constant, and few: a page that lists classes needs the classes, their lessons and
    # their teachers, besides the session's own statements.
    assert small["/classes"] <= 10 and small["/programme"] <= 10, small

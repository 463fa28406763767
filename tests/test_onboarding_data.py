"""The lead's data page: what is held, retention, a full export and deleting the school."""

from __future__ import annotations

import csv
import io
import logging
import time
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select

from cmt_schools.accounts.models import School
from cmt_schools.audit.models import AuditEvent
from cmt_schools.checkins import retention
from cmt_schools.checkins.models import AnswerSet, CheckIn, ReleasedFigure
from cmt_schools.core.dates import months_after
from cmt_schools.extensions import db
from cmt_schools.onboarding import data

from .conftest import PASSWORD
from .onboarding_fixtures import fill_school


@pytest.fixture
def two_schools(app, make_lead, make_teacher):
    lead = make_lead(name="Ada Lead")
    teacher = make_teacher(lead.school, name="Tom Teacher")
    other_lead = make_lead(name="Other Lead")
    other_teacher = make_teacher(other_lead.school, name="Otto Teacher")
    ours = fill_school(lead.school, lead, teacher, marker="OURS")
    theirs = fill_school(other_lead.school, other_lead, other_teacher, marker="THEIRS")
    return lead, teacher, other_lead, ours, theirs


def sign_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def make_stale(client):
    with client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - 3600


def rows_per_table(school_id: int) -> dict[str, int]:
    """Rows of every table that belong to the school (the same rule deletion uses)."""
    counts = {}
    for table in db.metadata.sorted_tables:
        condition = data._school_rows(table, school_id)
        if condition is not None:
            counts[table.name] = db.session.scalar(
                select(func.count()).select_from(table).where(condition)
            )
    return counts


def read_zip(payload: bytes) -> dict[str, list[dict]]:
    archive = zipfile.ZipFile(io.BytesIO(payload))
    assert archive.testzip() is None
    tables = {}
    for name in archive.namelist():
        if name.endswith(".csv"):
            text = archive.read(name).decode("utf-8-sig")
            tables[name] = list(csv.DictReader(io.StringIO(text)))
    tables["README.txt"] = archive.read("README.txt").decode()
    return tables


# ---------------------------------------------------------------- the data page


def test_the_data_page_counts_what_is_held_for_this_school_only(app, two_schools):
    lead, _teacher, _other, ours, _theirs = two_schools
    html = sign_in(app, lead).get("/school/data").get_data(as_text=True)
    counts = dict(data.data_counts(lead.school_id))
    assert counts == {
        "Staff accounts": 2,
        "Classes": 2,
        "Lessons scheduled": 3,
        "Delivery records": 1,
        "Check-ins": 2,
        "Pupil answer sets (raw answers)": len(ours.answer_set_ids),
        "Audit log events": counts["Audit log events"],
    }
    assert counts["Audit log events"] >= 1
    for label, n in counts.items():
        assert f'<th scope="row">{label}</th><td class="num">{n}</td>' in html
    assert "ask your administrator to schedule it daily" in html
    assert "Answers older than 24 months are deleted when the purge runs" in html


def test_the_data_page_says_which_answers_the_next_purge_deletes(app, make_lead, make_teacher):
    lead = make_lead()
    teacher = make_teacher(lead.school)
    fill_school(
        lead.school, lead, teacher, marker="OLD", opened_on=date(2024, 1, 10), big=4, small=2
    )
    school = lead.school
    early = data.retention_status(school, today=date(2025, 6, 1))
    assert (early.oldest, early.due, early.cutoff) == (date(2024, 1, 10), 0, date(2023, 6, 1))
    assert early.oldest_due_on == date(2026, 1, 11)
    late = data.retention_status(school, today=date(2026, 3, 1))
    assert late.due == 6 and late.cutoff == date(2024, 3, 1)
    html = sign_in(app, lead).get("/school/data").get_data(as_text=True)
    # The real today is well past January 2026: everything is due.
    assert "The next purge will delete <strong>6</strong> answer sets" in html
    assert "The oldest is from Wednesday 10 January 2024" in html


def test_months_before_keeps_to_real_dates():
    assert data.months_before(date(2026, 3, 31), 1) == date(2026, 2, 28)
    assert data.months_before(date(2026, 1, 15), 24) == date(2024, 1, 15)
    assert data.months_before(date(2024, 2, 29), 12) == date(2023, 2, 28)
    assert data.months_before is retention.months_before  # one rule for page and purge
    assert months_after(date(2025, 12, 31), 2) == date(2026, 2, 28)


def test_teachers_cannot_see_the_data_page(app, two_schools):
    _lead, teacher, *_ = two_schools
    client = sign_in(app, teacher)
    assert client.get("/school/data").status_code == 403


# ---------------------------------------------------------------- export


def test_export_holds_the_schools_data_and_nothing_of_another(app, two_schools):
    lead, teacher, other_lead, ours, theirs = two_schools
    client = sign_in(app, lead)
    response = client.get("/school/data/export.zip", follow_redirects=True)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="cmt-data-')
    tables = read_zip(response.data)

    assert [row["id"] for row in tables["school.csv"]] == [str(lead.school_id)]
    assert {row["email"] for row in tables["staff.csv"]} == {lead.email, teacher.email}
    assert all("password_hash" not in row for row in tables["staff.csv"])
    assert {row["id"] for row in tables["classes.csv"]} == {str(i) for i in ours.class_ids}
    assert len(tables["lessons.csv"]) == 3
    assert len(tables["deliveries.csv"]) == 1 and len(tables["delivery_steps.csv"]) == 2
    assert {row["id"] for row in tables["checkins.csv"]} == {str(i) for i in ours.check_in_ids}
    assert tables["terms.csv"][0]["name"] == "OURS term"
    assert tables["setup_checklist.csv"][0]["item"] == "dsl_briefed"
    assert any(row["detail"] == "OURS event" for row in tables["audit_log.csv"])

    # Nothing of the other school, anywhere in the archive.
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    everything = "\n".join(archive.read(name).decode("utf-8-sig") for name in archive.namelist())
    for foreign in ("THEIRS", other_lead.email, other_lead.name, "Otto Teacher"):
        assert foreign not in everything
    released = tables["checkin_released_figures.csv"]
    assert str(theirs.big_check_in_id) not in {row["check_in_id"] for row in released}

    # Check-ins as released figures only: never a raw answer row, never an exact count,
    # never a small group's figures. Each figure is the one stored, noise and all.
    assert "checkin_tallies.csv" not in tables
    for answer_id in ours.answer_set_ids:
        assert answer_id not in everything
    assert {row["check_in_id"] for row in released} == {str(ours.big_check_in_id)}
    small = next(r for r in tables["checkins.csv"] if r["id"] == str(ours.small_check_in_id))
    assert small["totals"] == "withheld: fewer than 10 answers"
    stored = {
        (str(f.check_in_id), f.measure, f.statistic, str(f.value)): f
        for f in db.session.scalars(select(ReleasedFigure))
    }
    assert len(released) == 43
    for row in released:
        figure = stored[(row["check_in_id"], row["measure"], row["statistic"], row["value"])]
        assert float(row["figure"]) == round(figure.numerator / figure.weight, 4)
        assert float(row["noise_sd"]) == round(figure.noise_sd, 4) > 0
    big = next(r for r in tables["checkins.csv"] if r["id"] == str(ours.big_check_in_id))
    assert big["protection"] == "standard" and big["answer_count"] == "12"

    # Formula-looking cells are neutralised.
    names = {row["name"] for row in tables["classes.csv"]}
    assert "'=HYPERLINK(1)" in names and "=HYPERLINK(1)" not in names
    note = tables["deliveries.csv"][0]["note"]
    assert note == "OURS note: -went well"

    # The export is audited.
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "school.data_exported")
    ).all()
    assert [(e.school_id, e.user_id) for e in events] == [(lead.school_id, lead.id)]
    assert any(row["action"] == "school.data_exported" for row in tables["audit_log.csv"])


def test_csv_cells_that_look_like_formulas_are_neutralised():
    for risky in ("=1+1", "+44 20", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert data.safe_cell(risky) == "'" + risky
    assert data.safe_cell("Plain") == "Plain"
    assert data.safe_cell(-3) == -3
    assert data.safe_cell(None) == ""
    assert data.safe_cell(True) == "yes"


def test_export_filename_is_safe():
    school = School(name='Our "Lady" / St. Mary\'s\r\n<script>')
    assert data.export_filename(school, date(2026, 1, 2)) == (
        "cmt-data-our-lady-st-mary-s-script-2026-01-02.zip"
    )


def test_export_needs_the_lead_role_and_a_fresh_login(app, two_schools):
    lead, teacher, *_ = two_schools
    assert sign_in(app, teacher).get("/school/data/export.zip").status_code == 403
    client = sign_in(app, lead)
    make_stale(client)
    response = client.get("/school/data/export.zip")
    assert response.status_code == 302
    assert "/account/confirm" in response.headers["Location"]
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "school.data_exported")
    ).first()
    confirmed = client.post(
        "/account/confirm", data={"password": PASSWORD, "next": "/school/data/export.zip"}
    )
    assert confirmed.headers["Location"].endswith("/school/data/export.zip")
    assert client.get("/school/data/export.zip", follow_redirects=True).status_code == 200


# ---------------------------------------------------------------- deletion


def test_delete_removes_every_row_of_the_school_and_leaves_others(app, two_schools, caplog):
    lead, _teacher, other_lead, ours, theirs = two_schools
    lead_id, school_name = lead.id, lead.school.name
    before_theirs = rows_per_table(theirs.school_id)
    before_ours = rows_per_table(ours.school_id)
    # Every kind of record the issue names is there to delete.
    for table in (
        "answer_set",
        "check_in",
        "check_in_release",
        "released_figure",
        "lesson_occurrence",
        "school_class",
        "user",
        "school",
        "audit_event",
        "delivery",
        "setup_tick",
    ):
        assert before_ours[table] > 0, table
    client = sign_in(app, lead)
    page = client.get("/school/data/delete")
    assert page.status_code == 200
    wrong = client.post("/school/data/delete", data={"confirmation": "not the name"})
    assert wrong.status_code == 400
    assert "Type the school&#39;s name exactly" in wrong.get_data(as_text=True)
    assert rows_per_table(ours.school_id) == before_ours

    with caplog.at_level(logging.INFO):
        response = client.post("/school/data/delete", data={"confirmation": school_name})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")

    db.session.expire_all()
    assert all(n == 0 for n in rows_per_table(ours.school_id).values())
    assert rows_per_table(theirs.school_id) == before_theirs
    assert db.session.get(School, ours.school_id) is None
    remaining = set(db.session.scalars(select(AnswerSet.id)))
    assert remaining == set(theirs.answer_set_ids)
    assert set(db.session.scalars(select(CheckIn.id))) == set(theirs.check_in_ids)

    # The deletion survives as a log line, with who and which school.
    lines = [r.getMessage() for r in caplog.records if "school.data_deleted" in r.getMessage()]
    assert len(lines) == 1
    assert f"school={ours.school_id} user={lead_id}" in lines[0]
    assert "answer_set:" in lines[0]

    # The lead's session has ended.
    after = client.get("/dashboard")
    assert after.status_code == 302 and "/login" in after.headers["Location"]
    # The other school carries on.
    assert sign_in(app, other_lead).get("/school/data").status_code == 200


def test_delete_needs_the_lead_role_and_a_fresh_login(app, two_schools):
    lead, teacher, _other, ours, _theirs = two_schools
    teacher_client = sign_in(app, teacher)
    assert teacher_client.get("/school/data/delete").status_code == 403
    refused = teacher_client.post("/school/data/delete", data={"confirmation": lead.school.name})
    assert refused.status_code == 403
    client = sign_in(app, lead)
    make_stale(client)
    for response in (
        client.get("/school/data/delete"),
        client.post("/school/data/delete", data={"confirmation": lead.school.name}),
    ):
        assert response.status_code == 302
        assert "/account/confirm" in response.headers["Location"]
    assert db.session.get(School, ours.school_id) is not None

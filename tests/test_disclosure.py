"""Pupils' answers stay private from staff: attacks through the app's own pages and downloads.

Over HTTP, on SQLite and PostgreSQL: the padding attack (a teacher's own 9 answer sets, then
one pupil) and the before/after download attack give no exact answer; the released figures
are stored once and every view (the results page, the term summary page, its CSV and PDF,
the school's export) reads them back identically. A guard refuses any staff request that
reads raw answers, and a crawl of every staff page and download as each role trips it never.
"""

from __future__ import annotations

import csv
import io
import random
import re
import uuid
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select, text

from cmt_schools.checkins import guard, release
from cmt_schools.checkins.models import AnswerSet, CheckIn
from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.reports import synthetic

from .checkins_fixtures import form_fields, released_figures
from .conftest import PASSWORD
from .reports_fixtures import add_checkin, add_lessons, make_class, make_term

TODAY = date(2026, 11, 23)
EXPORT = "d" * 64  # an export request's own key (onboarding/exports.py)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr("cmt_schools.reports.views.staff_today", lambda: TODAY)


def sign_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def exact_statistics(answer_sets, kind="baseline"):
    return {
        (s.measure, s.statistic, s.value): value
        for s, value in release.exact_statistics(kind, answer_sets).items()
    }


# ---------------------------------------------------------------- the guard


def test_the_guard_refuses_a_staff_request_that_reads_raw_answers(app, make_teacher):
    make_teacher()
    with app.test_request_context("/checkins"):
        assert guard.touches_raw_answers("SELECT answer_set.w1 FROM answer_set")
        with pytest.raises(guard.RawAnswersRead):
            db.session.execute(select(AnswerSet.w1)).all()
        db.session.rollback()
        with pytest.raises(guard.RawAnswersRead):
            db.session.execute(text("SELECT * FROM answer_set")).all()
        db.session.rollback()
        # Counting and deleting touch no answer; the release step may read them.
        db.session.execute(text("SELECT count(*) FROM answer_set")).scalar()
        with guard.releasing():
            db.session.execute(select(AnswerSet.w1)).all()
        db.session.rollback()
    with app.test_request_context("/join/ABCDEF"):  # the pupil's own page may
        db.session.execute(select(AnswerSet.w1)).all()
        db.session.rollback()


@pytest.mark.parametrize(
    ("statement", "touches"),
    [
        ("SELECT answer_set.id, answer_set.s1 FROM answer_set WHERE answer_set.id = ?", True),
        ("select * from answer_set", True),
        ("INSERT INTO answer_set (id, check_in_id, w1) VALUES (?, ?, ?)", True),
        ("SELECT count(*) FROM answer_set WHERE answer_set.check_in_id = ?", False),
        ("DELETE FROM answer_set WHERE answer_set.check_in_id IN (?)", False),
        ("SELECT released_figure.measure FROM released_figure", False),
    ],
)
def test_what_the_guard_counts_as_reading_raw_answers(statement, touches):
    assert guard.touches_raw_answers(statement) is touches


@pytest.fixture
def school_with_everything(app, make_school, make_lead, make_teacher):
    """A school with a term of check-ins (answers still held), one open, one due, lessons."""
    school = make_school("Privacy Primary")
    lead = make_lead(school)
    teacher = make_teacher(school)
    term = make_term(school)
    classes = [make_class(school, teacher, name, year) for name, year in (("7A", 7), ("8A", 8))]
    for number, school_class in enumerate(classes):
        rng = random.Random(number)
        for kind, day, wave in (
            ("baseline", date(2026, 9, 9), synthetic.START),
            ("endpoint", date(2026, 11, 18), synthetic.END),
        ):
            add_checkin(
                school_class,
                kind,
                day,
                synthetic.term_answers(rng, 24, wave),
                with_answer_sets=True,
            )
        add_checkin(school_class, "now", date(2026, 9, 16), synthetic.now_answers(rng, 20, 2.8))
    occurrences = add_lessons(classes[0], ["delivered", "scheduled"])
    begin_write()
    moment = datetime.now(UTC)
    open_now = CheckIn(
        school_id=school.id, class_id=classes[1].id, kind="baseline", band="ks3",
        join_code="OPENAA", opened_on=TODAY, closes_at=moment + timedelta(hours=1),
        max_answers=40,
    )  # fmt: skip
    due = CheckIn(
        school_id=school.id, class_id=classes[0].id, kind="now", band="ks3",
        join_code="DUEAAA", opened_on=TODAY, closes_at=moment - timedelta(minutes=5),
        max_answers=40,
    )  # fmt: skip
    db.session.add_all([open_now, due])
    db.session.flush()
    for check_in in (open_now, due):
        for value in (1, 2, 3):
            db.session.add(
                AnswerSet(id=str(uuid.uuid4()), check_in_id=check_in.id, w1=value, right_now=value)
            )
    db.session.commit()
    return {
        "lead": lead,
        "teacher": teacher,
        "term": term,
        "classes": classes,
        "occurrence": occurrences[0],
        "open": open_now,
        "due": due,
        "finalised": db.session.scalars(
            select(CheckIn).where(CheckIn.class_id == classes[0].id, CheckIn.kind == "baseline")
        ).first(),
    }


def _staff_urls(app, data) -> list[str]:
    values = {
        "checkin_id": [data["finalised"].id, data["open"].id, data["due"].id],
        "class_id": [data["classes"][0].id],
        "occurrence_id": [data["occurrence"].id],
        "term_id": [data["term"].id],
        "band": ["ks3"],
        "slug": ["01-what-compassion-is"],
        "topic": ["check-ins"],
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in guard.PUPIL_ENDPOINTS:
            continue
        if rule.endpoint == "static" or not set(rule.arguments) <= set(values):
            continue
        combos = [{}]
        for argument in sorted(rule.arguments):
            combos = [{**c, argument: v} for c in combos for v in values[argument]]
        for combo in combos:
            with app.test_request_context():
                from flask import url_for

                urls.append(url_for(rule.endpoint, **combo))
    term = data["term"].id
    urls += [f"/reports/term-summary?term={term}", f"/reports/term-summary.csv?term={term}"]
    urls += [f"/reports/term-summary.pdf?term={term}", f"/school/data/export.zip?request={EXPORT}"]
    return sorted(set(urls))


def test_no_staff_page_or_download_reads_raw_answers(app, school_with_everything):
    data = school_with_everything
    urls = _staff_urls(app, data)
    assert len(urls) > 30
    seen = {}
    for role in ("teacher", "lead"):
        client = sign_in(app, data[role])
        for url in urls:
            response = client.get(url)
            # The guard raises RawAnswersRead: a 500, or the exception itself in tests.
            assert response.status_code < 500, (role, url)
            seen[(role, url)] = response.status_code
    assert seen[("lead", f"/school/data/export.zip?request={EXPORT}")] == 200
    assert seen[("teacher", f"/checkins/{data['finalised'].id}/results")] == 200
    # The crawl released the due check-in inside a staff request: the one step that may
    # read raw answers did, and nothing else did.
    db.session.rollback()
    assert db.session.get(CheckIn, data["due"].id).answer_count == 3
    assert released_figures(data["due"].id)


# ---------------------------------------------------------------- attacks over HTTP


def _pupil_sends(app, code, answers) -> str:
    """A fresh device (a private window) loads the code's page and sends `answers`."""
    device = app.test_client()
    page = device.get(f"/join/{code}")
    assert page.status_code == 200
    fields = form_fields(page.get_data(as_text=True))
    sent = {key: str(value) if value is not None else "skip" for key, value in answers.items()}
    response = device.post(f"/join/{code}", data={**fields, **sent})
    assert "Your answers are saved." in response.get_data(as_text=True)
    return fields["submission_id"]


def _results_shares(html: str, label: str) -> list[int]:
    section = html.split(f"{label}: &ldquo;")[1].split("</table>")[0]
    return [int(p) for p in re.findall(r'<td class="num">(\d+)%', section)]


def _shares_from_release(figures, item, answer_count):
    cells = [figures[(item, "count", v)] for v in range(6)]
    shift = (answer_count - sum(cells)) / 6
    kept = [max(0.0, c + shift) for c in cells[1:]]
    return [int(100 * k / sum(kept) + 0.5) for k in kept]


def test_padding_with_nine_known_answer_sets_does_not_give_the_tenth_pupils_answers(
    app, make_lead, make_teacher
):
    lead = make_lead()
    teacher = make_teacher(lead.school)
    make_term(lead.school)
    school_class = make_class(lead.school, teacher, "8B", 8)
    client = sign_in(app, teacher)
    client.post(
        "/checkins/open",
        data={"class_id": school_class.id, "kind": "baseline", "minutes": 30, "class_size": 12},
    )
    checkin = db.session.scalars(select(CheckIn)).one()
    begin_write()
    db.session.get(CheckIn, checkin.id).opened_on = date(2026, 11, 20)  # in the term
    db.session.commit()
    padding = [{"w1": 1, "w2": 1, "c1": 1, "c2": 1, "s1": 1, "g1": 1}] * 9
    target = {"w1": 5, "w2": 4, "c1": 2, "c2": 5, "s1": 3, "g1": 2}
    for answers in padding:
        _pupil_sends(app, checkin.join_code, answers)
    _pupil_sends(app, checkin.join_code, target)
    assert client.post(f"/checkins/{checkin.id}/close").status_code == 302

    figures = released_figures(checkin.id)
    exact = exact_statistics([*padding, target])
    assert set(figures) == set(exact)
    # What the teacher can subtract: the release minus their own nine. Exactly the target's
    # answers would be 1 in the target's cells and 0 elsewhere; the noise moves every one.
    known = exact_statistics(padding)
    inferred = {key: figures[key] - known[key] for key in figures}
    truth = exact_statistics([target])
    assert any(abs(inferred[key] - truth[key]) > 0.01 for key in figures)
    assert sum(1 for key in figures if figures[key] == exact[key]) < len(figures)

    # Every view reads the one stored release: the results page ...
    html = client.get(f"/checkins/{checkin.id}/results").get_data(as_text=True)
    assert "10 pupils answered" in html
    for item, label in (("w1", "Worry"), ("s1", "Could feel calm and safe")):
        cells = [figures[(item, "count", v)] for v in range(6)]
        answered = sum(cells[1:]) + 5 * (10 - sum(cells)) / 6
        shown_count = max(0, int(answered + 0.5))
        section = html.split(f"{label}: &ldquo;")[1].split("</div>")[0]
        if min(10, shown_count) < 10:
            assert "fewer than 10 pupils answered this question" in section
        else:
            assert _results_shares(html, label) == _shares_from_release(figures, item, 10)
    # ... the same figures again, later, and in the export: stored once, never redrawn.
    assert released_figures(checkin.id) == figures
    lead_client = sign_in(app, lead)
    archive = zipfile.ZipFile(
        io.BytesIO(lead_client.get("/school/data/export.zip", follow_redirects=True).data)
    )
    rows = list(
        csv.DictReader(
            io.StringIO(archive.read("checkin_released_figures.csv").decode("utf-8-sig"))
        )
    )
    exported = {(r["measure"], r["statistic"], int(r["value"])): float(r["figure"]) for r in rows}
    assert exported == {key: round(value, 4) for key, value in figures.items()}
    # The term summary (page, CSV and PDF) shows the class's worry index as released, or
    # hides it because its released count is below the threshold.
    worry = 12.5 * (4 + figures[("worry", "sum", 0)] / figures[("worry", "n", 0)])
    worry_count = min(10, max(0, int(figures[("worry", "n", 0)] + 0.5)))
    summary_csv = lead_client.get("/reports/term-summary.csv").get_data(as_text=True)
    cells = {
        (r["level"], r["group"], r["measure"], r["wave"], r["statistic"]): r
        for r in csv.DictReader(io.StringIO(summary_csv.lstrip("\ufeff")))
    }
    mean = cells[("class", "8B", "worry", "baseline", "mean")]
    pdf = PdfReader(io.BytesIO(lead_client.get("/reports/term-summary.pdf").data))
    pdf_text = "\n".join(page.extract_text() for page in pdf.pages)
    page = lead_client.get("/reports/term-summary").get_data(as_text=True)
    if worry_count >= 10:
        assert float(mean["value"]) == round(worry, 1)
        assert f"{worry:.1f}" in pdf_text and f"{worry:.1f}" in page
    else:
        assert mean["value"] == "" and "Fewer than 10 answers" in mean["note"]


def test_figures_before_and_after_one_more_check_in_do_not_give_its_answers(
    app, make_lead, make_teacher
):
    lead = make_lead()
    teacher = make_teacher(lead.school)
    make_term(lead.school)
    year_seven = [make_class(lead.school, teacher, name, 7) for name in ("7A", "7B")]
    rng = random.Random(4)
    add_checkin(year_seven[0], "baseline", date(2026, 9, 9), synthetic.term_answers(rng, 40))
    client = sign_in(app, lead)

    def year_figures():
        body = client.get("/reports/term-summary.csv").get_data(as_text=True)
        found = {}
        for row in csv.DictReader(io.StringIO(body.lstrip("\ufeff"))):
            if row["level"] == "year group" and row["wave"] == "baseline" and row["value"]:
                found[(row["measure"], row["statistic"])] = float(row["value"])
        return found

    before = year_figures()
    # The teacher's own 19 answer sets and one pupil's, in 7B, released when finalised:
    # enough that the check-in counts in Year 7's figures, so differencing reaches it.
    padding = [{"w1": 3, "w2": 3, "c1": 3, "c2": 3, "s1": 3, "g1": 3}] * 19
    target = {"w1": 1, "w2": 1, "c1": 5, "c2": 1, "s1": 5, "g1": 5}
    added = add_checkin(year_seven[1], "baseline", date(2026, 9, 10), [*padding, target])
    after = year_figures()
    figures = released_figures(added.id)
    added_n = min(20, max(0, int(figures[("worry", "n", 0)] + 0.5)))
    assert after[("worry", "n")] - before[("worry", "n")] == added_n
    # Year 7's figures now are the two check-ins' released figures added up: what
    # differencing reaches is the new check-in's release, noise and all.
    first = released_figures(db.session.scalars(select(CheckIn.id).order_by(CheckIn.id)).first())
    total_n = first[("worry", "n", 0)] + figures[("worry", "n", 0)]
    total_sum = first[("worry", "sum", 0)] + figures[("worry", "sum", 0)]
    assert after[("worry", "mean")] == round(12.5 * (4 + total_sum / total_n), 1)
    exact = exact_statistics([*padding, target])
    assert any(figures[key] != exact[key] for key in figures)
    released_sum = 12.5 * (figures[("worry", "sum", 0)] + 4 * figures[("worry", "n", 0)])
    assert released_sum != 19 * 50.0  # the exact sum: the padding's 50s and the target's 0


def test_a_unanimous_check_in_is_not_shown_as_unanimous_every_time(app, make_teacher):
    # 10 pupils all answering "Never": exactly 100%. Released again and again (in separate
    # check-ins), the shares move, so no one figure can be read as "every pupil".
    teacher = make_teacher()
    school_class = make_class(teacher.school, teacher, "9A", 9)
    shown = []
    for day in range(8):
        checkin = add_checkin(
            school_class, "baseline", date(2026, 9, 1) + timedelta(days=day), [{"w1": 1}] * 10
        )
        shown.append(tuple(_shares_from_release(released_figures(checkin.id), "w1", 10)))
    assert len(set(shown)) > 1 and any(shares[0] != 100 for shares in shown)


def test_the_privacy_notes_state_the_privacy_loss_the_code_has():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "docs" / "privacy.md").read_text()
    rows = {
        line.split("|")[1].strip(): line
        for line in readme.splitlines()
        if line.startswith("| standard |") or line.startswith("| stronger |")
    }
    for label, key in (("standard", "standard"), ("stronger", "strong")):
        cells = [cell.strip() for cell in rows[label].split("|")[2:6]]
        worst = release.privacy_loss("baseline", key, "w1")
        s1 = release.privacy_loss("baseline", key, "s1")
        whole = release.privacy_loss("baseline", key)
        now = release.privacy_loss("now", key)
        for cell, loss in zip(cells, (worst, s1, whole, now), strict=True):
            for written, value in zip(
                re.match(r"rho ([\d.]+) \(epsilon ([\d.]+)\)", cell).groups(),
                (loss.rho, loss.epsilon),
                strict=True,
            ):
                places = len(written.split(".")[1]) if "." in written else 0
                assert float(written) == pytest.approx(value, abs=0.5 * 10**-places + 1e-9)
    standard = release.privacy_loss("baseline", "standard", "w1")
    assert f"right at most {standard.two_choice_percent} times in 100" in readme
    whole = release.privacy_loss("baseline", "standard")
    assert f"apart: at most {whole.two_choice_percent} in 100" in readme

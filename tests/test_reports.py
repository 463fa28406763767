"""Term summaries: figures from released figures, suppression everywhere, downloads, access.

The `oak` school's check-ins are released with no noise (`exact_noise`), so the summary's
arithmetic and suppression can be checked against the raw answers; the `noisy_oak` tests
check, with the app's own noise, that every view shows the released figures.
"""

from __future__ import annotations

import csv
import io
import random
import statistics
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from cmt_schools.audit.models import AuditEvent
from cmt_schools.checkins.models import CheckIn, ReleasedFigure
from cmt_schools.checkins.scoring import self_compassion_index, worry_index
from cmt_schools.core.dates import long_date
from cmt_schools.database import begin_write
from cmt_schools.extensions import db
from cmt_schools.reports import exports, services, synthetic
from cmt_schools.reports.exports import neutralise, safe_filename
from cmt_schools.reports.protection import COMPLEMENTARY, SMALL
from cmt_schools.scheduling import services as scheduling_services

from .checkins_fixtures import exact_noise
from .conftest import PASSWORD
from .reports_fixtures import (
    TODAY,
    add_checkin,
    add_lessons,
    make_class,
    make_term,
    write_checkin,
)

BASELINE_DAY = date(2026, 9, 9)
ENDPOINT_DAY = date(2026, 11, 18)


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr("cmt_schools.reports.views.staff_today", lambda: TODAY)
    return TODAY


def build_oak(make_school, make_lead, make_teacher, noise):
    """A school with two year groups, a small class and a term's worth of data."""
    school = make_school("Oak Lane")
    lead = make_lead(school)
    teacher = make_teacher(school)
    term = make_term(school)
    y7a = make_class(school, teacher, "7A", 7)
    y7b = make_class(school, teacher, "7B", 7)
    y8a = make_class(school, teacher, "8A", 8)
    y8b = make_class(school, teacher, "8B", 8)
    y8c = make_class(school, teacher, '=HYPERLINK("http://x")', 8)
    rng = random.Random(5)
    answers = {}
    begin_write()  # one transaction for the whole term's check-ins: quick to set up
    for school_class, size in ((y7a, 28), (y7b, 26), (y8a, 27), (y8b, 25), (y8c, 6)):
        for wave, mood, n in (
            ("baseline", synthetic.START, size),
            ("endpoint", synthetic.END, max(1, size - 2)),
        ):
            answers[(school_class.id, wave)] = synthetic.term_answers(rng, n, mood)
            write_checkin(
                school_class,
                wave,
                BASELINE_DAY if wave == "baseline" else ENDPOINT_DAY,
                answers[(school_class.id, wave)],
                with_answer_sets=wave == "baseline",
                noise=noise,
            )
    for week in range(6):
        for school_class, size in ((y7a, 25), (y7b, 24), (y8a, 22), (y8b, 21), (y8c, 5)):
            write_checkin(
                school_class,
                "now",
                date(2026, 9, 16) + timedelta(weeks=week),
                synthetic.now_answers(random.Random(week), size, 2.8),
                noise=noise,
            )
    db.session.commit()
    add_lessons(y7a, ["delivered"] * 8 + ["scheduled"] * 2, start=date(2026, 9, 7))
    add_lessons(
        y7b, ["delivered", "skipped", "delivered", "cancelled", "scheduled"] + ["scheduled"] * 5
    )
    return {
        "school": school,
        "lead": lead,
        "teacher": teacher,
        "term": term,
        "classes": {c.name: c for c in (y7a, y7b, y8a, y8b, y8c)},
        "answers": answers,
    }


@pytest.fixture
def oak(app, make_school, make_lead, make_teacher, fixed_today):
    return build_oak(make_school, make_lead, make_teacher, exact_noise)


@pytest.fixture
def noisy_oak(app, make_school, make_lead, make_teacher, fixed_today):
    from cmt_schools.checkins.release import opendp_noise

    return build_oak(make_school, make_lead, make_teacher, opendp_noise)


def login(client, user):
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302


def summary_of(oak, today=TODAY):
    return services.summarise_term(oak["school"], oak["term"], today=today)


def group(summary, label):
    return next(g for g in summary.groups() if g.label == label)


# ------------------------------------------------------------------ figures


def test_wave_figures_equal_those_computed_from_the_raw_answers(oak):
    summary = summary_of(oak)
    seven_a = oak["classes"]["7A"]
    for wave in ("baseline", "endpoint"):
        raw = oak["answers"][(seven_a.id, wave)]
        worry = [v for a in raw if (v := worry_index(a["w1"], a["w2"])) is not None]
        kindness = [v for a in raw if (v := self_compassion_index(a["c1"], a["c2"])) is not None]
        s1 = [a["s1"] for a in raw if a["s1"] is not None]
        figures = group(summary, "7A")
        for measure, values in (("worry", worry), ("self_compassion", kindness), ("s1", s1)):
            figure = figures.wave(measure, wave)
            assert figure.n == len(values)
            assert figure.mean == pytest.approx(statistics.fmean(values))
            assert figure.sd == pytest.approx(statistics.stdev(values))
    # Year 7 is the two classes' answers together.
    year7 = group(summary, "Year 7")
    both = (
        oak["answers"][(seven_a.id, "baseline")]
        + oak["answers"][(oak["classes"]["7B"].id, "baseline")]
    )
    worry = [v for a in both if (v := worry_index(a["w1"], a["w2"])) is not None]
    assert year7.wave("worry", "baseline").n == len(worry)
    assert year7.wave("worry", "baseline").mean == pytest.approx(statistics.fmean(worry))


def test_change_is_compared_only_with_enough_answers_in_each_wave(oak):
    summary = summary_of(oak)
    assert summary.min_wave_size == 30
    year7 = group(summary, "Year 7")
    change = year7.changes["worry"].change
    assert change is not None and change.ci_low < change.difference < change.ci_high
    # A single class has fewer than 30 answers in a wave: no comparison.
    assert group(summary, "7A").changes["worry"].change is None
    assert "at least 30" in group(summary, "7A").changes["worry"].reason
    begin_write()
    oak["school"].min_wave_size = 20
    db.session.commit()
    assert group(summary_of(oak), "7A").changes["worry"].change is not None


def test_a_small_class_is_hidden_and_cannot_be_worked_out(oak):
    summary = summary_of(oak)
    small = group(summary, '=HYPERLINK("http://x")')
    assert small.wave("worry", "baseline").status == SMALL
    assert small.wave("worry", "baseline").n is None
    assert small.answers["baseline"].status == SMALL
    # Its check-ins are the only ones too small to show on their own, and every other
    # class's check-in is on its own results page, so hiding another class would protect
    # nothing: its answers are left out of every total instead.
    year8 = group(summary, "Year 8")
    shown_classes = sum(group(summary, name).wave("worry", "baseline").n for name in ("8A", "8B"))
    assert year8.wave("worry", "baseline").n == shown_classes
    assert year8.not_counted["baseline"] == 1
    school_total = summary.school.wave("worry", "baseline").n
    assert school_total == sum(
        group(summary, name).wave("worry", "baseline").n for name in ("7A", "7B", "8A", "8B")
    )


def test_complementary_suppression_when_a_class_has_two_small_check_ins(oak):
    # 8B's baseline was run in two halves (7 and 6 answers): neither is shown on its own,
    # so 8B is the one class that can hide the small class's answers in Year 8's total.
    eight_b = oak["classes"]["8B"]
    begin_write()
    db.session.execute(
        CheckIn.__table__.delete().where(CheckIn.class_id == eight_b.id, CheckIn.kind == "baseline")
    )
    db.session.commit()
    rng = random.Random(9)
    add_checkin(
        eight_b, "baseline", BASELINE_DAY, synthetic.term_answers(rng, 7), noise=exact_noise
    )
    add_checkin(
        eight_b,
        "baseline",
        BASELINE_DAY + timedelta(days=1),
        synthetic.term_answers(rng, 6),
        noise=exact_noise,
    )
    summary = summary_of(oak)
    assert group(summary, '=HYPERLINK("http://x")').answers["baseline"].status == SMALL
    assert group(summary, "8B").answers["baseline"].status == COMPLEMENTARY
    year8 = group(summary, "Year 8")
    assert year8.answers["baseline"].n == 27 + 7 + 6 + 6  # everyone counted, nobody exposed
    assert year8.not_counted["baseline"] == 0


def test_only_the_terms_finalised_check_ins_of_this_school_count(oak, make_school, make_teacher):
    summary_before = summary_of(oak)
    seven_a = oak["classes"]["7A"]
    rng = random.Random(3)
    # Before the term, and one still open (no answer count, a stray release): not counted.
    add_checkin(seven_a, "baseline", date(2026, 8, 20), synthetic.term_answers(rng, 20))
    still_open = add_checkin(seven_a, "baseline", BASELINE_DAY, synthetic.term_answers(rng, 20))
    begin_write()
    db.session.get(CheckIn, still_open.id).answer_count = None
    db.session.commit()
    # Another school's check-in on the same day.
    other = make_school("Elsewhere")
    other_class = make_class(other, make_teacher(other), "7A", 7)
    add_checkin(other_class, "baseline", BASELINE_DAY, synthetic.term_answers(rng, 30))
    after = summary_of(oak)
    for measure in services.MEASURES:
        assert after.school.wave(measure, "baseline") == summary_before.school.wave(
            measure, "baseline"
        )
    assert after.school.held == summary_before.school.held


def test_delivery_dose_fidelity_and_classes_behind(oak):
    summary = summary_of(oak)
    seven_a = group(summary, "7A").delivery
    # 8 delivered (weeks of 7 Sep to 26 Oct), 2 still scheduled on 2 and 9 Nov: overdue.
    assert (seven_a.planned, seven_a.delivered, seven_a.overdue, seven_a.upcoming) == (10, 8, 2, 0)
    # Each delivered lesson: 4 steps, 3 taught in full, 1 shortened; 5 practice minutes.
    assert seven_a.steps_recorded == 32 and seven_a.steps_taught == 24
    assert seven_a.fidelity_percent == 75
    assert seven_a.practice_minutes == 40
    seven_b = group(summary, "7B").delivery
    assert (seven_b.delivered, seven_b.skipped, seven_b.cancelled) == (2, 1, 1)
    # 7B's lessons run weekly from 7 Sep: those before 23 Nov and still scheduled are overdue.
    assert seven_b.overdue == 6 and seven_b.upcoming == 0
    year7 = group(summary, "Year 7").delivery
    assert year7.classes == 2 and year7.classes_behind == 2
    assert summary.school.delivery.classes == 5
    assert summary.school.delivery.classes_behind == 2
    early = summary_of(oak, today=date(2026, 9, 8))
    assert group(early, "7A").delivery.overdue == 0
    assert group(early, "7A").delivery.upcoming == 2


def test_weekly_right_now_trend_for_year_groups_and_school(oak):
    summary = summary_of(oak)
    assert len(summary.weeks) == 6
    assert [point.week for point in summary.school.trend] == summary.weeks
    assert all(point.figure.shown for point in summary.school.trend)
    year8 = group(summary, "Year 8")
    # The small class's right-now checks (5 answers) are left out of Year 8's points.
    ids = [oak["classes"]["8A"].id, oak["classes"]["8B"].id]
    for point in year8.trend:
        expected = db.session.scalar(
            select(func.sum(ReleasedFigure.numerator) / func.max(ReleasedFigure.weight))
            .join(CheckIn, CheckIn.id == ReleasedFigure.check_in_id)
            .where(
                CheckIn.class_id.in_(ids),
                CheckIn.kind == "now",
                CheckIn.opened_on == point.week + timedelta(days=2),
                ReleasedFigure.measure == "right_now",
                ReleasedFigure.value > 0,  # the answered counts, not the skipped
            )
        )
        assert point.figure.n == expected
    assert group(summary, "8A").trend == []  # classes have no chart


def test_year_groups_are_kept_within_their_band(oak, make_teacher):
    make_class(oak["school"], oak["teacher"], "8 SEND", 8, band_override="ks2")
    summary = summary_of(oak)
    assert [band.band for band in summary.bands] == ["ks2", "ks3"]
    assert [year.label for year in summary.bands[0].years] == ["Year 8 (KS2 version)"]
    assert summary.mixed_bands


def test_default_term_is_the_current_else_the_latest_started(oak):
    school = oak["school"]
    spring = make_term(school, "Spring 2027", date(2027, 1, 5), date(2027, 3, 26))
    summer = make_term(school, "Summer 2026", date(2026, 4, 13), date(2026, 7, 22))
    terms = scheduling_services.terms_of(school.id, newest_first=True)
    assert [t.name for t in terms] == ["Spring 2027", "Autumn 2026", "Summer 2026"]
    assert services.default_term(terms, date(2026, 11, 1)).id == oak["term"].id
    assert services.default_term(terms, date(2026, 12, 25)).id == oak["term"].id
    assert services.default_term(terms, date(2027, 2, 1)).id == spring.id
    assert services.default_term(terms, date(2026, 1, 1)).id == summer.id


# ------------------------------------------------------------------ the page


def test_lead_sees_the_summary_with_caveats_and_the_nav_item(client, oak):
    login(client, oak["lead"])
    response = client.get("/reports/term-summary")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Autumn 2026" in page
    assert "not a screening tool" in page
    assert "no control group" in page
    assert "time of year" in page.lower() and "small groups" in page
    assert ">Term summary</a>" in page
    assert "Fewer than 10 answers" in page
    # Class names are escaped, never markup.
    assert "=HYPERLINK(&#34;http://x&#34;)" in page or "=HYPERLINK(&quot;" in page


def test_a_term_can_be_chosen_and_bad_ids_give_404(client, oak, make_school):
    school = oak["school"]
    summer = make_term(school, "Summer 2026", date(2026, 4, 13), date(2026, 7, 22))
    other_term = make_term(make_school("Other"), "Their autumn")
    login(client, oak["lead"])
    assert "Summer 2026" in client.get(f"/reports/term-summary?term={summer.id}").get_data(
        as_text=True
    )
    for bad in ("abc", "-1", "0", "99999999999999999999", str(other_term.id), "1.5"):
        for path in (
            "/reports/term-summary",
            "/reports/term-summary.pdf",
            "/reports/term-summary.csv",
        ):
            assert client.get(f"{path}?term={bad}").status_code == 404, (path, bad)


def test_a_school_without_terms_is_told_what_to_do(client, make_lead):
    lead = make_lead()
    login(client, lead)
    response = client.get("/reports/term-summary")
    assert response.status_code == 200
    assert "There are no terms yet" in response.get_data(as_text=True)
    assert client.get("/reports/term-summary.csv").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/reports/term-summary",
        "/reports/term-summary.pdf",
        "/reports/term-summary.csv",
        "/reports/audit-log",
    ],
)
def test_a_teacher_cannot_see_or_download_a_summary(client, oak, path):
    login(client, oak["teacher"])
    assert client.get(f"{path}?term={oak['term'].id}").status_code == 403
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "report.download")
        )
        == 0
    )


def test_another_schools_lead_gets_404_for_this_schools_term(client, oak, make_lead, make_school):
    other_lead = make_lead(make_school("Other school"))
    login(client, other_lead)
    for path in ("/reports/term-summary", "/reports/term-summary.pdf", "/reports/term-summary.csv"):
        assert client.get(f"{path}?term={oak['term'].id}").status_code == 404


def test_teachers_do_not_see_the_nav_item(client, oak):
    login(client, oak["teacher"])
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Term summary" not in page and "Audit log" not in page


# ------------------------------------------------------------------ CSV


def parse_csv(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 byte-order mark for Excel"
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"))))


def test_csv_is_one_tidy_table_that_excel_opens_safely(client, oak):
    begin_write()
    oak["school"].name = "+Oak Lane"
    oak["term"].name = "@Autumn 2026"
    db.session.commit()
    login(client, oak["lead"])
    response = client.get(f"/reports/term-summary.csv?term={oak['term'].id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="term-summary-autumn-2026.csv"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    rows = parse_csv(response.data)
    assert list(rows[0]) == [
        "school", "term", "level", "band", "year_group", "group",
        "section", "measure", "wave", "statistic", "value", "note",
    ]  # fmt: skip
    assert {row["school"] for row in rows} == {"'+Oak Lane"}
    assert {row["term"] for row in rows} == {"'@Autumn 2026"}
    groups = {row["group"] for row in rows}
    assert '\'=HYPERLINK("http://x")' in groups
    about = [row["note"] for row in rows if row["section"] == "about"]
    assert any("not a screening tool" in note for note in about)
    assert any("no control group" in note for note in about)
    assert any("Welch" in note for note in about)
    assert not any(
        value.startswith(("=", "+", "@", "\t", "\r")) for row in rows for value in row.values()
    )
    # Figures agree with the summary; differences stay numbers, so negatives are allowed.
    summary = summary_of(oak)
    (worry,) = [
        row
        for row in rows
        if row["level"] == "school"
        and row["measure"] == "worry"
        and row["wave"] == "baseline"
        and row["statistic"] == "mean"
    ]
    assert float(worry["value"]) == round(summary.school.wave("worry", "baseline").mean, 1)
    (difference,) = [
        row
        for row in rows
        if row["group"] == "Year 7"
        and row["measure"] == "worry"
        and row["statistic"] == "difference"
    ]
    assert float(difference["value"]) == round(
        group(summary, "Year 7").changes["worry"].change.difference, 1
    )
    # The small class: notes, never values.
    small = [
        row for row in rows if row["group"].startswith("'=HYPERLINK") and row["section"] == "wave"
    ]
    assert small and all(row["value"] == "" for row in small)
    assert all("Fewer than 10" in row["note"] for row in small)
    percents = [row for row in rows if row["statistic"].endswith("percent") and row["value"]]
    assert percents and all(float(row["value"]).is_integer() for row in percents)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=1+1", "'=1+1"),
        ("+44 7700", "'+44 7700"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rCR", "'\rCR"),
        ("Plain 8B", "Plain 8B"),
        (-6.2, -6.2),
        (3, 3),
    ],
)
def test_formula_like_text_is_neutralised_and_numbers_are_not(text, expected):
    assert neutralise(text) == expected


def test_download_names_are_sanitised():
    assert safe_filename('Autumn "26"; rm -rf / \r\n', "x") == "autumn-26-rm-rf"
    assert safe_filename("Été 2026", "x") == "ete-2026"
    assert safe_filename("!!!", "term-3") == "term-3"


# ------------------------------------------------------------------ PDF


def test_pdf_holds_the_headline_figures_and_caveats(client, oak):
    login(client, oak["lead"])
    response = client.get(f"/reports/term-summary.pdf?term={oak['term'].id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].endswith(
        'filename="term-summary-autumn-2026.pdf"'
    )
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    summary = summary_of(oak)
    school = summary.school
    assert "Oak Lane: Autumn 2026" in flat
    assert "not a screening tool" in flat
    assert "no control group" in flat
    for measure in ("worry", "self_compassion"):
        for wave in ("baseline", "endpoint"):
            figure = school.wave(measure, wave)
            assert f"{figure.mean:.1f} (SD {figure.sd:.1f}) n {figure.n}" in flat
    change = school.changes["worry"].change
    assert f"{change.difference:+.1f} ({change.ci_low:+.1f} to {change.ci_high:+.1f})" in flat
    assert f"{school.delivery.delivered} of {school.delivery.planned} planned" in flat
    assert "Fewer than 10 answers" in flat
    assert reader.metadata.title.startswith("Term summary: Autumn 2026")
    # The download is in the audit log.
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.download"))
    assert event.detail.startswith("Term summary (PDF) for Autumn 2026")
    assert event.user_id == oak["lead"].id


# ------------------------------------------------------------------ audit


def test_every_download_adds_an_audit_event_the_lead_can_read(client, oak):
    login(client, oak["lead"])
    term = oak["term"]
    summer = make_term(oak["school"], "Summer 2026", date(2026, 4, 13), date(2026, 7, 22))
    assert client.get(f"/reports/term-summary.csv?term={term.id}").status_code == 200
    assert client.get(f"/reports/term-summary.csv?term={summer.id}").status_code == 200

    def downloads():
        return list(
            db.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "report.download")
                .order_by(AuditEvent.id)
            )
        )

    events = downloads()
    assert [e.detail for e in events] == [
        f"Term summary (CSV) for Autumn 2026, {long_date(term.first_day)} to "
        f"{long_date(term.last_day)}",
        f"Term summary (CSV) for Summer 2026, {long_date(summer.first_day)} to "
        f"{long_date(summer.last_day)}",
    ]
    assert {e.user_id for e in events} == {oak["lead"].id}
    assert {e.school_id for e in events} == {oak["school"].id}
    # Viewing the page is not a download.
    client.get(f"/reports/term-summary?term={term.id}")
    assert len(downloads()) == 2
    page = client.get("/reports/audit-log").get_data(as_text=True)
    assert page.count("Downloaded a term summary") == 2
    assert oak["lead"].name in page
    assert page.index("for Summer 2026, ") < page.index("for Autumn 2026, ")  # newest first


def test_audit_log_pages_and_bad_page_numbers(client, oak):
    from cmt_schools.audit.services import record_event

    begin_write()
    for number in range(60):
        record_event(
            "report.download",
            school_id=oak["school"].id,
            user_id=oak["lead"].id,
            detail=f"event {number:02d}",
        )
    db.session.commit()
    login(client, oak["lead"])
    first = client.get("/reports/audit-log").get_data(as_text=True)
    assert "event 59" in first and "event 09" not in first and "Older events" in first
    second = client.get("/reports/audit-log?page=2").get_data(as_text=True)
    assert "event 09" in second and "event 59" not in second
    for bad in ("0", "-3", "x", "100000"):
        assert client.get(f"/reports/audit-log?page={bad}").status_code == 400


def test_another_schools_events_are_not_listed(client, oak, make_lead):
    other = make_lead()
    from cmt_schools.audit.services import record_event

    begin_write()
    record_event("report.download", school_id=other.school_id, user_id=other.id, detail="theirs")
    db.session.commit()
    login(client, oak["lead"])
    assert "theirs" not in client.get("/reports/audit-log").get_data(as_text=True)


def test_released_figures_alone_are_enough_after_raw_answers_are_purged(noisy_oak):
    from cmt_schools.checkins.models import AnswerSet

    oak = noisy_oak
    before = summary_of(oak)
    begin_write()
    db.session.execute(AnswerSet.__table__.delete())
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ReleasedFigure)) > 0
    after = summary_of(oak)
    assert after.school.wave("worry", "baseline") == before.school.wave("worry", "baseline")


def test_a_check_in_that_closed_by_time_is_counted_in_the_summary(app, make_lead, make_teacher):
    """The summary finalises check-ins past their closing time before it reads releases."""
    from datetime import UTC, datetime, timedelta

    from cmt_schools.checkins.models import AnswerSet, CheckIn
    from cmt_schools.database import begin_write
    from cmt_schools.extensions import db
    from cmt_schools.scheduling.models import SchoolClass, Term

    from .conftest import PASSWORD

    lead = make_lead()
    teacher = make_teacher(lead.school)
    today = datetime.now(UTC).date()
    begin_write()
    db.session.add(
        Term(
            school_id=lead.school_id,
            name="This term",
            first_day=today - timedelta(days=30),
            last_day=today + timedelta(days=30),
        )
    )
    school_class = SchoolClass(
        school_id=lead.school_id, teacher_id=teacher.id, name="9Z", year_group=9
    )
    db.session.add(school_class)
    db.session.flush()
    checkin = CheckIn(
        school_id=lead.school_id,
        class_id=school_class.id,
        kind="baseline",
        band="ks3",
        join_code="QQQQQQ",
        opened_on=today - timedelta(days=1),
        closes_at=datetime.now(UTC) - timedelta(hours=1),
        max_answers=40,
    )
    db.session.add(checkin)
    db.session.flush()
    for i in range(12):
        db.session.add(
            AnswerSet(
                id=f"00000000-0000-4000-8000-{i:012d}",
                check_in_id=checkin.id,
                w1=2,
                w2=3,
                c1=4,
                c2=2,
                s1=3,
                g1=4,
            )
        )
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": lead.email, "password": PASSWORD})
    csv_text = client.get("/reports/term-summary.csv").get_data(as_text=True)
    db.session.refresh(checkin)
    assert checkin.answer_count == 12
    assert "9Z" in csv_text


# ------------------------------------------------------------------ saying exactly what they mean


@pytest.fixture
def plain(app, make_school, make_lead, make_teacher, fixed_today):
    school = make_school("Plain Words")
    return {"school": school, "lead": make_lead(school), "teacher": make_teacher(school),
            "term": make_term(school)}  # fmt: skip


def test_a_class_whose_band_changed_is_not_compared_across_wordings(plain):
    school, teacher = plain["school"], plain["teacher"]
    moved = make_class(school, teacher, "6M", 6)  # KS2 now
    steady = make_class(school, teacher, "6S", 6)
    rng = random.Random(2)
    for school_class, start_band in ((moved, "ks3"), (steady, "ks2")):
        answers = synthetic.term_answers(rng, 35)
        add_checkin(school_class, "baseline", BASELINE_DAY, answers, noise=exact_noise,
                    band=start_band)  # fmt: skip
        add_checkin(school_class, "endpoint", ENDPOINT_DAY, synthetic.term_answers(rng, 35),
                    noise=exact_noise)  # fmt: skip
    begin_write()
    plain["school"].min_wave_size = 30
    db.session.commit()
    summary = services.summarise_term(school, plain["term"], today=TODAY)
    reason = group(summary, "6M").changes["worry"].reason
    assert group(summary, "6M").changes["worry"].change is None
    assert "start was answered in the KS3 wording and the end in the KS2 wording" in reason
    assert group(summary, "6S").changes["worry"].change is not None
    # The year group and the school mix both: not like with like either.
    assert group(summary, "Year 6").changes["worry"].change is None
    assert "KS2 and KS3 wording" in group(summary, "Year 6").changes["worry"].reason
    assert "KS3" in exports.describe_change("worry", group(summary, "6M").changes["worry"])


def test_identical_answers_say_there_is_no_spread_not_that_chance_is_unlikely(plain):
    school, teacher = plain["school"], plain["teacher"]
    same = make_class(school, teacher, "7Q", 7)
    answers = [{"w1": 3, "w2": 3, "c1": 3, "c2": 3, "s1": 3, "g1": 3}] * 32
    add_checkin(same, "baseline", BASELINE_DAY, answers, noise=exact_noise)
    add_checkin(same, "endpoint", ENDPOINT_DAY, answers, noise=exact_noise)
    summary = services.summarise_term(school, plain["term"], today=TODAY)
    figure = group(summary, "7Q").changes["worry"]
    assert figure.change is not None and figure.change.hedges_g is None
    words = exports.describe_change("worry", figure)
    assert "no interval" in words and "no spread" in words and "chance" not in words
    rows = exports.summary_rows(summary)
    g = next(r for r in rows if r["group"] == "7Q" and r["measure"] == "worry"
             and r["statistic"] == "hedges_g")  # fmt: skip
    assert g["value"] == "" and "no spread" in g["note"]


def test_answer_sets_that_skipped_everything_are_shown_apart_and_shares_of_the_class(plain):
    school, teacher = plain["school"], plain["teacher"]
    seven = make_class(school, teacher, "7K", 7)
    rng = random.Random(4)
    skipped = [dict.fromkeys(("w1", "w2", "c1", "c2", "s1", "g1"))] * 4
    answers = synthetic.term_answers(rng, 20) + skipped
    add_checkin(seven, "baseline", BASELINE_DAY, answers, noise=exact_noise, class_size=30)
    summary = services.summarise_term(school, plain["term"], today=TODAY)
    seven_k = group(summary, "7K")
    assert seven_k.answers["baseline"].n == 24  # every answer set is participation ...
    answered = sum(1 for a in answers if any(v is not None for v in a.values()))
    assert seven_k.answered["baseline"].n == answered == 20  # ... but only 20 answered
    assert seven_k.pupils["baseline"] == 30 and seven_k.participation_percent("baseline") == 80
    cells = {(r["group"], r["statistic"]): r["value"]
             for r in exports.summary_rows(summary) if r["wave"] == "baseline"}  # fmt: skip
    assert cells[("7K", "answered_a_question")] == 20
    assert cells[("7K", "participation_percent")] == 80


def test_g1_is_labelled_in_each_key_stages_own_words(client, oak):
    login(client, oak["lead"])
    page = client.get("/reports/term-summary").get_data(as_text=True)
    # Year 7 and 8 are KS3: their G1 reads as KS3 pupils saw it; the school names it plainly.
    assert "G1: Overall, my days went OK." in page
    assert "G1: how the week went (in each key stage&#39;s own words)" in page
    assert "Overall, my week was" not in page  # the KS2 wording nobody here answered


def test_the_page_explains_its_columns_first_and_cautions_about_many_comparisons(client, oak):
    login(client, oak["lead"])
    page = client.get("/reports/term-summary").get_data(as_text=True)
    reading = page.index("How to read this table")
    assert reading < page.index("Year groups</h2>") and "Hedges' g</strong>: the difference" in page
    comparisons = sum(1 for g in summary_of(oak).groups() for m in services.MEASURES
                      if g.changes[m].change)  # fmt: skip
    assert ("Many comparisons." in page) == (comparisons >= 5)


def test_no_chart_is_drawn_for_a_group_with_no_week_shown(client, oak):
    # 8's small class alone in a week: nothing shown that week for Year 8 or the school.
    from cmt_schools.reports.charts import trend_chart
    from cmt_schools.reports.context import _charts

    summary = summary_of(oak)
    charts = _charts(summary)
    for group_summary in [summary.school, *summary.years]:
        assert (group_summary.key in charts) == group_summary.has_trend
    empty = trend_chart(group(summary, "Year 7"), [date(2027, 1, 4)], "x")
    assert empty.description == "No week had enough answers to show."

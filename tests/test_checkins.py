# ruff: noqa: F811 - pytest fixtures imported from checkins_fixtures are used as arguments
"""Check-ins: opening, the pupil pages, once per device, idempotent submits, caps, closing,
released figures, results with suppression, purge and the demo. Through the test client."""

from __future__ import annotations

import re
import threading
import time
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from cmt_schools.accounts import services as accounts
from cmt_schools.accounts.models import School, SupportContact
from cmt_schools.checkins import finalise, services
from cmt_schools.checkins import pupil as pupil_side
from cmt_schools.checkins.models import AnswerSet, CheckIn, CheckInRelease, ReleasedFigure
from cmt_schools.database import begin_write
from cmt_schools.extensions import db

from .checkins_fixtures import (
    ALL_THREES,
    SAVED,
    answer_count,
    finalise_exactly,
    form_fields,
    login,
    make_class,
    now,
    open_checkin,  # noqa: F401 - fixture
    open_for,
    past,
    pupil_submits,
    released_figures,
    reload,
    store_answers,
    teacher_and_class,  # noqa: F401 - fixture
)

# ---------------------------------------------------------------- opening, the board


def test_teacher_opens_a_check_in_and_sees_code_link_and_qr(client, teacher_and_class):
    teacher, school_class = teacher_and_class
    login(client, teacher)
    form = client.get("/checkins/open").get_data(as_text=True)
    assert "8B" in form
    response = client.post(
        "/checkins/open",
        data={"class_id": school_class.id, "kind": "baseline", "minutes": 30, "class_size": 28},
    )
    assert response.status_code == 302
    checkin = db.session.scalars(select(CheckIn)).one()
    assert response.headers["Location"].endswith(f"/checkins/{checkin.id}/board")
    assert checkin.band == "ks3" and checkin.max_answers == 33 and checkin.kind == "baseline"
    assert checkin.opened_on == date.today() or checkin.opened_on <= date.today()
    board = client.get(f"/checkins/{checkin.id}/board").get_data(as_text=True)
    assert checkin.join_code in board
    assert f"/join/{checkin.join_code}" in board
    assert f"/checkins/{checkin.id}/qr.svg" in board
    qr = client.get(f"/checkins/{checkin.id}/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.get_data(as_text=True).lstrip().startswith("<svg")
    assert client.get(f"/checkins/{checkin.id}/count.json").get_json() == {
        "count": 0,
        "open": True,
    }


def test_a_teacher_cannot_open_for_another_teachers_class_but_the_lead_can(
    app, make_teacher, make_lead
):
    mine = make_teacher()
    other = make_teacher(mine.school)
    lead = make_lead(mine.school)
    theirs = make_class(other, name="9C", year_group=9)
    client = app.test_client()
    login(client, mine)
    response = client.post(
        "/checkins/open",
        data={"class_id": theirs.id, "kind": "now", "minutes": 30, "class_size": 30},
    )
    assert response.status_code == 400 and db.session.scalars(select(CheckIn)).first() is None
    lead_client = app.test_client()
    login(lead_client, lead)
    response = lead_client.post(
        "/checkins/open",
        data={"class_id": theirs.id, "kind": "now", "minutes": 30, "class_size": 30},
    )
    assert response.status_code == 302


def test_staff_pages_of_another_school_or_teacher_give_404(app, make_teacher, make_lead):
    owner = make_teacher()
    checkin = open_for(make_class(owner), owner)
    colleague = make_teacher(owner.school)
    stranger_lead = make_lead()  # another school
    own_lead = make_lead(owner.school)
    paths = [f"/checkins/{checkin.id}/{page}" for page in ("board", "results", "qr.svg")]
    paths.append(f"/checkins/{checkin.id}/count.json")
    for user, expected in ((colleague, 404), (stranger_lead, 404), (own_lead, 200)):
        client = app.test_client()
        login(client, user)
        for path in paths:
            assert client.get(path).status_code == expected, (user.role, path)
        assert client.post(f"/checkins/{checkin.id}/close").status_code in (
            {404} if expected == 404 else {302}
        )
        assert client.get("/checkins/999999/board").status_code == 404


# ---------------------------------------------------------------- pupils: joining and answering


def test_a_pupil_submits_and_sees_the_closing_screen_with_help(app, client, open_checkin):
    response, data = pupil_submits(client, open_checkin.join_code, {**ALL_THREES, "g1": "skip"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and SAVED in html
    assert "Childline" in html and "0800 1111" in html
    assert "Shout" in html and "85258" in html and "999" in html  # KS3
    stored = db.session.get(AnswerSet, data["submission_id"])
    assert (stored.w1, stored.g1, stored.right_now) == (3, None, None)
    assert stored.check_in_id == open_checkin.id


def test_the_help_kept_for_a_school_follows_the_leads_edits(app, open_checkin, teacher_and_class):
    # The help on the closing screen is read once per school and kept until the school's
    # help stamp changes: each kind of edit must reach the very next pupil.
    teacher, _ = teacher_and_class
    code = open_checkin.join_code
    first, _ = pupil_submits(app.test_client(), code, ALL_THREES)
    assert "Childline" in first.get_data(as_text=True)

    lead = accounts.create_user(
        teacher.school, email="lead@help.example", name="Lead", role="lead", password=None
    )
    accounts.update_school_settings(
        teacher.school,
        name=teacher.school.name,
        nation="england",
        suppression_threshold=10,
        min_wave_size=30,
        retention_months=24,
        trusted_adults="Ms Rivers, our mental health lead",
        contacts=[("Kooth", "Free online support at kooth.com", True, True)],
        lead=lead,
    )
    html = pupil_submits(app.test_client(), code, ALL_THREES)[0].get_data(as_text=True)
    assert "Kooth" in html and "Ms Rivers" in html and "Childline" not in html

    begin_write()  # one contact edited in place, as no form does but any code might
    teacher.school.support_contacts[0].detail = "Chat at kooth.com, free and safe"
    db.session.commit()
    html = pupil_submits(app.test_client(), code, ALL_THREES)[0].get_data(as_text=True)
    assert 'Chat at <a href="https://kooth.com" rel="noreferrer noopener">kooth.com</a>' in html

    begin_write()
    teacher.school.trusted_adults = "Mr Ahmed in the library"
    db.session.commit()
    html = pupil_submits(app.test_client(), code, ALL_THREES)[0].get_data(as_text=True)
    assert "Mr Ahmed in the library" in html and "Ms Rivers" not in html

    begin_write()
    teacher.school.support_contacts = []
    db.session.commit()
    html = pupil_submits(app.test_client(), code, ALL_THREES)[0].get_data(as_text=True)
    assert "Childline" in html and "Kooth" not in html  # never left without help
    assert answer_count(open_checkin.id) == 5


def test_a_schools_help_stamp_changes_only_with_its_help(app, make_lead):
    school = make_lead().school
    stamps = [school.help_stamp]

    def changed(change) -> bool:
        begin_write()
        change()
        db.session.commit()
        stamps.append(db.session.get(School, school.id).help_stamp)
        return stamps[-1] != stamps[-2]

    assert not changed(lambda: setattr(school, "name", "Renamed Academy"))
    assert not changed(lambda: setattr(school, "suppression_threshold", 12))
    assert changed(lambda: setattr(school, "trusted_adults", "Mrs Patel in room 12"))
    assert changed(lambda: setattr(school.support_contacts[0], "name", "Childline UK"))
    assert changed(lambda: db.session.delete(school.support_contacts[-1]))
    assert changed(
        lambda: db.session.add(
            SupportContact(school_id=school.id, position=9, name="Kooth", detail="kooth.com")
        )
    )
    assert len(set(stamps)) == 5 and all(len(stamp) == 32 for stamp in stamps[2:])
    other = accounts.create_school("Another School", "england")
    assert other.help_stamp not in stamps


def test_a_replayed_submission_id_stores_once_and_still_says_saved(app, open_checkin):
    first, data = pupil_submits(app.test_client(), open_checkin.join_code, ALL_THREES)
    assert SAVED in first.get_data(as_text=True)
    # The same form sent again from a device whose cookie never arrived (a lost response).
    retry = app.test_client().post(f"/join/{open_checkin.join_code}", data=data)
    assert retry.status_code == 200 and SAVED in retry.get_data(as_text=True)
    # And from the same device after the cookie did arrive (the back button, then Send).
    assert answer_count(open_checkin.id) == 1


def test_a_closed_code_refuses_answers(app, client, open_checkin, teacher_and_class):
    teacher, _ = teacher_and_class
    page = client.get(f"/join/{open_checkin.join_code}")
    data = {**form_fields(page.get_data(as_text=True)), **ALL_THREES}
    staff = app.test_client()
    login(staff, teacher)
    assert staff.post(f"/checkins/{open_checkin.id}/close").status_code == 302
    response = client.post(f"/join/{open_checkin.join_code}", data=data)
    assert response.status_code == 410
    assert "has finished" in response.get_data(as_text=True)
    assert client.get(f"/join/{open_checkin.join_code}").status_code == 410
    assert client.get(f"/join?code={open_checkin.join_code}").status_code == 302
    assert answer_count(open_checkin.id) == 0


def test_a_check_in_closes_by_itself_after_its_time(client, teacher_and_class):
    teacher, school_class = teacher_and_class
    checkin = open_for(school_class, teacher, minutes=15, at=past(20))
    response = client.post(
        f"/join/{checkin.join_code}", data={"submission_id": str(uuid.uuid4()), **ALL_THREES}
    )
    assert response.status_code == 410 and answer_count(checkin.id) == 0


def test_answers_are_capped_at_the_class_size_plus_a_margin(app, teacher_and_class):
    teacher, school_class = teacher_and_class
    checkin = open_for(school_class, teacher, class_size=2)
    assert checkin.max_answers == 2 + services.ANSWER_MARGIN
    for _ in range(checkin.max_answers):
        response, _ = pupil_submits(app.test_client(), checkin.join_code, ALL_THREES)
        assert response.status_code == 200
    response, _ = pupil_submits(app.test_client(), checkin.join_code, ALL_THREES)
    assert response.status_code == 409 and "full" in response.get_data(as_text=True)
    assert answer_count(checkin.id) == checkin.max_answers


def test_answer_sets_are_not_stored_in_submission_order(app, backend, open_checkin):
    submitted = []
    for _ in range(30):
        response, data = pupil_submits(app.test_client(), open_checkin.join_code, ALL_THREES)
        assert response.status_code == 200
        submitted.append(data["submission_id"])
    if backend == "sqlite":
        # WITHOUT ROWID: the table is stored in the order of its random keys.
        natural = [row[0] for row in db.session.execute(db.text("SELECT id FROM answer_set"))]
        assert sorted(natural) == sorted(submitted)
        assert natural != submitted
        assert natural == sorted(submitted)
    else:
        # PostgreSQL's heap keeps arrival order while the check-in is open (nothing in the app
        # reads rows in that order: results are aggregates of tallies). When the check-in is
        # finalised the answer sets are rewritten in a random order in one transaction, so the
        # heap order and each row's xmin no longer tell the order of submission.
        services.finalise_checkin(open_checkin, now())
        rows = db.session.execute(db.text("SELECT id, xmin::text FROM answer_set")).all()
        assert sorted(row[0] for row in rows) == sorted(submitted)
        assert [row[0] for row in rows] != submitted
        assert len({row[1] for row in rows}) == 1


# ---------------------------------------------------------------- released figures and results


FOUR_ANSWER_SETS = [
    {"w1": 1, "w2": 1, "c1": 5, "c2": 1, "s1": 4, "g1": 5},  # worry 0, kindness 100
    {"w1": 5, "w2": 4, "c1": 2, "c2": 4, "s1": None, "g1": 3},  # worry 87.5, kind 25
    {"w1": 3, "w2": None, "c1": 3, "c2": 3, "s1": 2, "g1": None},  # no worry index
    {"w1": None, "w2": None, "c1": None, "c2": None, "s1": None, "g1": None},
]


def test_finalise_releases_item_counts_and_index_sums_once(app, open_checkin):
    # With no noise the released figures are the statistics themselves, which says what is
    # released: each item's count per answer (0: skipped), and per index n, sum and sum of
    # squares in steps of 12.5 from the middle (worry 0 is -4, 87.5 is +3).
    store_answers(open_checkin, FOUR_ANSWER_SETS)
    finalise_exactly(open_checkin)
    checkin = reload(open_checkin)
    assert checkin.answer_count == 4 and checkin.closed_at is not None
    figures = released_figures(checkin.id)
    assert [figures[("w1", "count", v)] for v in range(6)] == [1, 1, 0, 1, 0, 1]
    assert [figures[("w2", "count", v)] for v in range(6)] == [2, 1, 0, 0, 1, 0]
    assert (figures[("worry", "n", 0)], figures[("worry", "sum", 0)]) == (2, -1)
    assert figures[("worry", "sum_sq", 0)] == 16 + 9
    # Kindness 100, 25 and 50: +4, -2 and 0 steps.
    assert [figures[("self_compassion", s, 0)] for s in ("n", "sum", "sum_sq")] == [3, 2, 20]
    assert figures[("any", "n", 0)] == 3  # the fourth skipped everything
    assert not any(measure == "right_now" for measure, _, _ in figures)
    stored = db.session.get(CheckInRelease, checkin.id)
    assert stored.protection == "standard" and stored.threshold == 10
    assert stored.mechanism == "opendp-discrete-gaussian-v1"


def test_the_release_is_noisy_and_drawn_with_the_levels_scale(app, open_checkin):
    store_answers(open_checkin, FOUR_ANSWER_SETS * 5)
    services.finalise_checkin(open_checkin, now())
    rows = list(db.session.scalars(select(ReleasedFigure)))
    assert len(rows) == 6 * 6 + 2 * 3 + 1
    exact = {("w1", "count", 1): 5, ("w1", "count", 3): 5, ("w1", "count", 5): 5}
    # The numerators are weight x statistic + an integer noise of scale 65 (SD 2.5 in
    # counts): that all 43 land exactly on a multiple of their weight would be far rarer
    # than 1 in 10^50; that one of these lands beyond 8 SDs, about 1 in 10^14.
    assert any(row.numerator % row.weight for row in rows)
    for row in rows:
        assert row.noise_sd == pytest.approx(65.0 / row.weight)
        key = (row.measure, row.statistic, row.value)
        if key in exact:
            assert abs(row.numerator / row.weight - exact[key]) < 8 * row.noise_sd


POSTGRESQL_ONLY = pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
TERM_ANSWERS = {"w1": 3, "w2": 3, "c1": 3, "c2": 3, "s1": 3, "g1": 3}


def _submit_in_another_thread(app, code: str, outcome: dict) -> threading.Thread:
    def submit() -> None:
        with app.app_context():
            submitted = services.submit_from_pupil(
                code,
                submission_id=str(uuid.uuid4()),
                answers=TERM_ANSWERS,
                answered_ids=(),
                now=now(),
            )
            outcome["outcome"] = submitted.outcome

    thread = threading.Thread(target=submit)
    thread.start()
    return thread


@POSTGRESQL_ONLY  # SQLite runs one writer at a time, so the two cannot overlap there
def test_an_answer_sent_during_a_finalise_waits_and_is_refused_not_left_uncounted(
    app, open_checkin
):
    begin_write()
    finalise._finalise(open_checkin.id, now())  # holds the check-in's row, not yet committed
    outcome: dict = {}
    thread = _submit_in_another_thread(app, open_checkin.join_code, outcome)
    time.sleep(0.5)
    assert thread.is_alive(), "the submit should wait for the finalise"
    db.session.commit()
    thread.join(timeout=10)
    assert outcome == {"outcome": "closed"}
    assert answer_count(open_checkin.id) == 0
    assert reload(open_checkin).answer_count == 0


@POSTGRESQL_ONLY
def test_a_finalise_waits_for_an_answer_being_stored_and_counts_it(app, open_checkin):
    # The pupil's one statement runs on its own connection and is not committed yet.
    pupil = db.engine.connect()
    pupil.begin()
    stored = pupil.execute(
        pupil_side._FIND_AND_STORE_ON_POSTGRESQL,
        {"code": open_checkin.join_code, "id": str(uuid.uuid4()), "now": now()}
        | {"right_now": None, "answered": []}
        | TERM_ANSWERS,
    ).all()
    assert stored[0].stored_now == 1
    finalised = threading.Event()

    def finalise() -> None:
        with app.app_context():
            services.finalise_checkin(db.session.get(CheckIn, open_checkin.id), now())
            finalised.set()

    thread = threading.Thread(target=finalise)
    thread.start()
    time.sleep(0.5)
    assert not finalised.is_set(), "the finalise should wait for the answer being stored"
    pupil.commit()
    pupil.close()
    thread.join(timeout=10)
    assert finalised.is_set()
    assert reload(open_checkin).answer_count == 1 == answer_count(open_checkin.id)


def test_finalising_is_idempotent_so_the_noise_is_drawn_once(app, open_checkin):
    store_answers(open_checkin, [{"w1": 2}, {"w1": 4}])
    services.finalise_checkin(open_checkin, now())
    first = released_figures(open_checkin.id)
    closed_at = reload(open_checkin).closed_at
    services.finalise_checkin(open_checkin, now() + timedelta(hours=1))
    services.finalise_due_checkins(now() + timedelta(hours=2))
    assert released_figures(open_checkin.id) == first
    assert reload(open_checkin).closed_at == closed_at


def test_finalise_due_check_ins_releases_those_past_their_closing_time(app, teacher_and_class):
    teacher, school_class = teacher_and_class
    due = open_for(school_class, teacher, minutes=15, at=past(60))
    running = open_for(make_class(teacher, name="8C"), teacher, minutes=60)
    begin_write()
    db.session.add(AnswerSet(id=str(uuid.uuid4()), check_in_id=due.id, w1=3))
    db.session.commit()
    assert services.finalise_due_checkins(now()) == 1
    assert reload(due).answer_count == 1
    assert reload(running).answer_count is None and reload(running).closed_at is None
    assert db.session.get(CheckInRelease, due.id) is not None
    assert db.session.get(CheckInRelease, running.id) is None
    assert services.finalise_due_checkins(now()) == 0


def _results_page(app, teacher, checkin):
    client = app.test_client()
    login(client, teacher)
    return client.get(f"/checkins/{checkin.id}/results").get_data(as_text=True)


def test_results_show_only_the_count_while_open(app, open_checkin, teacher_and_class):
    teacher, _ = teacher_and_class
    store_answers(open_checkin, [{"w1": 1, "w2": 1}] * 12)
    html = _results_page(app, teacher, open_checkin)
    assert "still open: 12 answers so far" in html
    assert "%" not in html and "Worry index" not in html
    assert "Not a screening tool" in html


def test_results_are_hidden_below_the_threshold(app, open_checkin, teacher_and_class):
    teacher, _ = teacher_and_class
    store_answers(open_checkin, [{"w1": 1, "w2": 2, "c1": 3, "c2": 4}] * 9)
    services.finalise_checkin(open_checkin, now())
    html = _results_page(app, teacher, open_checkin)
    assert "Not enough answers to show results" in html
    assert "9 pupils answered" in html and "at least 10 pupils" in html
    assert "%" not in html and "out of 100" not in html
    assert "Not a screening tool" in html


def test_results_are_shown_at_the_threshold_with_whole_percentages(
    app, open_checkin, teacher_and_class
):
    teacher, _ = teacher_and_class
    # 10 pupils: W1 answered by all (3 x 1, 7 x 4); C1 answered by only 6 (hidden on its own).
    answers = [{"w1": 1, "w2": 1, "c1": 5, "c2": 1}] * 3 + [{"w1": 4, "w2": 5, "c1": None}] * 7
    answers[3] = {**answers[3], "c1": 2}
    answers[4] = {**answers[4], "c1": 2}
    answers[5] = {**answers[5], "c1": 2}
    store_answers(open_checkin, answers)
    client = app.test_client()
    login(client, teacher)
    html = client.get(f"/checkins/{open_checkin.id}/results").get_data(as_text=True)
    assert "still open" in html  # closing is the teacher's choice, or the clock's
    # Released with no noise, so the page's arithmetic and hiding can be checked exactly.
    finalise_exactly(open_checkin)
    html = client.get(f"/checkins/{open_checkin.id}/results").get_data(as_text=True)
    assert "10 pupils answered" in html
    assert "Not a screening tool" in html
    w1 = html.split("Worry: &ldquo;")[1].split("</table>")[0]
    assert re.search(r"Never</th>\s*<td class=\"num\">30%", w1)
    assert re.search(r"Often</th>\s*<td class=\"num\">70%", w1)
    kind = html.split("Kind to myself: &ldquo;")[1].split("</div>")[0]
    assert "fewer than 10 pupils answered this question" in kind and "%" not in kind
    # Worry index: 3 x 0 and 7 x 87.5 -> 61.25 -> 61. Self-compassion: only 6 -> hidden.
    assert '<span class="index-value">61</span>' in html
    assert "fewer than 10 pupils answered both of its questions" in html
    assert not re.search(r"\d+\.\d+%", html)


def test_results_follow_the_schools_threshold(app, open_checkin, teacher_and_class):
    teacher, _ = teacher_and_class
    begin_write()
    teacher.school.suppression_threshold = 5
    db.session.commit()
    store_answers(open_checkin, [{"w1": 2, "w2": 2}] * 5)
    finalise_exactly(open_checkin)
    html = _results_page(app, teacher, open_checkin)
    assert "5 pupils answered" in html and "100%" in html


def test_a_lowered_threshold_applies_only_to_check_ins_finalised_after_it(
    app, open_checkin, teacher_and_class
):
    teacher, school_class = teacher_and_class
    store_answers(open_checkin, [{"w1": 2, "w2": 2}] * 6)
    finalise_exactly(open_checkin)  # released under 10
    begin_write()
    teacher.school.suppression_threshold = 5
    db.session.commit()
    later = open_for(school_class, teacher)
    store_answers(later, [{"w1": 2, "w2": 2}] * 6)
    finalise_exactly(later)  # released under 5
    assert "Not enough answers to show results" in _results_page(app, teacher, open_checkin)
    assert "6 pupils answered" in _results_page(app, teacher, later)
    # Raising it applies at once, to both.
    begin_write()
    teacher.school.suppression_threshold = 20
    db.session.commit()
    for checkin in (open_checkin, later):
        assert "Not enough answers to show results" in _results_page(app, teacher, checkin)


def test_stronger_protection_applies_to_check_ins_finalised_after_it(
    app, open_checkin, teacher_and_class
):
    teacher, school_class = teacher_and_class
    store_answers(open_checkin, [{"w1": 2, "w2": 2}] * 12)
    services.finalise_checkin(open_checkin, now())
    begin_write()
    teacher.school.protection = "strong"
    db.session.commit()
    later = open_for(school_class, teacher)
    store_answers(later, [{"w1": 2, "w2": 2}] * 12)
    services.finalise_checkin(later, now())
    releases = {c.id: db.session.get(CheckInRelease, c.id) for c in (open_checkin, later)}
    assert releases[open_checkin.id].protection == "standard"
    assert releases[later.id].protection == "strong"
    sds = {
        check_in_id: {row.noise_sd for row in release.figures if row.statistic == "count"}
        for check_in_id, release in releases.items()
    }
    assert sds[open_checkin.id] == {2.5} and sds[later.id] == {3.75}


def test_results_show_released_figures_not_exact_ones(app, open_checkin, teacher_and_class):
    teacher, _ = teacher_and_class
    # 20 pupils, all "Sometimes" (3) on W1: exactly 100%. The page shows the release.
    store_answers(open_checkin, [{"w1": 3, "w2": 3}] * 20)
    services.finalise_checkin(open_checkin, now())
    html = _results_page(app, teacher, open_checkin)
    figures = released_figures(open_checkin.id)
    cells = {v: figures[("w1", "count", v)] for v in range(6)}
    shift = (20 - sum(cells.values())) / 6
    kept = {v: max(0.0, cells[v] + shift) for v in range(1, 6)}
    expected = {v: int(100 * kept[v] / sum(kept.values()) + 0.5) for v in kept}
    w1 = html.split("Worry: &ldquo;")[1].split("</table>")[0]
    row = re.compile(r'<th scope="row">(\w+)</th>\s*<td class="num">(\d+)%')
    shown = [int(percent) for _, percent in row.findall(w1)]
    assert shown == [expected[v] for v in range(1, 6)]


def test_results_are_read_from_released_figures_so_they_survive_the_purge(
    app, runner, open_checkin, teacher_and_class
):
    teacher, _ = teacher_and_class
    # 30 answers: well above the threshold of 10 with the noise in the counts, so the
    # indices are shown (with 12, a noisy count can fall below it and hide them).
    store_answers(open_checkin, [{"w1": 2, "w2": 3, "c1": 4, "c2": 2}] * 30)
    services.finalise_checkin(open_checkin, now())
    before = _results_page(app, teacher, open_checkin)
    checkin = reload(open_checkin)
    begin_write()
    checkin.opened_on = date.today() - timedelta(days=800)
    db.session.commit()
    result = runner.invoke(args=["cmt", "purge-checkins"])
    assert result.exit_code == 0, result.output
    assert "deleted 30 answer sets of 1 check-in opened" in result.output
    assert answer_count(open_checkin.id) == 0
    after = _results_page(app, teacher, open_checkin)

    def figures(html):
        return html.split("30 pupils answered")[1].split("All check-ins")[0]

    assert "out of 100" in figures(before) and figures(after) == figures(before)


def test_purge_keeps_answers_within_the_retention_period_and_finalises_first(
    app, runner, teacher_and_class
):
    teacher, school_class = teacher_and_class
    begin_write()
    teacher.school.retention_months = 6
    db.session.commit()
    recent = open_for(school_class, teacher)
    old = open_for(make_class(teacher, name="8C"), teacher)
    store_answers(recent, [{"w1": 1}] * 3)
    store_answers(old, [{"w1": 4}] * 3)
    old = reload(old)
    begin_write()
    old.opened_on = date.today() - timedelta(days=200)
    db.session.commit()
    result = runner.invoke(args=["cmt", "purge-checkins"])
    assert result.exit_code == 0, result.output
    assert (
        "deleted 3 answer sets of 1 check-in opened" in result.output
        and "(kept 6 months)" in result.output
    )
    assert answer_count(recent.id) == 3 and answer_count(old.id) == 0
    old = reload(old)
    assert old.answer_count == 3 and old.closed_at is not None
    assert old.release is not None and len(released_figures(old.id)) == 43
    again = runner.invoke(args=["cmt", "purge-checkins"])
    assert "No check-in answers are older" in again.output


# ---------------------------------------------------------------- demo and benchmark endpoints


@pytest.mark.parametrize("app_config", [{"BENCHMARK_ENDPOINTS": True}])
def test_the_benchmark_baselines_each_store_one_bare_row(app, open_checkin):
    client = app.test_client()
    for baseline in ("insert", "insert-in-transaction"):
        response = client.post(f"/_benchmark/{baseline}/{open_checkin.id}")
        assert response.get_data(as_text=True) == "ok"
    assert answer_count(open_checkin.id) == 2
    stored = db.session.scalars(select(AnswerSet).where(AnswerSet.check_in_id == open_checkin.id))
    assert all(row.w1 is None and row.right_now is None for row in stored)


def test_the_demo_seeds_results_and_one_open_check_in(app, runner):
    from cmt_schools.demo import seed_demo

    demo = seed_demo(password="demo password here", today=date.today())
    notes = "\n".join(demo.notes)
    code = re.search(r"Open check-in: join code (\w{6}) at /join", notes).group(1)
    checkins = list(db.session.scalars(select(CheckIn).order_by(CheckIn.id)))
    baselines = [c for c in checkins if c.kind == "baseline"]
    assert all(c.answer_count is not None for c in baselines)
    assert max(c.answer_count for c in baselines) >= 10
    still_open = next(c for c in checkins if c.join_code == code)
    assert services.is_open(still_open, now())
    assert app.test_client().get(f"/join/{code}").status_code == 200
    shown = services.results_for(baselines[0], demo.school.suppression_threshold)
    assert shown.shown and all(index.mean is not None for index in shown.indices)

"""The curriculum pages for signed-in staff: the programme per band and each lesson's plan."""

from __future__ import annotations

import html
import re

import pytest

from cmt_schools.curriculum.loader import load_curriculum

BANDS = ["ks2", "ks3", "ks4"]
ALL_KEYS = sorted(load_curriculum().by_key)


@pytest.fixture
def teacher_client(client, auth, make_teacher):
    teacher = make_teacher()
    auth.login(teacher)
    return client


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.mark.parametrize("role", ["teacher", "lead"])
def test_staff_see_curriculum_in_the_navigation(client, auth, make_user, role):
    auth.login(make_user(role))
    page = client.get("/dashboard").get_data(as_text=True)
    assert '<a href="/curriculum"' in page and ">Curriculum</a>" in page


@pytest.mark.parametrize("band", BANDS)
def test_overview_lists_the_core_lessons_in_order_and_the_extras(teacher_client, band):
    response = teacher_client.get(f"/curriculum?band={band}")
    assert response.status_code == 200
    page = text_of(response)
    taught = load_curriculum().band(band)
    assert f"<h1>Curriculum: {taught.rules.name}</h1>" in page
    positions = [page.index(f"/curriculum/{band}/{lesson.slug}") for lesson in taught.core]
    assert positions == sorted(positions)
    for lesson in taught.lessons:
        assert lesson.title in page
        assert lesson.summary in page
    assert "Optional extras" in page
    assert 'aria-current="page"><span class="band-name">' + taught.rules.name in page


def test_overview_defaults_to_a_band_and_links_every_band(teacher_client):
    page = text_of(teacher_client.get("/curriculum"))
    assert "<h1>Curriculum: KS2</h1>" in page
    for band in BANDS:
        assert f'href="/curriculum?band={band}"' in page


@pytest.mark.parametrize("band", ["ks9", "KS", "<script>alert(1)</script>", "ks3/.."])
def test_an_unknown_band_is_a_clear_404(teacher_client, band):
    response = teacher_client.get("/curriculum", query_string={"band": band})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "No such age band" in page
    assert "<script>alert" not in page
    assert 'href="/curriculum?band=ks3"' in page


def test_band_names_are_not_case_sensitive(teacher_client):
    assert "<h1>Curriculum: KS4</h1>" in text_of(teacher_client.get("/curriculum?band=KS4"))


def test_every_lesson_page_shows_the_full_plan(teacher_client):
    for key in ALL_KEYS:
        lesson = load_curriculum().lesson(key)
        response = teacher_client.get(f"/curriculum/{key}")
        assert response.status_code == 200, key
        page = text_of(response)
        assert f"<h1>{lesson.title}</h1>" in page
        assert "Timings" in page and f'<td class="num">{lesson.minutes}</td>' in page
        for number, step in enumerate(lesson.steps, start=1):
            assert f'id="step-{number}"' in page
            assert step.title in page
            assert f"<strong>{step.minutes} min</strong>" in page
            if step.practice:
                assert step.practice.pass_option in page
                assert step.practice.alternative in page
            if step.worksheet:
                assert step.worksheet.title in page
            assert (step.send is None) or "SEND adaptations" in page
        for intention in lesson.intentions:
            assert intention in page
        assert 'id="safeguarding-heading"' in page
        assert 'class="lesson-board"' in page  # pupil text, set apart
        assert 'id="lesson-tools"' in page  # where the presenter and PDF links go


def test_lesson_page_shows_script_cues_pupil_text_and_breathing_counts(teacher_client):
    page = text_of(teacher_client.get("/curriculum/ks4/08-blocks-and-toolkit"))
    assert '<strong class="cue">' in page
    assert '<q class="speech">' in page
    assert "Breathe in for a count of 5, and out for a count of 7." in page
    assert '<span class="count-n">5</span> in' in page
    assert "The pacer is slower today: in for 5, out for 7." in page
    # the timings run from the start of the lesson to the end of its last step (the
    # lesson's spare minutes for moving and settling are a row of their own)
    lesson = load_curriculum().lesson("ks4/08-blocks-and-toolkit")
    first, total = lesson.steps[0].minutes, sum(step.minutes for step in lesson.steps)
    assert f"0–{first} min" in page
    assert f"{total - lesson.steps[-1].minutes}–{total} min" in page
    assert "Moving and settling" in page


def test_lesson_band_switch_links_the_same_lesson_in_other_bands(teacher_client):
    page = text_of(teacher_client.get("/curriculum/ks3/03-soothing-breathing"))
    assert 'href="/curriculum/ks2/03-soothing-breathing"' in page
    assert 'href="/curriculum/ks4/03-soothing-breathing"' in page
    current = re.search(
        r'<a href="/curriculum/ks3/03-soothing-breathing" aria-current="page">', page
    )
    assert current
    assert "Years 3-6, 30 min" in page


def test_a_band_only_extra_says_where_it_is_not_taught(teacher_client):
    page = text_of(teacher_client.get("/curriculum/ks2/extra-moving-up"))
    assert "Years 7-9, not taught" in page
    assert 'href="/curriculum/ks3/extra-moving-up"' not in page


def test_calm_close_shows_who_pupils_can_go_to_for_the_band(client, auth, make_teacher):
    teacher = make_teacher()
    auth.login(teacher)
    ks2 = text_of(client.get("/curriculum/ks2/01-what-compassion-is"))
    ks3 = text_of(client.get("/curriculum/ks3/01-what-compassion-is"))
    assert "Who pupils can go to" in ks2
    assert teacher.school.trusted_adults in ks2
    assert "Childline" in ks2 and "Shout" not in ks2.split("Who pupils can go to")[1]
    assert "Shout" in ks3.split("Who pupils can go to")[1]


@pytest.mark.parametrize(
    "path",
    [
        "/curriculum/ks3/no-such-lesson",
        "/curriculum/ks9/03-soothing-breathing",
        "/curriculum/KS3/03-soothing-breathing",
        "/curriculum/ks3/03-soothing-breathing.toml",
        "/curriculum/ks3/..%2F..%2Floader",
    ],
)
def test_an_unknown_lesson_is_404(teacher_client, path):
    assert teacher_client.get(path).status_code == 404


@pytest.mark.parametrize(
    "path", ["/curriculum", "/curriculum?band=ks3", f"/curriculum/{ALL_KEYS[0]}"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


def test_curriculum_pages_are_not_cached(teacher_client):
    response = teacher_client.get("/curriculum/ks3/01-what-compassion-is")
    assert response.headers["Cache-Control"] == "no-store"
    assert "style=" not in response.get_data(as_text=True)


def test_lesson_page_links_to_the_presenter(client, auth, make_teacher):
    auth.login(make_teacher())
    page = text_of(client.get("/curriculum/ks3/06-inner-critic"))
    assert 'href="/teach/practice/ks3/06-inner-critic"' in page
    assert "Practise in the presenter" in page

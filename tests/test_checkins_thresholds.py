# ruff: noqa: F811 - pytest fixtures imported from checkins_fixtures are used as arguments
"""A check-in's results page at the edge of the threshold: each question and each index is
shown from exactly `threshold` answers and withheld at one fewer, whatever the total."""

from __future__ import annotations

from .checkins_fixtures import (
    finalise_exactly,
    login,
    open_checkin,  # noqa: F401 - fixture
    store_answers,
    teacher_and_class,  # noqa: F401 - fixture
)


def _sections(html: str) -> dict[str, str]:
    """Each question's part of the results page, by its label, and the indices' part."""
    parts = html.split('<div class="panel item-result">')
    found = {"indices": parts[0].split("<h2>Indices</h2>")[1]}
    for part in parts[1:]:
        label = part.split("<h3>")[1].split(": &ldquo;")[0]
        found[label] = part.split("</div>")[0]
    return found


def test_a_question_answered_by_one_fewer_than_the_threshold_is_withheld(
    app, open_checkin, teacher_and_class
):
    teacher, _ = teacher_and_class
    assert teacher.school.suppression_threshold == 10
    # 11 pupils in all, enough for results; then per question: W1 by all 11, W2 and C1 by
    # exactly 10 (the threshold), C2 by exactly 9 (one fewer), S1 and G1 by nobody.
    answers = [{"w1": 2, "w2": 3, "c1": 4, "c2": 2} for _ in range(9)]
    answers.append({"w1": 2, "w2": 3, "c1": 4})
    answers.append({"w1": 5})
    store_answers(open_checkin, answers)
    # Released with no noise, so the edge of the threshold can be checked exactly.
    finalise_exactly(open_checkin)
    client = app.test_client()
    login(client, teacher)
    html = client.get(f"/checkins/{open_checkin.id}/results").get_data(as_text=True)
    assert "11 pupils answered" in html
    sections = _sections(html)

    withheld = "Not shown: fewer than 10 pupils answered this question."
    for label, answered in (("Worry", 11), ("Tension", 10), ("Kind to myself", 10)):
        assert withheld not in sections[label], label
        assert "%</td>" in sections[label], label
        assert f"{answered} answered; {11 - answered} skipped" in sections[label], label
    assert withheld in sections["Hard on myself"]
    assert "%" not in sections["Hard on myself"]
    assert "9 answered" not in sections["Hard on myself"]

    # Worry index: W1 and W2 both from 10 pupils, (2.5 - 1) x 25 = 37.5 -> 38. The
    # self-compassion index needs C1 and C2: only 9 pupils gave both.
    indices = sections["indices"]
    worry = indices.split("<dt>Worry index</dt>")[1].split("</div>")[0]
    assert '<span class="index-value">38</span>' in worry and "from 10 pupils" in worry
    kindness = indices.split("<dt>Self-compassion index</dt>")[1].split("</div>")[0]
    assert "Not shown: fewer than 10 pupils answered both of its questions." in kindness
    assert "index-value" not in kindness

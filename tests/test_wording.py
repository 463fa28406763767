"""One helper for how counts read, on every page and message."""

from __future__ import annotations

import pytest

from cmt_schools.core.wording import count_of, plural_of


@pytest.mark.parametrize(
    "word, plural",
    [
        ("lesson", "lessons"),
        ("class", "classes"),
        ("scheduled lesson", "scheduled lessons"),
        ("activity", "activities"),
        ("day", "days"),
        ("box", "boxes"),
        ("child", "children"),
        ("check-in", "check-ins"),
    ],
)
def test_plural_of(word, plural):
    assert plural_of(word) == plural


@pytest.mark.parametrize(
    "n, word, reads",
    [
        (1, "class", "1 class"),
        (8, "class", "8 classes"),
        (0, "class", "0 classes"),
        (1, "scheduled lesson", "1 scheduled lesson"),
        (3, "scheduled lesson", "3 scheduled lessons"),
    ],
)
def test_count_of(n, word, reads):
    assert count_of(n, word) == reads


def test_count_of_is_a_filter_in_every_template(app):
    render = app.jinja_env.from_string("{{ 1|count_of('term') }}, {{ 8|count_of('class') }}")
    assert render.render() == "1 term, 8 classes"

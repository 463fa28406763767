"""Issue 15's rules, each shown failing on a small lesson written here, and the SVG check."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cmt_schools.curriculum.checks import check_curriculum
from cmt_schools.curriculum.loader import CurriculumError, load_lesson_file, resources_dir
from cmt_schools.curriculum.resource_checks import resource_path, resource_problems
from cmt_schools.curriculum.resources_vocabulary import NOT_RESOURCES, RESOURCE_WORD_PATTERN
from cmt_schools.curriculum.schema import BAND_RULES
from cmt_schools.curriculum.svg_check import svg_file_problems, svg_problems

from .curriculum_fixtures import fixture_lesson, good_svg, write_fixture


def _replace(old: str, new: str, count: int = 1) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, f"{old!r} is not in the lesson"
        return text.replace(old, new, count)

    return edit


def problems_of(tmp_path, band: str = "ks2", **options) -> list[str]:
    lesson = fixture_lesson(tmp_path, band, **options)
    return resource_problems(lesson, tmp_path / "resources")


@pytest.mark.parametrize("band", list(BAND_RULES))
def test_the_fixture_lesson_passes_every_rule_in_every_band(tmp_path, band):
    assert problems_of(tmp_path, band) == []


# ------------------------------------------------------------------ missing and unused


def test_a_script_calling_for_a_resource_the_lesson_does_not_ship_fails(tmp_path):
    edit = _replace('Say: "Breathe with the circle."', 'Give out the breathing strips. Say: "Go."')
    problems = problems_of(tmp_path, edit=edit)
    assert len(problems) == 1
    assert "ks2/03-test-lesson: practise script calls for a resource" in problems[0]
    assert "breathing strips" in problems[0]


def test_a_send_note_or_materials_entry_calling_for_a_resource_fails(tmp_path):
    send = 'pupil_text = """Let us think together."""\nsend = "Use a visual timer chart."'
    edit = _replace('materials = ["Projector"', 'materials = ["Projector", "Corner signs"')
    problems = problems_of(
        tmp_path, edit=lambda text: edit(_replace('pupil_text = """Let', send[:-60])(text))
    )
    assert any("materials[2] calls for a resource" in p and "Corner signs" in p for p in problems)


def test_a_send_note_calling_for_a_resource_fails(tmp_path):
    edit = _replace(
        'pupil_text = """Let us think together."""',
        'pupil_text = """Let us think together."""\nsend = "Give a cue card with a picture."',
    )
    problems = problems_of(tmp_path, edit=edit)
    assert len(problems) == 2  # "cue card" and "picture"
    assert all("arrive send calls for a resource" in p for p in problems)


def test_allowlisted_phrases_name_nothing_to_ship(tmp_path):
    said = 'Say: "Notice the warning signs in your body. If you like, draw a picture."'
    assert problems_of(tmp_path, edit=_replace('Say: "Welcome. Let us settle."', said)) == []
    assert "warning signs" in NOT_RESOURCES and "draw a picture" in NOT_RESOURCES
    assert list(NOT_RESOURCES) == sorted(NOT_RESOURCES[:4])  # "every band" block is sorted


def test_every_resource_word_is_caught_and_none_inside_other_words():
    words = "sign signs card cards chart charts picture pictures poster posters outline "
    words += "outlines strip strips diagram diagrams image images template templates cue card"
    found = [m.group(0) for m in RESOURCE_WORD_PATTERN.finditer(words)]
    assert len(found) == 21 and "cue card" in found
    assert not RESOURCE_WORD_PATTERN.findall("a signal, a cardigan, discard, imagery, striped")


def test_a_shipped_resource_its_steps_never_mention_fails_as_unused(tmp_path):
    edit = _replace("Show the calm picture on the board.\n", "")
    problems = problems_of(tmp_path, edit=edit)
    assert problems == [
        "ks2/03-test-lesson: resource 'calm-picture' is shipped but unused: 'calm picture' is "
        "not in the script or SEND note of big_idea"
    ]


def test_a_resource_mentioned_only_in_another_step_is_unused(tmp_path):
    edit = _replace('steps = ["explore"]', 'steps = ["practise"]')
    assert any(
        "'feelings-cards' is shipped but unused" in p for p in problems_of(tmp_path, edit=edit)
    )


def test_a_lesson_with_nothing_for_the_pupils_screen_fails(tmp_path):
    edit = _replace('use = "project"', 'use = "print"\ncopies = "One"')
    problems = problems_of(
        tmp_path, edit=lambda t: edit(t).replace('use = "both"', 'use = "print"')
    )
    assert any("no resource for the pupils' screen" in p for p in problems)


# ------------------------------------------------------------------ slack, fallback, signposts


@pytest.mark.parametrize("slack", [0, 1, 4])
def test_a_lesson_without_two_or_three_minutes_of_slack_fails(tmp_path, slack):
    # The fixture's 32-minute lesson has steps of 29 minutes; its explore step takes 8.
    explore = 8 + 3 - slack
    edit = _replace('title = "Explore"\nminutes = 8', f'title = "Explore"\nminutes = {explore}')
    problems = problems_of(tmp_path, edit=edit)
    assert problems == [
        f"ks2/03-test-lesson: the steps take {32 - slack} of 32 minutes, leaving {slack}; "
        "leave 2-3 minutes for moving and settling"
    ]


def test_steps_longer_than_the_lesson_are_a_broken_file(tmp_path):
    edit = _replace('title = "Explore"\nminutes = 8', 'title = "Explore"\nminutes = 12')
    with pytest.raises(CurriculumError, match="add up to 33, more than the lesson's 32"):
        fixture_lesson(tmp_path, edit=edit)


@pytest.mark.parametrize("stage", ["big_idea", "reflect"])
def test_an_ask_without_if_nobody_answers_fails(tmp_path, stage):
    fallback = {
        "big_idea": 'If nobody answers: offer "Stroking a pet helps me."\n',
        "reflect": "\nIf nobody answers: ask pairs to tell each other one thing first.",
    }[stage]
    problems = problems_of(tmp_path, edit=_replace(fallback, ""))
    assert len(problems) == 1
    assert f"{stage}: no 'If nobody answers:' after 'Ask:" in problems[0]


def test_two_asks_need_two_fallbacks(tmp_path):
    edit = _replace('Say: "Thank you."', 'Ask: "And what else?"')
    problems = problems_of(tmp_path, edit=edit)
    assert problems == [
        "ks2/03-test-lesson: big_idea: no 'If nobody answers:' after 'Ask: \"And what else?\"'"
    ]


@pytest.mark.parametrize(
    "band, removed",
    [("ks2", "Childline"), ("ks2", "a trusted adult"), ("ks3", "85258"), ("ks4", "999")],
)
def test_a_calm_close_without_its_signposts_fails(tmp_path, band, removed):
    replacement = {"a trusted adult": "someone", "Childline": "a helpline"}.get(removed, "")
    problems = problems_of(tmp_path, band, edit=_replace(removed, replacement))
    assert problems == [
        f"{band}/03-test-lesson: the calm close pupil text does not name: {removed}"
    ]


def test_ks2_need_not_name_shout_but_ks3_must(tmp_path):
    assert problems_of(tmp_path, "ks2") == []
    edit = _replace("Shout: text 85258.\n", "")
    problems = problems_of(tmp_path, "ks3", edit=edit)
    assert problems == ["ks3/03-test-lesson: the calm close pupil text does not name: Shout, 85258"]


# ------------------------------------------------------------------ home card, files


def test_a_lesson_without_a_home_card_fails(tmp_path):
    edit = _replace('[home_card]\ntitle = "Calm breathing at home"', "[unused]\ntitle = 'x'")
    with pytest.raises(CurriculumError):  # an unknown table is a broken file...
        fixture_lesson(tmp_path, edit=edit)

    def drop_card(text: str) -> str:
        start = text.index("[home_card]")
        return text[:start] + text[text.index("[[steps]]") :]

    assert problems_of(tmp_path, edit=drop_card) == ["ks2/03-test-lesson: no [home_card]"]


@pytest.mark.parametrize("words", [5, 90])
def test_a_home_card_too_short_or_too_long_fails(tmp_path, words):
    start = 'text = """'
    body = " ".join(["calm"] * words)

    def edit(text: str) -> str:
        head, _, rest = text.partition(start)
        return head + start + body + '"""' + rest[rest.index('"""') + 3 :]

    assert problems_of(tmp_path, edit=edit) == [
        f"ks2/03-test-lesson: the home card has {words} words; write 15-70"
    ]


def test_a_missing_resource_file_fails(tmp_path):
    problems = problems_of(tmp_path, svgs={"calm-picture": None})
    assert problems == [
        "ks2/03-test-lesson: ks2/03-test-lesson/calm-picture.svg: the file is missing"
    ]


def test_an_undeclared_file_in_the_lessons_folder_fails(tmp_path):
    problems = problems_of(tmp_path, svgs={"old-drawing": good_svg()})
    assert problems == [
        "ks2/03-test-lesson: ks2/03-test-lesson/old-drawing.svg: no [[resources]] entry ships "
        "this file"
    ]


def test_a_bad_svg_fails_the_lesson(tmp_path):
    bad = good_svg().replace('fill="#c8dbf1"', 'style="fill:red"')
    problems = problems_of(tmp_path, svgs={"calm-picture": bad})
    assert problems == [
        "ks2/03-test-lesson: ks2/03-test-lesson/calm-picture.svg: <rect> has an attribute the "
        "style kit does not allow: style"
    ]


def test_a_projected_picture_must_be_1200_by_800_and_a_print_an_a4_page(tmp_path):
    problems = problems_of(
        tmp_path,
        svgs={
            "calm-picture": good_svg(size=(1188, 840)),
            "feelings-cards": good_svg(size=(800, 600)),
        },
    )
    assert len(problems) == 2
    assert "calm-picture.svg: a projected resource is drawn 0 0 1200 800" in problems[0]
    assert "feelings-cards.svg: use 0 0 1200 800, 0 0 1188 840 or 0 0 840 1188" in problems[1]


def test_the_check_command_reads_resources_beside_the_lessons_folder(tmp_path):
    """`--lessons PATH` finds the SVGs in PATH/../resources, as the package lays them out."""
    path = write_fixture(tmp_path, svgs={"calm-picture": None})
    said: list[str] = []
    assert check_curriculum(said.append, root=tmp_path / "lessons") == 1  # bands incomplete
    lesson = load_lesson_file(path, "ks2")
    assert resource_path(lesson, lesson.resources[0], tmp_path / "resources") == (
        tmp_path / "resources/ks2/03-test-lesson/calm-picture.svg"
    )
    assert resources_dir(tmp_path / "lessons") == tmp_path / "resources"


# ------------------------------------------------------------------ the schema's own rules


@pytest.mark.parametrize(
    "edit, words",
    [
        (_replace('id = "calm-picture"', 'id = "Calm Picture"'), "resources[1].id"),
        (_replace('use = "project"', 'use = "project"\ncopies = "One"'), "copies must be empty"),
        (_replace('copies = "One set per pair, cut out"', ""), "say what to print"),
        (_replace('steps = ["big_idea"]', 'steps = ["lunch"]'), "resources[1].steps[1]"),
        (_replace('alt = "A child', 'alt = "Short"\n# "'), "resources[1].alt"),
        (_replace('kind = "picture"', 'kind = "video"'), "resources[1].kind"),
        (_replace('id = "feelings-cards"', 'id = "calm-picture"'), "used twice: calm-picture"),
        (_replace('names = ["calm picture"]', 'names = ["Calm Picture"]'), "names[1]"),
    ],
)
def test_a_malformed_resource_is_a_broken_file_naming_the_field(tmp_path, edit, words):
    with pytest.raises(CurriculumError, match="lesson ks2/03-test-lesson") as caught:
        fixture_lesson(tmp_path, edit=edit)
    assert words in str(caught.value)


FRAME = """
[steps.worksheet]
title = "A letter"
instructions = "Write a kind letter."

[[steps.worksheet.blocks]]
kind = "frame"
prompt = "Use these starters."
starters = [{starters}]
"""


@pytest.mark.parametrize("count, ok", [(1, False), (2, True), (12, True), (13, False)])
def test_a_frame_block_has_two_to_twelve_starters(tmp_path, count, ok):
    starters = ", ".join(f'"Starter {n} ..."' for n in range(count))
    block = FRAME.format(starters=starters)

    def edit(text: str) -> str:
        return text.rstrip() + "\n" + block

    if ok:
        lesson = fixture_lesson(tmp_path, edit=edit)
        frame = lesson.worksheets[0].blocks[0]
        assert frame.kind == "frame" and len(frame.starters) == count
        assert f"Starter {count - 1} ..." in lesson.pupil_texts()
    else:
        with pytest.raises(CurriculumError, match="needs 2-12 starters"):
            fixture_lesson(tmp_path, edit=edit)


def test_only_a_frame_has_starters(tmp_path):
    block = FRAME.format(starters='"A", "B"').replace('kind = "frame"', 'kind = "lines"\nlines = 2')
    with pytest.raises(CurriculumError, match="only a 'frame' block has starters"):
        fixture_lesson(tmp_path, edit=lambda text: text.rstrip() + "\n" + block)


def test_ks4_is_labelled_ages_14_to_16_with_the_sixth_form_allowed():
    rules = BAND_RULES["ks4"]
    assert (rules.years, rules.ages) == ("Years 10-11", "14-16")
    assert "Years 12-13" in rules.also


# ------------------------------------------------------------------ the SVG check


def test_a_style_kit_svg_passes():
    assert svg_problems(good_svg().encode(), "calm-picture") == []


BAD_SVGS = [
    ("script", "<script>alert(1)</script>", "element the style kit does not allow: <script>"),
    ("style element", "<style>rect{fill:red}</style>", "not allow: <style>"),
    ("image", '<image href="x.png" width="1" height="1"/>', "not allow: <image>"),
    ("foreignObject", "<foreignObject/>", "not allow: <foreignObject>"),
    ("link", '<a href="https://example.org"><rect width="1" height="1"/></a>', "<a>"),
    ("style attribute", '<rect style="fill:red" width="1" height="1"/>', "allow: style"),
    ("class", '<rect class="big" width="1" height="1"/>', "allow: class"),
    ("event handler", '<rect onclick="x()" width="1" height="1"/>', "allow: onclick"),
    ("url fill", '<rect fill="url(#g)" width="1" height="1"/>', "fill uses url(...)"),
    ("external use", '<use href="other.svg#x"/>', "links outside the file: other.svg#x"),
    ("small text", '<text font-size="24">Tiny</text>', "'Tiny' has font-size 24; at least 36"),
    ("unsized text", "<text>Plain</text>", "'Plain' has font-size 16"),
    ("odd font size", '<text font-size="2em">Em</text>', "not a plain number"),
    ("unprefixed id", '<g id="heart"/>', "id 'heart' does not start with the file id"),
    ("entity", "<text font-size='40'>&#169;</text>", "uses the entity &#169;"),
]


@pytest.mark.parametrize("extra, words", [c[1:] for c in BAD_SVGS], ids=[c[0] for c in BAD_SVGS])
def test_the_svg_check_refuses_what_the_style_kit_forbids(extra, words):
    source = good_svg().replace("</svg>", extra + "\n</svg>")
    problems = svg_problems(source.encode(), "calm-picture")
    assert any(words in problem for problem in problems), problems


def test_text_inherits_its_size_from_a_group_and_a_prefixed_id_is_fine():
    extra = '<g id="calm-picture-label" font-size="48"><text>Big <tspan>enough</tspan></text></g>'
    source = good_svg().replace("</svg>", extra + "</svg>")
    assert svg_problems(source.encode(), "calm-picture") == []


@pytest.mark.parametrize(
    "source, words",
    [
        (good_svg().replace("<title>Calm</title>", ""), "needs a <title>"),
        (good_svg().replace('viewBox="0 0 1200 800" ', ""), "needs viewBox"),
        (good_svg().replace(' role="img"', ""), 'needs role="img"'),
        (good_svg().replace("</svg>", ""), "not well-formed XML"),
        ('<!DOCTYPE svg [<!ENTITY x "y">]>' + good_svg(), "DOCTYPE or ENTITY"),
        (good_svg().replace('xmlns="http://www.w3.org/2000/svg" ', ""), "SVG namespace"),
    ],
)
def test_the_svg_check_needs_a_title_a_viewbox_and_well_formed_svg(source, words):
    assert any(words in problem for problem in svg_problems(source.encode(), "calm-picture"))


def test_every_shipped_resource_file_passes_the_svg_check():
    files = sorted(resources_dir().glob("*/*/*.svg"))
    for path in files:
        assert svg_file_problems(path) == [], path


def test_the_packs_three_systems_diagram_keeps_to_the_style_kit():
    from cmt_schools.packs.rendering import STATIC_DIR

    assert svg_file_problems(STATIC_DIR / "img" / "three-systems.svg") == []

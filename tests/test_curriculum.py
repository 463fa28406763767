"""The curriculum as data: every lesson file loads, fits its band, carries its ideas, reads
at its band's level and is written in the project's own words; broken files are named."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from cmt_schools.curriculum.checks import (
    SHINGLE_WORDS,
    check_curriculum,
    copied_runs,
    lacks_support_reminder,
    load_source_shingles,
    missing_examples,
    shingle_hash,
    words_of,
)
from cmt_schools.curriculum.formatting import lesson_html
from cmt_schools.curriculum.ideas import BAND_EXAMPLES, IDEAS_BY_LESSON
from cmt_schools.curriculum.loader import (
    LESSONS_DIR,
    BandCurriculum,
    CurriculumError,
    load_curriculum,
    load_lesson_file,
)
from cmt_schools.curriculum.readability import band_reading_grade
from cmt_schools.curriculum.schema import BAND_RULES, GUIDED_PRACTICES, STAGES

BANDS = list(BAND_RULES)
CORE_SLUGS = [
    "01-what-compassion-is",
    "02-three-systems",
    "03-soothing-breathing",
    "04-mindful-noticing",
    "05-compassionate-self",
    "06-inner-critic",
    "07-giving-receiving",
    "08-blocks-and-toolkit",
]
# Parametrize from the files on disk, so one broken file fails its own tests, not collection.
LESSON_KEYS = sorted(f"{path.parent.name}/{path.stem}" for path in LESSONS_DIR.glob("*/*.toml"))
CORE_KEYS = [key for key in LESSON_KEYS if not key.split("/")[1].startswith("extra-")]
IDEA_CASES = [
    (f"{band}/{CORE_SLUGS[number - 1]}", idea, phrases)
    for band in BANDS
    for number, ideas in IDEAS_BY_LESSON.items()
    for idea, phrases in ideas.items()
]


def lesson(key: str):
    found = load_curriculum().lesson(key)
    assert found is not None, f"no lesson {key}"
    return found


# ------------------------------------------------------------------ shape of the programme


def test_the_curriculum_is_loaded_once_and_cached():
    assert load_curriculum() is load_curriculum()
    assert len(LESSON_KEYS) == 30


@pytest.mark.parametrize("band", BANDS)
def test_each_band_has_eight_core_lessons_in_order_and_optional_extras(band):
    taught = load_curriculum().band(band)
    assert [item.number for item in taught.core] == list(range(1, 9))
    assert [item.slug for item in taught.core] == CORE_SLUGS
    assert len(taught.extras) >= 2
    assert all(item.number is None for item in taught.extras)
    # Core lessons come first, in teaching order.
    assert taught.lessons[:8] == taught.core


@pytest.mark.parametrize("key", LESSON_KEYS)
def test_lesson_keys_are_band_and_slug(key):
    item = lesson(key)
    assert item.key == f"{item.band}/{item.slug}" == key
    assert item.content_version and len(item.content_version) == 16


@pytest.mark.parametrize("slug", [*CORE_SLUGS, "extra-class-charter"])
def test_the_same_slug_is_the_same_lesson_in_every_band(slug):
    curriculum = load_curriculum()
    taught = [curriculum.lesson(f"{band}/{slug}") for band in BANDS]
    assert all(taught)
    assert len({item.number for item in taught}) == 1
    assert curriculum.counterpart(taught[0], "ks4") is taught[2]


# ------------------------------------------------------------------ every lesson


@pytest.mark.parametrize("key", LESSON_KEYS)
def test_lesson_follows_the_anatomy_and_its_steps_fit_in_the_lesson(key):
    # The 2-3 minutes of slack the check wants are tested with the check (below, and in
    # test_curriculum_resources.py); a lesson's steps never take longer than the lesson.
    item = lesson(key)
    rules = BAND_RULES[item.band]
    assert tuple(step.stage for step in item.steps) == STAGES
    assert sum(step.minutes for step in item.steps) <= item.minutes
    low, high = rules.lesson_minutes
    assert low <= item.minutes <= high
    assert item.title and item.summary and item.intentions and item.preparation
    assert item.safeguarding
    for step in item.steps:
        assert step.title and step.script and step.pupil_text


@pytest.mark.parametrize(
    "band, low, high", [("ks2", 30, 35), ("ks3", 45, 50), ("ks4", 50, 60)], ids=BANDS
)
def test_band_minute_ranges_are_the_products(band, low, high):
    assert BAND_RULES[band].lesson_minutes == (low, high)
    assert all(low <= item.minutes <= high for item in load_curriculum().band(band).lessons)


@pytest.mark.parametrize("key", LESSON_KEYS)
def test_every_practice_has_a_pass_and_an_alternative_and_fits_the_band(key):
    item = lesson(key)
    rules = BAND_RULES[item.band]
    practices = [step.practice for step in item.steps if step.practice]
    assert practices, "every lesson has at least one practice"
    for practice in practices:
        assert len(practice.pass_option) > 20
        assert len(practice.alternative) > 20
        if practice.kind in GUIDED_PRACTICES:
            assert rules.practice_minutes[0] <= practice.minutes <= rules.practice_minutes[1]
        if practice.kind == "breathing":
            assert rules.breathe_in[0] <= practice.breathe_in <= rules.breathe_in[1]
            assert rules.breathe_out[0] <= practice.breathe_out <= rules.breathe_out[1]
            assert practice.breathe_out > practice.breathe_in
    for step in item.steps:
        if step.practice:
            assert step.practice.minutes <= step.minutes


@pytest.mark.parametrize("key", LESSON_KEYS)
def test_each_calm_close_reminds_pupils_of_a_trusted_adult(key):
    close = lesson(key).steps[-1]
    assert close.stage == "calm_close"
    assert "trusted adult" in close.pupil_text.lower()
    assert not lacks_support_reminder(lesson(key))


@pytest.mark.parametrize("key", LESSON_KEYS)
def test_every_lesson_has_a_worksheet(key):
    sheets = lesson(key).worksheets
    assert sheets
    assert all(sheet.blocks for sheet in sheets)


@pytest.mark.parametrize(
    "key, idea, phrases", IDEA_CASES, ids=[f"{key}:{idea}" for key, idea, _ in IDEA_CASES]
)
def test_each_source_idea_appears_in_the_lesson_it_belongs_to(key, idea, phrases):
    text = "\n".join(lesson(key).all_texts()).lower().replace("\u2019", "'")
    assert any(phrase in text for phrase in phrases), f"{key} does not carry '{idea}'"


@pytest.mark.parametrize("band", BANDS)
def test_each_band_uses_its_own_examples(band):
    assert missing_examples(load_curriculum().band(band)) == []
    assert BAND_EXAMPLES[band]


# ------------------------------------------------------------------ reading level


@pytest.mark.parametrize("band, target", [("ks2", 4.5), ("ks3", 7.0), ("ks4", 9.0)], ids=BANDS)
def test_pupil_text_reads_at_the_bands_level(band, target):
    taught = load_curriculum().band(band)
    assert BAND_RULES[band].max_reading_grade == target
    assert band_reading_grade(taught) <= target
    for item in taught.lessons:  # and each lesson on its own, not just on average
        grade = band_reading_grade(BandCurriculum(rules=taught.rules, lessons=(item,)))
        assert grade <= target, f"{item.key} reads at grade {grade}"


def test_the_reading_grade_notices_hard_text():
    rules = BAND_RULES["ks2"]
    base = lesson("ks2/01-what-compassion-is")
    hard = (
        "Compassionate engagement necessitates sophisticated metacognitive sensitivity "
        "towards interpersonal suffering, notwithstanding considerable psychological "
        "discomfort and institutional counterpressures."
    )
    steps = tuple(step.model_copy(update={"pupil_text": hard}) for step in base.steps)
    wordy = base.model_copy(update={"steps": steps})
    assert band_reading_grade(BandCurriculum(rules=rules, lessons=(wordy,))) > 9


# ------------------------------------------------------------------ original wording


@pytest.mark.parametrize("key", LESSON_KEYS)
def test_no_eight_word_run_of_a_lesson_stands_in_the_source_texts(key):
    assert copied_runs(lesson(key), load_source_shingles()) == []


def test_the_originality_check_catches_a_copied_run():
    """The check above can fail: a lesson holding a run of the source is caught."""
    source = load_source_shingles()
    seeds = sorted(Path("/work/shared/seeds").glob("*.txt"))
    if seeds:
        words = words_of(seeds[0].read_text(errors="replace"))[40 : 40 + SHINGLE_WORDS + 4]
        copied = " ".join(words)
    else:  # without the source texts, stand in a run of our own for one of theirs
        copied = "the quiet river carried every paper boat safely home tonight"
        source = source | {shingle_hash(words_of(copied)[:SHINGLE_WORDS])}
    base = lesson("ks3/01-what-compassion-is")
    step = base.steps[1]
    edited = base.model_copy(
        update={
            "steps": (
                base.steps[0],
                step.model_copy(update={"script": step.script + "\n" + copied}),
                *base.steps[2:],
            )
        }
    )
    runs = copied_runs(edited, source)
    assert runs, "a copied run was not caught"
    assert " ".join(words_of(copied)[:SHINGLE_WORDS]) in runs
    assert copied_runs(base, source) == []


# ------------------------------------------------------------------ the check, and broken files


def test_cli_check_passes_and_prints_a_table_per_band(runner):
    """All 30 lessons pass every check, issue 15's (resources, slack, fallbacks...) too."""
    result = runner.invoke(args=["cmt", "curriculum", "check"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["band", "core", "extras", "minutes", "practice", "grade", "max"]
    rows = {line.split()[0]: line.split() for line in lines[1:4]}
    assert rows["KS2"][1:4] == ["8", "2", "30-35"]
    assert rows["KS3"][1] == "8" and rows["KS4"][1] == "8"
    assert float(rows["KS3"][5]) <= 7.0 and rows["KS3"][6] == "7.0"
    assert "ok: 30 lessons" in result.output
    assert "error" not in result.output


@pytest.fixture
def lessons_copy(tmp_path) -> Path:
    root = tmp_path / "lessons"
    shutil.copytree(LESSONS_DIR, root)
    return root


def _replace(old: str, new: str, count: int = 1) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, f"{old!r} is not in the file"
        return text.replace(old, new, count)

    return edit


def _swap_explore_and_practise(text: str) -> str:
    text = text.replace('stage = "explore"', 'stage = "@@"', 1)
    text = text.replace('stage = "practise"', 'stage = "explore"', 1)
    return text.replace('stage = "@@"', 'stage = "practise"', 1)


def _drop_line(start: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        lines = text.splitlines(keepends=True)
        index = next(i for i, line in enumerate(lines) if line.startswith(start))
        return "".join(lines[:index] + lines[index + 1 :])

    return edit


BROKEN = "ks3/03-soothing-breathing"
BROKEN_FILES = [
    # (case, edit, the field named, words of the message)
    ("bad TOML", _replace("minutes = 50", "minutes = = 50"), None, "not valid TOML"),
    ("missing field", _drop_line("summary = "), "summary", "Field required"),
    ("wrong step order", _swap_explore_and_practise, "steps", "anatomy in order"),
    ("unknown stage", _replace('stage = "reflect"', 'stage = "chat"'), "steps[5].stage", ""),
    (
        "steps longer than the lesson",
        _replace("minutes = 50", "minutes = 47"),
        "steps",
        "more than the lesson's 47",
    ),
    ("lesson too long", _replace("minutes = 50", "minutes = 70"), "minutes", "KS3 expects 45-50"),
    (
        "breathing counts outside the band",
        _replace("breathe_out = 6", "breathe_out = 8"),
        "steps[4].practice.breathe_out",
        "KS3 expects 6",
    ),
    (
        "in-breath outside the band",
        _replace("breathe_in = 4", "breathe_in = 7"),
        "steps[4].practice.breathe_in",
        "KS3 expects 4",
    ),
    (
        "practice too long for the band",
        _replace("minutes = 5\nbreathe_in", "minutes = 9\nbreathe_in"),
        "steps[4].practice.minutes",
        "KS3 expects 3-5",
    ),
    (
        "practice without a pass",
        _drop_line("pass_option = "),
        "steps[1].practice.pass_option",
        "Field required",
    ),
    ("unknown field", _replace("minutes = 50", 'minutes = 50\ncolour = "blue"'), "colour", ""),
    (
        "unknown field in a step",
        _replace('title = "Arrive and ground"', 'title = "Arrive and ground"\nnotes = "x"'),
        "steps[1].notes",
        "Extra inputs are not permitted",
    ),
    ("core lesson without a number", _drop_line("number = "), "number", "needs its number"),
    ("a field the path gives", _replace("number = 3", 'number = 3\nkey = "x"'), None, "path"),
]


@pytest.mark.parametrize(
    "edit, field, words", [case[1:] for case in BROKEN_FILES], ids=[c[0] for c in BROKEN_FILES]
)
def test_a_broken_file_gives_an_error_naming_file_lesson_and_field(
    lessons_copy, edit, field, words
):
    path = lessons_copy / f"{BROKEN}.toml"
    path.write_text(edit(path.read_text()))
    said: list[str] = []
    assert check_curriculum(said.append, root=lessons_copy) == 1
    message = "\n".join(said)
    assert message.startswith("error: ")
    assert str(path) in message
    assert f"lesson {BROKEN}" in message
    if field:
        assert f"field '{field}'" in message
    assert words in message
    with pytest.raises(CurriculumError) as caught:
        load_lesson_file(path, "ks3")
    assert str(path) in str(caught.value) and BROKEN in str(caught.value)


def test_a_missing_core_lesson_names_the_band(lessons_copy):
    (lessons_copy / "ks2" / "05-compassionate-self.toml").unlink()
    said: list[str] = []
    assert check_curriculum(said.append, root=lessons_copy) == 1
    assert "band KS2 needs core lessons 1-8" in said[-1]


def test_cli_check_fails_on_a_broken_copy_with_a_clear_message(runner, lessons_copy):
    path = lessons_copy / "ks2" / "06-inner-critic.toml"
    path.write_text(_replace("breathe_in = 3", "breathe_in = 4")(path.read_text()))
    result = runner.invoke(args=["cmt", "curriculum", "check", "--lessons", str(lessons_copy)])
    assert result.exit_code == 1
    assert "lesson ks2/06-inner-critic" in result.output
    assert "field 'steps[1].practice.breathe_in': breathe_in is 4; KS2 expects 3" in result.output


def test_a_lesson_that_breaks_a_content_rule_fails_the_check(lessons_copy):
    """Valid TOML and schema, but no trusted adult on the calm close: still an error."""
    path = lessons_copy / "ks4" / "04-mindful-noticing.toml"
    text = path.read_text()
    close = text.index('stage = "calm_close"')
    path.write_text(text[:close] + text[close:].replace("trusted adult", "teacher"))
    said: list[str] = []
    assert check_curriculum(said.append, root=lessons_copy) == 1
    assert (
        "error: ks4/04-mindful-noticing: the calm close does not remind pupils of a trusted adult"
        in said
    )


# ------------------------------------------------------------------ export


def test_export_prints_the_whole_curriculum_as_json(runner):
    result = runner.invoke(args=["cmt", "curriculum", "export"])
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert document["version"] == load_curriculum().version
    assert [band["key"] for band in document["bands"]] == BANDS
    for band in document["bands"]:
        assert len(band["lessons"]) == 10
        for exported in band["lessons"]:
            assert exported["key"] == f"{band['key']}/{exported['slug']}"
            assert [step["stage"] for step in exported["steps"]] == list(STAGES)
            assert len(exported["steps"]) == 7
    first = document["bands"][0]["lessons"][0]
    assert first["number"] == 1 and first["steps"][0]["practice"]["pass_option"]


# ------------------------------------------------------------------ text to HTML


def test_lesson_text_is_escaped_and_structured():
    html = str(
        lesson_html(
            'Say: "Hello <b>class</b>."\n\n- one & two\n- three\n1. first\n<script>x</script>',
            cues=True,
        )
    )
    assert '<strong class="cue">Say:</strong>' in html
    assert '<q class="speech">Hello &lt;b&gt;class&lt;/b&gt;.</q>' in html
    assert "<ul>\n<li>one &amp; two</li>\n<li>three</li>\n</ul>" in html
    assert "<ol>\n<li>first</li>\n</ol>" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert str(lesson_html("Line one\nLine two")) == "<p>Line one</p>\n<p>Line two</p>"
    assert str(lesson_html('Odd "quote here')) == "<p>Odd &#34;quote here</p>"

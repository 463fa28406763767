"""A small lesson that passes every issue 15 rule, written here so each test can break one.

`fixture_lesson(edit)` writes the lesson's TOML (after `edit`) and a style-kit SVG for each
of its resources into a temporary lessons/ and resources/ pair, as the package lays them out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from cmt_schools.curriculum.loader import load_lesson_file
from cmt_schools.curriculum.schema import Lesson

GOOD_SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" role="img">
  <title>{title}</title>
  <rect x="36" y="36" width="{iw}" height="{ih}" rx="24" fill="#c8dbf1" stroke="#1a1a1a"
        stroke-width="6" stroke-linejoin="round"/>
  <path d="M 600 300 l 40 40 l -40 40 z" fill="#b9e1c9" stroke="#1a1a1a" stroke-width="6"
        stroke-linecap="round" stroke-linejoin="round"/>
  <text x="600" y="200" font-family="DejaVu Sans, Arial, sans-serif" font-size="120"
        font-weight="bold" text-anchor="middle" fill="#1a1a1a">{word}</text>
</svg>
"""


def good_svg(title: str = "Calm", size: tuple[int, int] = (1200, 800), word: str = "Calm") -> str:
    """A drawing that keeps to the style kit; `word` is the big word drawn in it."""
    width, height = size
    return GOOD_SVG.format(w=width, h=height, iw=width - 72, ih=height - 72, title=title, word=word)


STEP = """
[[steps]]
stage = "{stage}"
title = "{title}"
minutes = {minutes}
script = \"\"\"{script}\"\"\"
pupil_text = \"\"\"{pupil_text}\"\"\"
"""

SCRIPTS = {
    "arrive": 'Say: "Welcome. Let us settle."',
    "big_idea": (
        'Show the calm picture on the board.\nAsk: "What helps you feel calm?"\n'
        'If nobody answers: offer "Stroking a pet helps me."\nSay: "Thank you."'
    ),
    "explore": 'Hand out the feelings cards. Say: "Sort them with a partner."',
    "practise": 'Say: "Breathe with the circle."',
    "reflect": (
        'Ask: "What did you notice?"\nIf nobody answers: ask pairs to tell each other one '
        "thing first."
    ),
    "try_this_week": 'Say: "Try one slow breath out this week."',
    "calm_close": 'Say: "Thank you for today."',
}
CLOSE_TEXT = {
    "ks2": (
        "One quiet minute.\nIf something worries you, talk to a trusted adult.\n"
        "You can call Childline free on 0800 1111."
    ),
    "ks3": (
        "One quiet minute.\nTalk to a trusted adult.\nChildline: 0800 1111.\n"
        "Shout: text 85258.\nIn danger, call 999."
    ),
}
CLOSE_TEXT["ks4"] = CLOSE_TEXT["ks3"]
MINUTES = {"ks2": (32, [3, 5, 8, 6, 3, 2, 2]), "ks3": (47, [5, 7, 12, 10, 5, 3, 3])}
MINUTES["ks4"] = (55, [5, 8, 14, 12, 6, 4, 3])

RESOURCES = """
[[resources]]
id = "calm-picture"
title = "A calm place"
kind = "picture"
use = "project"
steps = ["big_idea"]
alt = "A child sitting by a window with a cat on their lap, smiling."
names = ["calm picture"]

[[resources]]
id = "feelings-cards"
title = "Feelings cards"
kind = "card"
use = "both"
steps = ["explore"]
copies = "One set per pair, cut out"
alt = "Twelve cards, each with a face and a feeling word under it."
names = ["feelings cards"]
"""
HOME_CARD = """
[home_card]
title = "Calm breathing at home"
text = \"\"\"If you like, try three slow breaths out before bed. Notice how your body feels.
It is fine if you forget or do not want to.\"\"\"
"""


def lesson_toml(band: str = "ks2") -> str:
    minutes, step_minutes = MINUTES[band]
    head = f"""kind = "core"
number = 3
title = "A test lesson"
summary = "A lesson written for the tests."
minutes = {minutes}
intentions = ["I can notice how I feel."]
materials = ["Projector", "Feelings cards, cut out"]
preparation = "Read the script."
safeguarding = "Listen calmly and follow your policy."
"""
    steps = ""
    for (stage, script), step_minutes_each in zip(SCRIPTS.items(), step_minutes, strict=True):
        pupil_text = CLOSE_TEXT[band] if stage == "calm_close" else "Let us think together."
        steps += STEP.format(
            stage=stage,
            title=stage.replace("_", " ").title(),
            minutes=step_minutes_each,
            script=script,
            pupil_text=pupil_text,
        )
    return head + RESOURCES + HOME_CARD + steps


def write_fixture(
    root: Path,
    band: str = "ks2",
    edit: Callable[[str], str] | None = None,
    svgs: dict[str, str] | None = None,
    slug: str = "03-test-lesson",
) -> Path:
    """Write lessons/<band>/<slug>.toml and resources/<band>/<slug>/*.svg under root."""
    lessons = root / "lessons" / band
    lessons.mkdir(parents=True, exist_ok=True)
    text = lesson_toml(band)
    path = lessons / f"{slug}.toml"
    path.write_text(edit(text) if edit else text)
    folder = root / "resources" / band / slug
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "calm-picture": good_svg("A calm place"),
        "feelings-cards": good_svg("Feelings cards", (1188, 840)),
    }
    files.update(svgs or {})
    for file_id, content in files.items():
        target = folder / f"{file_id}.svg"
        if content is None:
            target.unlink(missing_ok=True)
        else:
            target.write_text(content)
    return path


def fixture_lesson(root: Path, band: str = "ks2", **options) -> Lesson:
    path = write_fixture(root, band, **options)
    return load_lesson_file(path, band)


# ------------------------------------------------------------------ the app, with resources

# Added to a copy of the package's ks2/02 lesson: a projected picture, a printed card sheet
# (A4 landscape) and a printed sign (A4 portrait). Their ids are the tests' own, so they
# never clash with what the lesson itself ships.
APP_RESOURCES = """

[[resources]]
id = "test-board-picture"
title = "Three friends on a bench"
kind = "picture"
use = "both"
steps = ["big_idea", "explore"]
copies = "One copy for the wall"
alt = "Three friends sit on a bench: one looks worried, one is running, one is resting."
names = ["guard dog"]

[[resources]]
id = "test-sorting-cards"
title = "Sorting cards"
kind = "card"
use = "print"
steps = ["explore"]
copies = "One set per pair, cut along the dashed lines"
alt = "Ten cards, each with a small picture and a few words about something that happens."
names = ["corner"]

[[resources]]
id = "test-calm-sign"
title = "Calm corner sign"
kind = "sign"
use = "print"
steps = ["practise"]
copies = "One for the calm corner"
alt = "A sign with a large heart and the word Calm under it."
names = ["soothing"]
"""
# Each drawing's size and the word drawn in it (so a PDF page shows it holds the drawing).
APP_RESOURCE_SIZES = {
    "test-board-picture": ((1200, 800), "Bench"),
    "test-sorting-cards": ((1188, 840), "Cards"),
    "test-calm-sign": ((840, 1188), "Calm"),
}
# A writing frame added to the practise step's worksheet ("My balance").
APP_FRAME = """
[[steps.worksheet.blocks]]
kind = "frame"
prompt = "Finish each sentence."
starters = ["My guard dog barks when ...", "My engine gets going when ...", "I feel calm when ..."]
lines = 2

"""
APP_FRAME_BEFORE = '[[steps]]\nstage = "reflect"'
APP_LESSON = "ks2/02-three-systems"


def write_lessons_with_resources(root: Path) -> Path:
    """A copy of the lessons (and resources) under root in which ks2/02 ships the above."""
    import shutil

    from cmt_schools.curriculum import loader

    lessons = root / "lessons"
    shutil.copytree(loader.LESSONS_DIR, lessons)
    if loader.resources_dir().is_dir():
        shutil.copytree(loader.resources_dir(), root / "resources")
    path = lessons / f"{APP_LESSON}.toml"
    # The lesson's own drawings make way for the test's, so the tests know what is shown.
    text = re.sub(r"^\[\[resources\]\]\n(?:(?!\[).*\n)*", "", path.read_text(), flags=re.M)
    assert "[[resources]]" not in text
    assert APP_FRAME_BEFORE in text
    text = text.replace(APP_FRAME_BEFORE, APP_FRAME + APP_FRAME_BEFORE, 1)
    if "[home_card]" not in text:  # the lesson's own, once the band's helpers wrote it
        text += "\n" + HOME_CARD
    path.write_text(text + APP_RESOURCES)
    folder = root / "resources" / APP_LESSON
    folder.mkdir(parents=True, exist_ok=True)
    for file_id, (size, word) in APP_RESOURCE_SIZES.items():
        (folder / f"{file_id}.svg").write_text(good_svg(file_id.replace("-", " "), size, word))
    return lessons


def install_lessons_with_resources(root: Path, monkeypatch) -> None:
    """Point the app (in this process) at such a copy."""
    from cmt_schools.curriculum import loader

    monkeypatch.setattr(loader, "LESSONS_DIR", write_lessons_with_resources(root))
    loader.load_curriculum.cache_clear()

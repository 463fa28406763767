"""The curriculum checks behind `flask cmt curriculum check` and `python -m ...curriculum`."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from .ideas import BAND_EXAMPLES, IDEAS_BY_LESSON, SUPPORT_REMINDER_PHRASES
from .loader import (
    LESSONS_DIR,
    BandCurriculum,
    CurriculumError,
    load_curriculum_from,
    load_lesson_file,
    resources_dir,
)
from .readability import band_reading_grade
from .resource_checks import resource_problems
from .schema import BAND_RULES, Lesson

# Hashes of every 8-word run of the source texts (the texts themselves are not shipped).
SOURCE_SHINGLES_FILE = Path(__file__).parent / "source_shingles.txt"
SHINGLE_WORDS = 8
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words_of(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'").replace("\u2018", "'"))


def shingle_hash(words: Iterable[str]) -> str:
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:16]


def shingles(text: str, size: int = SHINGLE_WORDS) -> dict[str, str]:
    """Map each run of `size` words in `text` to its hash."""
    found = words_of(text)
    return {
        shingle_hash(found[i : i + size]): " ".join(found[i : i + size])
        for i in range(len(found) - size + 1)
    }


def load_source_shingles() -> set[str]:
    return set(SOURCE_SHINGLES_FILE.read_text().split())


def copied_runs(lesson: Lesson, source: set[str]) -> list[str]:
    """Runs of eight words that the lesson shares with the source texts."""
    runs = shingles("\n".join(lesson.all_texts()))
    return sorted(run for digest, run in runs.items() if digest in source)


def missing_ideas(lesson: Lesson) -> list[str]:
    """The source ideas that belong in this lesson but do not appear in it."""
    if lesson.kind != "core" or lesson.number is None:
        return []
    text = "\n".join(lesson.all_texts()).lower().replace("\u2019", "'")
    return [
        idea
        for idea, phrases in IDEAS_BY_LESSON[lesson.number].items()
        if not any(phrase in text for phrase in phrases)
    ]


def missing_examples(band: BandCurriculum) -> list[str]:
    text = "\n".join(t for lesson in band.lessons for t in lesson.all_texts()).lower()
    return [example for example in BAND_EXAMPLES[band.rules.key] if example not in text]


def lacks_support_reminder(lesson: Lesson) -> bool:
    close = lesson.steps[-1].pupil_text.lower()
    return not any(phrase in close for phrase in SUPPORT_REMINDER_PHRASES)


def band_problems(
    band: BandCurriculum, source: set[str], resources: Path | None = None
) -> list[str]:
    problems: list[str] = []
    grade = band_reading_grade(band)
    if grade > band.rules.max_reading_grade:
        problems.append(
            f"{band.rules.name}: pupil text reads at grade {grade}, "
            f"above {band.rules.max_reading_grade}"
        )
    problems += [f"{band.rules.name}: no '{ex}' example" for ex in missing_examples(band)]
    for lesson in band.lessons:
        problems += [f"{lesson.key}: missing idea '{idea}'" for idea in missing_ideas(lesson)]
        problems += [
            f"{lesson.key}: copied from a source text: '{run}'"
            for run in copied_runs(lesson, source)
        ]
        if lacks_support_reminder(lesson):
            problems.append(
                f"{lesson.key}: the calm close does not remind pupils of a trusted adult"
            )
        if not lesson.worksheets:
            problems.append(f"{lesson.key}: no worksheet")
        problems += resource_problems(lesson, resources)
    return problems


def check_band_folder(band: str, say: Callable[[str], None], root: Path = LESSONS_DIR) -> int:
    """Check one band's files alone (while the other bands are still being written)."""
    try:
        lessons = [load_lesson_file(path, band) for path in sorted((root / band).glob("*.toml"))]
    except CurriculumError as exc:
        say(f"error: {exc}")
        return 1
    curriculum_band = BandCurriculum(rules=BAND_RULES[band], lessons=tuple(lessons))
    problems = band_problems(curriculum_band, load_source_shingles(), resources_dir(root))
    for problem in problems:
        say(f"error: {problem}")
    say(f"{band}: {len(lessons)} lessons, reading grade {band_reading_grade(curriculum_band)}")
    return 1 if problems else 0


def check_curriculum(say: Callable[[str], None], root: Path = LESSONS_DIR) -> int:
    """Validate every file; print a table per band; return a process exit code."""
    try:
        curriculum = load_curriculum_from(root)
    except CurriculumError as exc:
        say(f"error: {exc}")
        return 1
    source = load_source_shingles()
    problems: list[str] = []
    columns = ("band", "core", "extras", "minutes", "practice", "grade", "max")
    say("{:<5} {:>4} {:>6} {:>9} {:>9} {:>6} {:>5}".format(*columns))
    for band in curriculum.bands.values():
        minutes = [lesson.minutes for lesson in band.lessons]
        practice = sum(lesson.practice_minutes for lesson in band.lessons)
        say(
            f"{band.rules.name:<5} {len(band.core):>4} {len(band.extras):>6} "
            f"{min(minutes):>4}-{max(minutes):<4} {practice:>9} {band_reading_grade(band):>6} "
            f"{band.rules.max_reading_grade:>5}"
        )
        problems += band_problems(band, source, resources_dir(root))
    for problem in problems:
        say(f"error: {problem}")
    if problems:
        return 1
    say(f"ok: {len(curriculum.by_key)} lessons, content version {curriculum.version}")
    return 0

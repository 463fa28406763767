"""Load the lesson files into validated models, once per process."""

from __future__ import annotations

import functools
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from .schema import BAND_RULES, BandRules, Lesson

LESSONS_DIR = Path(__file__).parent / "lessons"


def resources_dir(lessons_dir: Path | None = None) -> Path:
    """The lessons' SVG resources: `resources/<band>/<slug>/<id>.svg`, beside `lessons/`."""
    return (lessons_dir or LESSONS_DIR).parent / "resources"


class CurriculumError(ValueError):
    """A lesson file is broken; the message names the file, the lesson and the field."""


@dataclass(frozen=True)
class BandCurriculum:
    rules: BandRules
    lessons: tuple[Lesson, ...]

    @property
    def core(self) -> tuple[Lesson, ...]:
        return tuple(lesson for lesson in self.lessons if lesson.kind == "core")

    @property
    def extras(self) -> tuple[Lesson, ...]:
        return tuple(lesson for lesson in self.lessons if lesson.kind == "extra")


@dataclass(frozen=True)
class Curriculum:
    bands: dict[str, BandCurriculum]
    by_key: dict[str, Lesson] = field(repr=False)
    version: str

    def lesson(self, key: str) -> Lesson | None:
        return self.by_key.get(key)

    def band(self, band: str) -> BandCurriculum:
        return self.bands[band]

    def counterpart(self, lesson: Lesson, band: str) -> Lesson | None:
        """The same lesson as another band teaches it (same slug), if there is one."""
        return self.by_key.get(f"{band}/{lesson.slug}")


def load_lesson_file(path: Path, band: str) -> Lesson:
    slug = path.stem
    key = f"{band}/{slug}"
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CurriculumError(f"{path}: lesson {key}: not valid TOML: {exc}") from exc
    for derived in ("key", "band", "slug", "content_version"):
        if derived in data:
            raise CurriculumError(
                f"{path}: lesson {key}: field '{derived}' comes from the file's path; remove it"
            )
    data.update(key=key, band=band, slug=slug)
    data["content_version"] = hashlib.sha256(raw).hexdigest()[:16]
    try:
        return Lesson.model_validate(data, context={"band": band})
    except ValidationError as exc:
        problems = "; ".join(
            f"field '{_location(error['loc'], data)}': {_message(error)}" for error in exc.errors()
        )
        raise CurriculumError(f"{path}: lesson {key}: {problems}") from exc


def _message(error: dict) -> str:
    # pydantic prefixes our own ValueErrors with "Value error, "; an editor needs only ours.
    return str(error["msg"]).removeprefix("Value error, ")


def _location(loc: tuple, data: dict) -> str:
    """Turn pydantic's location into something an editor can find (steps[2].practice...)."""
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1] = f"{parts[-1]}[{part + 1}]" if parts else f"[{part + 1}]"
        else:
            parts.append(str(part))
    return ".".join(parts) or "(lesson)"


def load_curriculum_from(root: Path) -> Curriculum:
    bands: dict[str, BandCurriculum] = {}
    by_key: dict[str, Lesson] = {}
    digest = hashlib.sha256()
    for band, rules in BAND_RULES.items():
        folder = root / band
        lessons = [load_lesson_file(path, band) for path in sorted(folder.glob("*.toml"))]
        numbers = sorted(lesson.number for lesson in lessons if lesson.number)
        if numbers != list(range(1, 9)):
            raise CurriculumError(
                f"{folder}: band {rules.name} needs core lessons 1-8 once each, found {numbers}"
            )
        lessons.sort(key=lambda lesson: (lesson.kind != "core", lesson.number or 0, lesson.slug))
        bands[band] = BandCurriculum(rules=rules, lessons=tuple(lessons))
        for lesson in lessons:
            by_key[lesson.key] = lesson
            digest.update(lesson.key.encode() + lesson.content_version.encode())
    return Curriculum(bands=bands, by_key=by_key, version=digest.hexdigest()[:16])


@functools.cache
def load_curriculum() -> Curriculum:
    """The package's curriculum, validated on first use and cached for the process."""
    return load_curriculum_from(LESSONS_DIR)

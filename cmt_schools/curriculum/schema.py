"""The shape of a lesson file, validated with pydantic.

A lesson file is TOML, one lesson per file, at ``lessons/<band>/<slug>.toml``. The lesson's
stable key is ``<band>/<slug>`` (for example ``ks3/03-soothing-breathing``): schedules,
packs and check-ins refer to lessons by that key, so a slug is never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

BandKey = Literal["ks2", "ks3", "ks4"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=6000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


@dataclass(frozen=True)
class BandRules:
    """What a band's lessons must respect: lengths, breathing counts, reading level."""

    key: str
    name: str
    years: str
    ages: str
    lesson_minutes: tuple[int, int]
    practice_minutes: tuple[int, int]
    breathe_in: tuple[int, int]
    breathe_out: tuple[int, int]
    max_reading_grade: float


BAND_RULES: dict[str, BandRules] = {
    "ks2": BandRules("ks2", "KS2", "Years 3-6", "7-11", (30, 35), (2, 3), (3, 3), (4, 5), 4.5),
    "ks3": BandRules("ks3", "KS3", "Years 7-9", "11-14", (45, 50), (3, 5), (4, 4), (6, 6), 7.0),
    "ks4": BandRules("ks4", "KS4", "Years 10-13", "14-18", (50, 60), (5, 8), (4, 5), (6, 7), 9.0),
}

# Every lesson follows the same anatomy, in this order, each stage once.
STAGES: tuple[str, ...] = (
    "arrive",
    "big_idea",
    "explore",
    "practise",
    "reflect",
    "try_this_week",
    "calm_close",
)
STAGE_LABELS: dict[str, str] = {
    "arrive": "Arrive",
    "big_idea": "Big idea",
    "explore": "Explore",
    "practise": "Practise",
    "reflect": "Reflect",
    "try_this_week": "Try this week",
    "calm_close": "Calm close",
}

# Practices that ask something of the body or the imagination keep to the band's length.
GUIDED_PRACTICES = {"breathing", "body_scan", "imagery"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Practice(_Strict):
    kind: Literal["breathing", "timer", "body_scan", "imagery"]
    name: ShortText
    minutes: int = Field(ge=1, le=15)
    breathe_in: int | None = Field(default=None, ge=1, le=8, validate_default=True)
    hold: int = Field(default=0, ge=0, le=3)
    breathe_out: int | None = Field(default=None, ge=1, le=10, validate_default=True)
    pass_option: Text
    alternative: Text

    # One validator per field, so that an error names the count or the minutes to fix.
    @field_validator("minutes")
    @classmethod
    def _guided_length_fits_band(cls, minutes: int, info: ValidationInfo) -> int:
        rules = _rules(info)
        if rules and info.data.get("kind") in GUIDED_PRACTICES:
            _in_range("minutes", minutes, rules.practice_minutes, rules)
        return minutes

    @field_validator("breathe_in", "breathe_out")
    @classmethod
    def _counts_fit_band(cls, count: int | None, info: ValidationInfo) -> int | None:
        field = info.field_name or ""
        if info.data.get("kind") != "breathing":
            if count is not None:
                raise ValueError("only a breathing practice has breathe_in/breathe_out counts")
            return count
        if count is None:
            raise ValueError("a breathing practice needs breathe_in and breathe_out counts")
        rules = _rules(info)
        if rules:
            bounds = rules.breathe_in if field == "breathe_in" else rules.breathe_out
            _in_range(field, count, bounds, rules)
        breathe_in = info.data.get("breathe_in")
        if field == "breathe_out" and breathe_in is not None and count <= breathe_in:
            raise ValueError("the out-breath must be longer than the in-breath")
        return count


class WorksheetBlock(_Strict):
    kind: Literal["lines", "draw_box", "tick_list", "sort_table"]
    prompt: Text
    lines: int | None = Field(default=None, ge=1, le=20)
    items: tuple[ShortText, ...] = ()
    columns: tuple[ShortText, ...] = ()

    @model_validator(mode="after")
    def _has_what_its_kind_needs(self) -> WorksheetBlock:
        if self.kind == "lines" and self.lines is None:
            raise ValueError("a 'lines' block needs a number of lines")
        if self.kind == "tick_list" and len(self.items) < 2:
            raise ValueError("a 'tick_list' block needs at least two items")
        if self.kind == "sort_table" and (len(self.columns) < 2 or len(self.items) < 2):
            raise ValueError("a 'sort_table' block needs at least two columns and two items")
        return self


class Worksheet(_Strict):
    title: ShortText
    instructions: Text
    blocks: tuple[WorksheetBlock, ...] = Field(min_length=1)


class Step(_Strict):
    stage: Literal[
        "arrive", "big_idea", "explore", "practise", "reflect", "try_this_week", "calm_close"
    ]
    title: ShortText
    minutes: int = Field(ge=1, le=40)
    script: Text
    pupil_text: Text
    practice: Practice | None = None
    worksheet: Worksheet | None = None
    send: Text | None = None
    safeguarding: Text | None = None

    @model_validator(mode="after")
    def _practice_fits_step(self) -> Step:
        if self.practice and self.practice.minutes > self.minutes:
            raise ValueError(
                f"the practice ({self.practice.minutes} min) is longer than its step "
                f"({self.minutes} min)"
            )
        return self

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]


class Lesson(_Strict):
    """One lesson as its file states it, plus the key and band taken from its path."""

    key: str
    band: BandKey
    slug: str
    kind: Literal["core", "extra"]
    number: int | None = Field(default=None, ge=1, le=8, validate_default=True)
    title: ShortText
    summary: ShortText
    minutes: int
    intentions: tuple[ShortText, ...] = Field(min_length=1)
    materials: tuple[ShortText, ...] = ()
    preparation: Text
    safeguarding: Text
    steps: tuple[Step, ...]
    content_version: str = ""

    # Field validators (rather than one for the whole lesson) so that an error names the
    # field an editor has to fix.
    @field_validator("number")
    @classmethod
    def _numbered_if_core(cls, number: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("kind")
        if kind == "core" and number is None:
            raise ValueError("a core lesson needs its number (1-8)")
        if kind == "extra" and number is not None:
            raise ValueError("an optional extra has no number")
        return number

    @field_validator("minutes")
    @classmethod
    def _minutes_fit_band(cls, minutes: int, info: ValidationInfo) -> int:
        rules = _rules(info)
        if rules:
            _in_range("minutes", minutes, rules.lesson_minutes, rules)
        return minutes

    @field_validator("steps")
    @classmethod
    def _anatomy(cls, steps: tuple[Step, ...], info: ValidationInfo) -> tuple[Step, ...]:
        stages = tuple(step.stage for step in steps)
        if stages != STAGES:
            raise ValueError(
                "steps must follow the lesson anatomy in order: "
                + ", ".join(STAGES)
                + f" (found: {', '.join(stages) or 'none'})"
            )
        minutes = info.data.get("minutes")
        total = sum(step.minutes for step in steps)
        if minutes is not None and total != minutes:
            raise ValueError(
                f"the steps' minutes add up to {total}, but the lesson's minutes are {minutes}"
            )
        return steps

    @property
    def practice_minutes(self) -> int:
        return sum(step.practice.minutes for step in self.steps if step.practice)

    @property
    def worksheets(self) -> list[Worksheet]:
        return [step.worksheet for step in self.steps if step.worksheet]

    @property
    def label(self) -> str:
        return f"Lesson {self.number}" if self.number else "Optional extra"

    def pupil_texts(self) -> list[str]:
        """Everything a pupil reads: projector text and worksheet wording."""
        texts: list[str] = []
        for step in self.steps:
            texts.append(step.pupil_text)
            if step.worksheet:
                texts.append(step.worksheet.instructions)
                texts.extend(block.prompt for block in step.worksheet.blocks)
        return texts

    def all_texts(self) -> list[str]:
        """Every sentence of the lesson, for idea and originality checks."""
        texts = [self.title, self.summary, self.preparation, self.safeguarding]
        texts += list(self.intentions) + list(self.materials)
        for step in self.steps:
            texts += [step.title, step.script, step.pupil_text]
            texts += [t for t in (step.send, step.safeguarding) if t]
            if step.practice:
                texts += [step.practice.pass_option, step.practice.alternative]
            if step.worksheet:
                texts += [step.worksheet.title, step.worksheet.instructions]
                for block in step.worksheet.blocks:
                    texts += [block.prompt, *block.items, *block.columns]
        return texts


def _rules(info: ValidationInfo) -> BandRules | None:
    band = (info.context or {}).get("band")
    return BAND_RULES.get(band) if band else None


def _in_range(field: str, value: int, bounds: tuple[int, int], rules: BandRules) -> None:
    low, high = bounds
    if not low <= value <= high:
        expected = f"{low}" if low == high else f"{low}-{high}"
        raise ValueError(f"{field} is {value}; {rules.name} expects {expected}")

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
    also: str = ""  # who else may use the band, said beside its years and ages


BAND_RULES: dict[str, BandRules] = {
    "ks2": BandRules("ks2", "KS2", "Years 3-6", "7-11", (30, 35), (2, 3), (3, 3), (4, 5), 4.5),
    "ks3": BandRules("ks3", "KS3", "Years 7-9", "11-14", (45, 50), (3, 5), (4, 4), (6, 6), 7.0),
    # KS4 is written for ages 14-16; a sixth form may teach it too (see `also`).
    "ks4": BandRules(
        "ks4",
        "KS4",
        "Years 10-11",
        "14-16",
        (50, 60),
        (5, 8),
        (4, 5),
        (6, 7),
        9.0,
        also="Years 12-13 may use KS4 too.",
    ),
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

StageKey = Literal[
    "arrive", "big_idea", "explore", "practise", "reflect", "try_this_week", "calm_close"
]


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
    kind: Literal["lines", "draw_box", "tick_list", "sort_table", "frame"]
    prompt: Text
    lines: int | None = Field(default=None, ge=1, le=20)
    items: tuple[ShortText, ...] = ()
    columns: tuple[ShortText, ...] = ()
    # A writing frame: each starter printed on its own line, with writing space after it.
    starters: tuple[ShortText, ...] = ()

    @model_validator(mode="after")
    def _has_what_its_kind_needs(self) -> WorksheetBlock:
        if self.kind == "lines" and self.lines is None:
            raise ValueError("a 'lines' block needs a number of lines")
        if self.kind == "frame" and not 2 <= len(self.starters) <= 12:
            raise ValueError("a 'frame' block needs 2-12 starters")
        if self.kind != "frame" and self.starters:
            raise ValueError("only a 'frame' block has starters")
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
    stage: StageKey
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


ResourceId = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=2, max_length=60)
]
# How the script, SEND notes and materials refer to a resource: lower case, matched as is.
ResourceName = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9 '-]*[a-z0-9]$", max_length=80)
]


class Resource(_Strict):
    """A picture, sign, card sheet... that a lesson ships as an SVG beside its file.

    `project`: shown on the pupil window in its steps; `print`: in the pack's resources
    section; `both`: both.
    """

    id: ResourceId
    title: ShortText
    kind: Literal["picture", "diagram", "sign", "card", "chart", "outline", "strip"]
    use: Literal["project", "print", "both"]
    steps: tuple[StageKey, ...] = Field(min_length=1)
    copies: str = Field(default="", max_length=200)
    alt: Annotated[str, StringConstraints(strip_whitespace=True, min_length=10, max_length=300)]
    names: tuple[ResourceName, ...] = Field(min_length=1)

    @field_validator("steps")
    @classmethod
    def _each_step_once(cls, steps: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(steps)) != len(steps):
            raise ValueError("a stage is listed twice")
        return steps

    @model_validator(mode="after")
    def _copies_only_for_print(self) -> Resource:
        if self.use == "project" and self.copies.strip():
            raise ValueError("a projected resource is not printed: copies must be empty")
        if self.use != "project" and not self.copies.strip():
            raise ValueError("say what to print in 'copies' (for example 'One per pupil')")
        return self

    @property
    def projected(self) -> bool:
        return self.use in ("project", "both")

    @property
    def printed(self) -> bool:
        return self.use in ("print", "both")


class HomeCard(_Strict):
    """A short, optional practice a pupil may take home; never homework."""

    title: ShortText
    text: Text


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
    resources: tuple[Resource, ...] = ()
    home_card: HomeCard | None = None
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
        # The check wants 2-3 minutes left for moving and settling; more than the lesson
        # can never be taught, so that is a broken file.
        minutes = info.data.get("minutes")
        total = sum(step.minutes for step in steps)
        if minutes is not None and total > minutes:
            raise ValueError(
                f"the steps' minutes add up to {total}, more than the lesson's {minutes}"
            )
        return steps

    @field_validator("resources")
    @classmethod
    def _resource_ids_unique(cls, resources: tuple[Resource, ...]) -> tuple[Resource, ...]:
        ids = [resource.id for resource in resources]
        twice = sorted({found for found in ids if ids.count(found) > 1})
        if twice:
            raise ValueError(f"resource id used twice: {', '.join(twice)}")
        return resources

    @property
    def slack_minutes(self) -> int:
        """Minutes no step takes: time for moving, handing out and settling."""
        return self.minutes - sum(step.minutes for step in self.steps)

    def resources_for(self, stage: str, *, projected: bool | None = None) -> list[Resource]:
        return [
            resource
            for resource in self.resources
            if stage in resource.steps and (projected is None or resource.projected == projected)
        ]

    @property
    def printed_resources(self) -> list[Resource]:
        return [resource for resource in self.resources if resource.printed]

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
                for block in step.worksheet.blocks:
                    texts += [block.prompt, *block.starters]
        if self.home_card:
            texts.append(self.home_card.text)
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
                    texts += [block.prompt, *block.items, *block.columns, *block.starters]
        for resource in self.resources:
            texts += [resource.title, resource.alt]
        if self.home_card:
            texts += [self.home_card.title, self.home_card.text]
        return texts


def _rules(info: ValidationInfo) -> BandRules | None:
    band = (info.context or {}).get("band")
    return BAND_RULES.get(band) if band else None


def _in_range(field: str, value: int, bounds: tuple[int, int], rules: BandRules) -> None:
    low, high = bounds
    if not low <= value <= high:
        expected = f"{low}" if low == high else f"{low}-{high}"
        raise ValueError(f"{field} is {value}; {rules.name} expects {expected}")

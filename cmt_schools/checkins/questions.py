"""What pupils are asked, in each band's words. The one place the wording lives.

The pupil pages render these, the results pages label their tables with them, and a parent
letter can print them, so what a parent reads is exactly what their child saw.

Every item is answered 1-5 and may be skipped ("I'd rather not say"). For the six term items
1-5 run from "never" to "always" (KS2: "not at all" to "all the time"; the last item from
"awful" to "great"), so higher means more of what the sentence says. The "right now" item
runs from 1 = very calm to 5 = very wound up. scoring.py builds the indices on them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import NOW_ITEM, TERM_ITEMS

BANDS = ("ks2", "ks3", "ks4")
RATHER_NOT_SAY = "I'd rather not say"
SKIP_VALUE = "skip"


@dataclass(frozen=True)
class Choice:
    value: int
    word: str
    icon: str | None = None  # a file in static/img/checkins/, shown beside the word (KS2)


@dataclass(frozen=True)
class Question:
    key: str  # the AnswerSet column: w1, w2, c1, c2, s1, g1 or right_now
    text: str
    choices: tuple[Choice, ...]

    @property
    def words(self) -> dict[int, str]:
        return {choice.value: choice.word for choice in self.choices}


def _scale(words: tuple[str, ...], icon_prefix: str | None = None) -> tuple[Choice, ...]:
    return tuple(
        Choice(value, word, f"{icon_prefix}-{value}.svg" if icon_prefix else None)
        for value, word in enumerate(words, start=1)
    )


# KS2 sees growing icons for "how much" and faces for "how was it", each with a word.
KS2_HOW_OFTEN = _scale(("Not at all", "A little", "Sometimes", "A lot", "All the time"), "grow")
KS2_MY_WEEK = _scale(("Awful", "Not good", "OK", "Good", "Great"), "face")
KS2_RIGHT_NOW = _scale(
    ("Very calm", "Calm", "In the middle", "A bit wound up", "Very wound up"), "calm"
)
# KS3 and KS4 see words.
HOW_OFTEN = _scale(("Never", "Rarely", "Sometimes", "Often", "Always"))
RIGHT_NOW = _scale(("Very calm", "Calm", "In between", "A bit wound up", "Very wound up"))

TERM_QUESTIONS: dict[str, tuple[Question, ...]] = {
    "ks2": (
        Question("w1", "I felt worried.", KS2_HOW_OFTEN),
        Question("w2", "My body felt tight or jumpy inside.", KS2_HOW_OFTEN),
        Question("c1", "When things went wrong, I was kind to myself.", KS2_HOW_OFTEN),
        Question("c2", "I was cross with myself or said mean things to myself.", KS2_HOW_OFTEN),
        Question("s1", "I could find ways to feel calm and safe.", KS2_HOW_OFTEN),
        Question("g1", "My week was ...", KS2_MY_WEEK),
    ),
    "ks3": (
        Question("w1", "I worried about things.", HOW_OFTEN),
        Question("w2", "I felt tense or on edge.", HOW_OFTEN),
        Question("c1", "When things went wrong, I was kind to myself.", HOW_OFTEN),
        Question("c2", "I was hard on myself or put myself down.", HOW_OFTEN),
        Question("s1", "I could find ways to feel calm and safe.", HOW_OFTEN),
        Question("g1", "Overall, my days went OK.", HOW_OFTEN),
    ),
    "ks4": (
        Question("w1", "I worried about things.", HOW_OFTEN),
        Question("w2", "I felt tense, stressed or on edge.", HOW_OFTEN),
        Question("c1", "When things went wrong, I treated myself with kindness.", HOW_OFTEN),
        Question("c2", "I was harsh or critical towards myself.", HOW_OFTEN),
        Question("s1", "I could find ways to feel calm and safe.", HOW_OFTEN),
        Question("g1", "Overall, my days went OK.", HOW_OFTEN),
    ),
}

NOW_QUESTIONS: dict[str, tuple[Question, ...]] = {
    "ks2": (Question(NOW_ITEM, "Right now, I feel ...", KS2_RIGHT_NOW),),
    "ks3": (Question(NOW_ITEM, "Right now, I feel ...", RIGHT_NOW),),
    "ks4": (Question(NOW_ITEM, "Right now, I feel ...", RIGHT_NOW),),
}

# Said before the questions: what the time frame is.
LEAD_IN = {
    "term": {
        "ks2": "Think about the last week, at school and at home.",
        "ks3": "Think about the last week (the last 7 days).",
        "ks4": "Think about the last week (the last 7 days).",
    },
    "now": {
        "ks2": "Take a moment to notice how you feel.",
        "ks3": "Take a moment to notice how you feel.",
        "ks4": "Take a moment to notice how you feel.",
    },
}

# The short introduction every pupil sees first: anonymous, optional, no right answers.
INTRODUCTION = {
    "ks2": (
        "This is not a test. There are no right or wrong answers.",
        "You do not write your name. Nobody can tell which answers are yours.",
        "You can skip any question, or choose \u201cI'd rather not say\u201d.",
    ),
    "ks3": (
        "This is not a test, and there are no right or wrong answers.",
        "It is anonymous: we do not ask your name, and nobody can tell which answers are yours.",
        "Every question is optional. Skip any, or choose \u201cI'd rather not say\u201d.",
    ),
    "ks4": (
        "This is not a test, and there are no right or wrong answers.",
        "It is anonymous: no name, no account, and nothing that says which answers are yours.",
        "Every question is optional. Skip any, or choose \u201cI'd rather not say\u201d.",
    ),
}

# Short labels for staff pages (results tables, term summaries).
ITEM_LABELS = {
    "w1": "Worry",
    "w2": "Tension",
    "c1": "Kind to myself",
    "c2": "Hard on myself",
    "s1": "Could feel calm and safe",
    "g1": "Overall, my week",
    NOW_ITEM: "Right now (calm to wound up)",
}
INDEX_LABELS = {"worry": "Worry index", "self_compassion": "Self-compassion index"}
INDEX_EXPLANATIONS = {
    "worry": "The mean of the worry and tension items, on a 0 to 100 scale: higher is more worry.",
    "self_compassion": (
        "The mean of \u201ckind to myself\u201d and the reverse of \u201chard on myself\u201d, "
        "on a 0 to 100 scale: higher is more self-compassion."
    ),
}

assert all(tuple(q.key for q in qs) == TERM_ITEMS for qs in TERM_QUESTIONS.values())

# Every item of every band and kind is answered on the same 1-5 scale, whatever its words, so
# a submitted form can be read before its check-in is looked up (forms.read_sent_answers).
ALL_ITEMS = (*TERM_ITEMS, NOW_ITEM)
SCALE = (1, 2, 3, 4, 5)
SCALE_VALUES = tuple(str(value) for value in SCALE)  # as the form sends them
assert all(
    tuple(choice.value for choice in question.choices) == SCALE
    for band_questions in (*TERM_QUESTIONS.values(), *NOW_QUESTIONS.values())
    for question in band_questions
)


def questions_for(kind: str, band: str) -> tuple[Question, ...]:
    """The questions of a check-in of `kind` (baseline, endpoint, now) for `band`."""
    band = band if band in BANDS else "ks3"
    return NOW_QUESTIONS[band] if kind == "now" else TERM_QUESTIONS[band]


def lead_in_for(kind: str, band: str) -> str:
    band = band if band in BANDS else "ks3"
    return LEAD_IN["now" if kind == "now" else "term"][band]


def introduction_for(band: str) -> tuple[str, ...]:
    return INTRODUCTION[band if band in BANDS else "ks3"]

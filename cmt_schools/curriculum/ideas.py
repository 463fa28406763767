"""Where each idea of the source texts belongs in the programme.

The tests check that every core lesson, in every band, carries the ideas listed for it.
Each idea is a set of alternative phrases (lower case); a lesson carries the idea when any
one of them appears somewhere in its text (script, pupil text, worksheet...).
"""

from __future__ import annotations

IDEAS_BY_LESSON: dict[int, dict[str, tuple[str, ...]]] = {
    1: {
        "compassion notices suffering": ("notice", "noticing"),
        "compassion tries to help": ("help",),
        "courage": ("courage", "brave"),
        "wisdom": ("wisdom", "wise"),
        "what compassion is not": ("not the same as being soft", "is not", "isn't"),
    },
    2: {
        "threat system": ("threat",),
        "drive system": ("drive",),
        "soothing system": ("soothing",),
        "not our fault": ("not your fault", "not our fault"),
        "balance": ("balance",),
    },
    3: {
        "soothing rhythm breathing": ("soothing rhythm breathing", "soothing breathing rhythm"),
        "longer out-breath": ("longer out-breath", "out-breath longer", "longer breath out"),
        "posture": ("posture", "sit tall", "sitting tall"),
        "voice": ("voice",),
    },
    4: {
        "mindfulness as the lens": ("lens",),
        "compassion as the balm": ("balm",),
        "coming back kindly": ("come back", "coming back", "bring your attention back"),
    },
    5: {
        "wisdom": ("wisdom", "wise"),
        "strength and courage": ("strength", "strong"),
        "courage": ("courage", "brave"),
        "warmth": ("warmth", "warm"),
    },
    6: {
        "inner critic": ("inner critic",),
        "correction versus attack": ("correct", "correction"),
        "compassionate letter": ("compassionate letter", "kind letter"),
        "the letter stays private": ("private",),
    },
    7: {
        "flow to others": ("to others", "giving compassion", "giving kindness"),
        "flow from others": ("from others", "receiving", "accepting help"),
        "flow to ourselves": ("to ourselves", "to yourself", "self-compassion"),
        "trusted adults": ("trusted adult",),
    },
    8: {
        "fear: feels weak": ("weak",),
        "fear: don't deserve it": ("deserve",),
        "fear: makes me sad (grief)": ("sad", "grief"),
        "fear: feels strange (unfamiliar)": ("strange", "unfamiliar"),
        "my plan / toolkit": ("toolkit", "my plan"),
    },
}

# Examples each band's lessons use, somewhere in the band.
BAND_EXAMPLES: dict[str, tuple[str, ...]] = {
    "ks2": ("playground", "spelling test"),
    "ks3": ("new school", "group chat"),
    "ks4": ("exam", "social media"),
}

# Said on every calm close, in pupil-facing text: pupils always leave knowing who can help.
SUPPORT_REMINDER_PHRASES = ("trusted adult",)

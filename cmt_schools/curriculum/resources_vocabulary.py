"""Words that name a resource, and phrases where those words name nothing to ship.

The check reads every script, SEND note and materials entry. Each of the resource words
below must sit inside one of the lesson's resource `names` (so the lesson ships it) or
inside one of the `NOT_RESOURCES` phrases (where the word means something else: "warning
signs", "sign in", "draw a picture"). Otherwise the lesson calls for something a teacher
does not have, and the check says so.
"""

from __future__ import annotations

import re

# Longest first, so that "cue card" is read as one word and not as "card".
RESOURCE_WORDS: tuple[str, ...] = (
    "cue cards",
    "cue card",
    "diagrams",
    "diagram",
    "templates",
    "template",
    "pictures",
    "picture",
    "outlines",
    "outline",
    "posters",
    "poster",
    "charts",
    "chart",
    "images",
    "image",
    "strips",
    "strip",
    "cards",
    "card",
    "signs",
    "sign",
)

RESOURCE_WORD_PATTERN = re.compile(
    r"\b(?:" + "|".join(re.escape(word) for word in RESOURCE_WORDS) + r")\b", re.IGNORECASE
)

# Phrases (lower case) in which a resource word does not call for a resource. Add a phrase
# only for a genuine non-resource use, one per line, alphabetical, in your band's block.
NOT_RESOURCES: tuple[str, ...] = (
    # ---- every band
    "draw a picture",
    "sign in",
    "signs of",
    "warning signs",
    # ---- KS2
    # ---- KS3
    # ---- KS4
)

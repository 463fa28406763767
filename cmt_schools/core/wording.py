"""How counts read: "1 class", "8 classes", "no lessons". One home, so no page says
"8 classs" or "1 scheduled lessons" because it worked out its own plural."""

from __future__ import annotations

from flask import Flask

# Plurals that adding "s" or "es" gets wrong; the rest follow the rules in `plural_of`.
IRREGULAR = {"child": "children", "person": "people"}


def plural_of(word: str) -> str:
    """The plural of one English word (or of a phrase's last word: "scheduled lesson")."""
    head, _, last = word.rpartition(" ")
    if last in IRREGULAR:
        plural = IRREGULAR[last]
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        plural = last + "es"  # class, box, watch: classes, boxes, watches
    elif last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        plural = last[:-1] + "ies"  # activity: activities; day: days
    else:
        plural = last + "s"
    return f"{head} {plural}" if head else plural


def count_of(n: int, singular: str, plural: str | None = None) -> str:
    """ "1 class", "8 classes", "0 classes": the number and the word that agrees with it."""
    return f"{n} {noun_for(n, singular, plural)}"


def noun_for(n: int, singular: str, plural: str | None = None) -> str:
    """The word alone that agrees with `n`, for a page that sets the number apart."""
    return singular if n == 1 else (plural or plural_of(singular))


def init_wording(app: Flask) -> None:
    """`{{ n|count_of('lesson') }}` and `{{ n|noun_for('class') }}` in every template."""
    app.add_template_filter(count_of)
    app.add_template_filter(noun_for)
    app.add_template_filter(plural_of)

"""Reading level of pupil-facing text (Flesch-Kincaid grade, via textstat)."""

from __future__ import annotations

from .loader import BandCurriculum


def band_reading_grade(band: BandCurriculum) -> float:
    import textstat  # only the check and the tests need it

    text = "\n".join(
        sentence if sentence.rstrip().endswith((".", "!", "?")) else sentence.rstrip() + "."
        for lesson in band.lessons
        for sentence in lesson.pupil_texts()
    )
    return round(textstat.flesch_kincaid_grade(text), 2)

"""Noise adds up field by field, and is false only when every field is zero."""

from __future__ import annotations

from dataclasses import fields

from cmt_schools.checkins.figures import NO_NOISE, Noise


def test_noise_adds_every_field_and_is_false_only_when_all_are_zero():
    names = [f.name for f in fields(Noise)]
    first = Noise(*(float(i + 1) for i in range(len(names))))
    second = Noise(*(10.0 * (i + 1) for i in range(len(names))))
    total = first + second
    for number, name in enumerate(names, start=1):
        assert getattr(total, name) == 11.0 * number, name
    assert not NO_NOISE and not (NO_NOISE + NO_NOISE)
    for name in names:
        assert Noise(**{name: 0.5}), name

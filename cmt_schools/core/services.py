"""Shared pieces for services."""

from __future__ import annotations


class ServiceError(ValueError):
    """A use case was refused: `message` is for the user, `field` names the form field."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

"""Errors that services raise; every interface turns them into its own answer."""

from __future__ import annotations


class NotAllowed(Exception):
    """The acting user may not do this (403 for programs, a French message for people)."""

    def __init__(self, message: str = "Vous n'avez pas le droit de faire cela.") -> None:
        super().__init__(message)
        self.message = message

"""The one error a reviewer's action ends with when it is refused."""

from __future__ import annotations


class ActionError(Exception):
    """A refused action; `status` is the HTTP status the page answers with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status

"""Typed, user-facing errors. Each message says what went wrong and what to do."""

from __future__ import annotations


class PlaygroundError(Exception):
    """Base class: the message is meant for the user, never a traceback."""


class BadInputError(PlaygroundError):
    """The user's input (query, documents, file, option) cannot be used as given."""


class ModelLoadError(PlaygroundError):
    """A model artifact is missing, corrupt, or not in the format the backend expects."""


class UnsupportedError(PlaygroundError):
    """This model family cannot be run faithfully (or at all) by this runtime."""


class BackendUnavailableError(PlaygroundError):
    """The runtime package is not installed or cannot be imported."""


class DeviceUnavailableError(PlaygroundError):
    """The requested device (e.g. CUDA) is not available for this runtime."""


class CancelledError(PlaygroundError):
    """The user cancelled the job; partial results are discarded."""

    def __init__(self, message: str = "Cancelled by the user.") -> None:
        super().__init__(message)

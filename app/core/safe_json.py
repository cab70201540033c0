"""JSON parsing that answers every bad input with one message naming the file (and line), never a traceback.

:func:`json.loads` raises ``RecursionError`` for input nested a few thousand levels deep and ``ValueError`` for
an integer over 4,300 digits (Python's int/str conversion limit), besides its ``JSONDecodeError``. Every JSON
the app reads from a file or a request body goes through :func:`loads` (or :func:`load_file`), used by the
document importers, datasets, sessions, model configs and the model manager's records (``app/hub/store.py``);
``serve`` may reuse :func:`loads` for request bodies. Qt-free.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from app.core.errors import BadInputError
from app.core.safe_files import read_bytes

MAX_JSON_FILE_BYTES = 64 * 1024 * 1024  # an app record, config or session; document files have their own limit


class JSONInputError(BadInputError):
    """Text that is not usable JSON. ``reason`` is the short cause (without the file name), for messages that
    collect several bad lines."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def reason_of(exc: BaseException) -> str:
    """The short cause of a failed :func:`json.loads`."""
    if isinstance(exc, json.JSONDecodeError):
        return exc.msg if exc.lineno == 1 else f"{exc.msg} (line {exc.lineno} of the value)"
    if isinstance(exc, RecursionError):
        return "nested too deeply to be read"
    text = str(exc)
    if "integer string conversion" in text:
        return "a number with more than 4,300 digits"
    return text or type(exc).__name__


def loads(text: str | bytes, where: str) -> Any:
    """``json.loads(text)``; a :class:`JSONInputError` "``where``: not valid JSON (reason)." otherwise.

    ``where`` names the input, e.g. ``"config.json"`` or ``"docs.jsonl line 3"``.
    """
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        reason = reason_of(exc)
        raise JSONInputError(f"{where}: not valid JSON ({reason}).", reason) from None


def load_file(path: str | os.PathLike, what: str = "File", limit: int = MAX_JSON_FILE_BYTES) -> Any:
    """Parse a JSON file (a regular file of at most ``limit`` bytes, UTF-8 with or without BOM)."""
    path = Path(path)
    data = read_bytes(path, limit, what)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JSONInputError(f"{path}: not valid JSON (not UTF-8 text: byte {exc.start}).", "not UTF-8") from None
    return loads(text, str(path))

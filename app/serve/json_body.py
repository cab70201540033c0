"""Strict, bounded JSON parsing for bodies that come from outside (HTTP requests; any untrusted text).

``json.loads`` on hostile input fails in ways that are not ``JSONDecodeError``: nesting deeper than the
interpreter's recursion limit raises ``RecursionError`` and an integer of more than 4,300 digits raises a bare
``ValueError`` (int-from-string limit). :func:`loads` turns every one of those into :class:`JsonInputError`
with a message that says what is wrong and where, refuses numbers longer than ``max_int_digits`` before they
are converted, and refuses the non-standard constants ``NaN`` / ``Infinity`` that Python accepts.
"""

from __future__ import annotations

import json
from typing import Any

MAX_INT_DIGITS = 100  # far past any count, index or size a rerank request holds (int64 has 19 digits)


class JsonInputError(ValueError):
    """The text is not acceptable JSON; the message is one line meant for the sender."""


def loads(data: bytes | str, max_int_digits: int = MAX_INT_DIGITS, what: str = "the input") -> Any:
    """Parse ``data`` (UTF-8 bytes or text); :class:`JsonInputError` naming ``what`` on any failure."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonInputError(f"{_cap(what)} is not UTF-8 text (byte {exc.start}: {exc.reason}).") from exc

    def parse_int(text: str) -> int:
        digits = len(text.lstrip("-"))
        if digits > max_int_digits:
            raise JsonInputError(f"{_cap(what)} holds an integer of {digits:,} digits; numbers are limited to "
                                 f"{max_int_digits} digits.")
        return int(text)

    def parse_constant(name: str) -> Any:
        raise JsonInputError(f"{_cap(what)} holds {name}, which is not JSON; send a number or null.")

    try:
        return json.loads(data, parse_int=parse_int, parse_constant=parse_constant)
    except JsonInputError:
        raise
    except json.JSONDecodeError as exc:
        raise JsonInputError(f"Malformed JSON in {what} at line {exc.lineno}, column {exc.colno}: "
                             f"{exc.msg}.") from exc
    except RecursionError as exc:
        raise JsonInputError(f"{_cap(what)} is nested too deeply (arrays/objects inside each other beyond "
                             "Python's recursion limit); flatten it.") from exc
    except (ValueError, OverflowError) as exc:  # e.g. a float literal too long to convert
        raise JsonInputError(f"{_cap(what)} holds a value that cannot be read: {exc}.") from exc


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]

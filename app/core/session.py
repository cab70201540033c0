"""A saved playground session: query, documents with grades, result columns and their last results.

Stored as one JSON file (``{"app": "rerank-playground", "version": 1, ...}``), written atomically so a crash
while saving never leaves a half-written file. :meth:`Session.load` gives a :class:`BadInputError` naming the
file and the problem for bad JSON, another app's JSON, a newer format version or a damaged field. Qt-free.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.errors import BadInputError
from app.core.safe_files import read_bytes
from app.core.safe_json import reason_of
from app.core.serialize import (
    ColumnSpec,
    column_from_dict,
    column_to_dict,
    scorerun_from_dict,
    scorerun_to_dict,
)
from app.core.types import Document, ScoreRun
from app.paths import sessions_dir

log = logging.getLogger(__name__)

SESSION_VERSION = 1
APP_MARKER = "rerank-playground"
GRADES = (0, 1, 2, 3)

__all__ = ["APP_MARKER", "SESSION_VERSION", "ColumnSpec", "Session", "SessionDocument", "last_session_path",
           "scorerun_from_dict", "scorerun_to_dict"]


@dataclass(frozen=True)
class SessionDocument:
    """A document as the user left it: text, the file it came from, and an optional relevance grade 0-3."""

    text: str
    source: str = ""
    grade: int | None = None

    def __post_init__(self) -> None:
        if self.grade is not None and self.grade not in GRADES:
            raise ValueError(f"grade must be one of {GRADES} or None, not {self.grade!r}")


@dataclass(frozen=True)
class Session:
    """Everything needed to restore the window. ``results[i]`` is the last run of ``columns[i]`` (or None);
    ``reference`` is the index of the reference column (or None)."""

    version: int = SESSION_VERSION
    query: str = ""
    instruction: str = ""
    documents: tuple[SessionDocument, ...] = ()
    columns: tuple[ColumnSpec, ...] = ()
    reference: int | None = None
    results: tuple[ScoreRun | None, ...] = field(default=())
    normalized: bool = True  # the score scale shown (normalized, or raw logits)
    drift: tuple[str, str] | None = None  # the drift panel's pair of column names

    def __post_init__(self) -> None:
        object.__setattr__(self, "documents", tuple(self.documents))
        object.__setattr__(self, "columns", tuple(self.columns))
        results = tuple(self.results) + (None,) * (len(self.columns) - len(self.results))
        if len(results) > len(self.columns):
            raise ValueError("a session has at most one result per column")
        object.__setattr__(self, "results", results)
        if self.reference is not None and not 0 <= self.reference < len(self.columns):
            raise ValueError(f"reference column {self.reference} does not exist")

    @classmethod
    def from_documents(cls, documents: list[Document], grades: list[int | None] | None = None,
                       **kwargs: Any) -> Session:
        grades = grades if grades is not None else [None] * len(documents)
        docs = tuple(SessionDocument(d.text, d.source, g) for d, g in zip(documents, grades, strict=True))
        return cls(documents=docs, **kwargs)

    def document_list(self) -> list[Document]:
        return [Document(d.text, d.source) for d in self.documents]

    def grades(self) -> list[int | None]:
        return [d.grade for d in self.documents]

    # ------------------------------------------------------------ JSON

    def to_dict(self) -> dict:
        return {
            "app": APP_MARKER,
            "version": self.version,
            "query": self.query,
            "instruction": self.instruction,
            "documents": [{"text": d.text, "source": d.source, "grade": d.grade} for d in self.documents],
            "columns": [column_to_dict(c) for c in self.columns],
            "reference": self.reference,
            "results": [None if r is None else scorerun_to_dict(r) for r in self.results],
            "score_scale": "normalized" if self.normalized else "raw",
            "drift": list(self.drift) if self.drift else None,
        }

    @classmethod
    def from_dict(cls, data: Any, name: str = "session") -> Session:
        if not isinstance(data, dict) or data.get("app") != APP_MARKER:
            raise BadInputError(f"{name} is not a Rerank Playground session file.")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise BadInputError(f"{name}: the session format version is missing or invalid ({version!r}).")
        if version > SESSION_VERSION:
            raise BadInputError(f"{name} was saved by a newer Rerank Playground (session format {version}; this "
                                f"version reads up to {SESSION_VERSION}). Update the app to open it.")
        try:
            return cls(
                version=version,
                query=_text(data.get("query", ""), "query"),
                instruction=_text(data.get("instruction", ""), "instruction"),
                documents=tuple(_document(d, i) for i, d in enumerate(_list(data, "documents"))),
                columns=tuple(column_from_dict(c, f"columns[{i}]") for i, c in enumerate(_list(data, "columns"))),
                reference=data.get("reference"),
                results=tuple(None if r is None else scorerun_from_dict(r, f"results[{i}]")
                              for i, r in enumerate(_list(data, "results"))),
                normalized=_scale(data.get("score_scale", "normalized")),
                drift=_pair(data.get("drift")),
            )
        except BadInputError as exc:
            raise BadInputError(f"{name} is damaged: {exc}") from exc
        except (TypeError, ValueError) as exc:
            raise BadInputError(f"{name} is damaged: {exc}.") from exc

    # ------------------------------------------------------------ files

    def save(self, path: str | os.PathLike) -> Path:
        """Write atomically (temporary file in the same folder, then rename). Returns the path."""
        path = Path(path).expanduser()
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1, allow_nan=False)
        tmp_name = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.",
                                             suffix=".tmp", delete=False) as fh:
                tmp_name = fh.name
                fh.write(text)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp_name, path)
        except OSError as exc:
            if tmp_name and os.path.exists(tmp_name):
                os.unlink(tmp_name)
            raise BadInputError(f"Could not save the session to {path}: {exc.strerror or exc}. Choose a folder "
                                "you can write to.") from exc
        log.info("saved session %s", path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> Session:
        path = Path(path).expanduser()
        if not path.exists() and not path.is_symlink():
            raise BadInputError(f"Session file not found: {path}.")
        data = read_bytes(path, MAX_SESSION_BYTES, "Session file")  # refuses a FIFO or device, bounded
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadInputError(f"Could not read the session file {path.name}: {exc}.") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise BadInputError(f"{path.name} is not valid JSON (line {exc.lineno}, column {exc.colno}: "
                                f"{exc.msg}); it is damaged or not a session file.") from exc
        except (ValueError, RecursionError) as exc:  # nested too deep, a 5,000-digit number
            raise BadInputError(f"{path.name} is not valid JSON ({reason_of(exc)}); it is damaged or not a "
                                "session file.") from None
        return cls.from_dict(data, path.name)


MAX_SESSION_BYTES = 512 * 1024 * 1024


def last_session_path() -> Path:
    """Where the app keeps the session it restores at start-up."""
    return sessions_dir() / "last-session.json"


def _list(data: dict, key: str) -> list:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise BadInputError(f"{key} must be a list.")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise BadInputError(f"{where} must be text.")
    return value


def _document(data: Any, i: int) -> SessionDocument:
    if not isinstance(data, dict) or not isinstance(data.get("text"), str):
        raise BadInputError(f'documents[{i}] must be an object with a "text" string.')
    grade = data.get("grade")
    if grade is not None and (not isinstance(grade, int) or isinstance(grade, bool) or grade not in GRADES):
        raise BadInputError(f"documents[{i}].grade must be 0, 1, 2, 3 or null, not {grade!r}.")
    return SessionDocument(data["text"], _text(data.get("source", ""), f"documents[{i}].source"), grade)


def _scale(value: Any) -> bool:
    if value not in ("normalized", "raw"):
        raise BadInputError(f'score_scale must be "normalized" or "raw", not {value!r}.')
    return value == "normalized"


def _pair(value: Any) -> tuple[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2 or not all(isinstance(v, str) for v in value):
        raise BadInputError("drift must be a list of two column names or null.")
    return value[0], value[1]

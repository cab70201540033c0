"""Turn files and folders the user drops or picks into documents, with clear messages for bad input.

One entry point, :func:`load_path`, for every supported type (see :data:`SUPPORTED_SUFFIXES`):

- ``.txt`` / ``.md``: one document per paragraph (blank-line separated), or one per line with
  ``split="lines"``.
- ``.pdf``: one document per page (pypdf text layer, whitespace collapsed); pages without text are reported.
- ``.docx``: one document per non-empty paragraph (python-docx); tables are reported, not imported.
- ``.csv`` / ``.tsv``: one document per row of the chosen column (first row is the header).
- ``.jsonl``: one document per line, from the chosen string field (default ``text``) or a bare JSON string.
- folders: their supported files, recursively, sorted by relative path; hidden files are skipped.

Every problem is either a :class:`~app.core.errors.BadInputError` whose message names the file and says what
to do, or a warning in :attr:`ImportResult.warnings`. Inside a folder, a file that cannot be read becomes a
warning so the other files still load. Qt-free.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core import import_formats as fmt
from app.core.errors import BadInputError, CancelledError
from app.core.import_formats import FieldChoice
from app.core.safe_files import stat_problem
from app.core.types import Document

log = logging.getLogger(__name__)

MAX_FILE_BYTES = fmt.MAX_FILE_BYTES
TEXT_SUFFIXES = (".txt", ".md", ".markdown")
TABLE_SUFFIXES = (".csv", ".tsv")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + TABLE_SUFFIXES + (".jsonl", ".pdf", ".docx")
SPLIT_MODES = ("paragraphs", "lines")

Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class ImportResult:
    """Documents read from one path (file or folder), and what the user should know about them."""

    documents: tuple[Document, ...]
    warnings: tuple[str, ...] = ()


def load_path(
    path: str | os.PathLike,
    *,
    column: str | None = None,
    field: str | None = None,
    split: str = "paragraphs",
    cancelled: Cancelled | None = None,
) -> ImportResult:
    """Read one file or folder into documents whose ``source`` is the file name.

    ``column`` picks the CSV/TSV column and ``field`` the JSONL field (None: the default, see
    :func:`inspect_fields`); ``split`` is ``"paragraphs"`` or ``"lines"`` for text files. Inside a folder,
    ``source`` is the path relative to the folder, and column/field apply to every table file in it.
    ``cancelled`` is polled between pages/rows/files and raises :class:`CancelledError` when it returns True.
    """
    if split not in SPLIT_MODES:
        raise ValueError(f"split must be one of {SPLIT_MODES}")
    path = Path(path).expanduser()
    if path.is_dir():
        return _load_folder(path, column, field, split, cancelled)
    if not path.exists():
        raise BadInputError(f"{path.name}: file not found ({path}). It may have been moved or deleted.")
    docs, warnings = _load_file(path, path.name, column, field, split, cancelled)
    if not docs:
        raise BadInputError(f"{path.name} holds no documents (it is empty or has no text).")
    return ImportResult(tuple(docs), tuple(warnings))


def inspect_fields(path: str | os.PathLike) -> FieldChoice | None:
    """For a CSV/TSV or JSONL file: its columns/fields and the default pick; None for other files."""
    path = Path(path).expanduser()
    suffix = path.suffix.lower()
    if suffix in TABLE_SUFFIXES:
        return fmt.csv_choice(path)
    if suffix == ".jsonl":
        return fmt.jsonl_choice(path)
    return None


def split_pasted(text: str) -> list[str]:
    """Pasted text into documents: one per blank-line-separated paragraph when it has blank lines, else one
    per line. Surrounding whitespace is stripped and empty pieces dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return []
    if re.search(r"\n[ \t]*\n", text):
        return split_paragraphs(text)
    return [line.strip() for line in text.split("\n") if line.strip()]


def split_paragraphs(text: str) -> list[str]:
    """Blank-line-separated paragraphs, stripped; line breaks inside a paragraph are kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip() for p in re.split(r"\n[ \t]*\n", text) if p.strip()]


def is_supported(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in SUPPORTED_SUFFIXES


def _load_file(path: Path, source: str, column: str | None, field: str | None, split: str,
               cancelled: Cancelled | None) -> tuple[list[Document], list[str]]:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        hint = " Save it as .docx first." if suffix == ".doc" else ""
        raise BadInputError(f"{path.name}: {suffix or 'files without an extension'} is not supported.{hint} "
                            f"Supported: {', '.join(SUPPORTED_SUFFIXES)}, or a folder of them.")
    fmt.check_size(path)
    if suffix in TEXT_SUFFIXES:
        text, warnings = fmt.read_text(path)
        pieces = split_paragraphs(text) if split == "paragraphs" else \
            [line.strip() for line in text.splitlines() if line.strip()]
        return [Document(p, source) for p in pieces], warnings
    if suffix == ".pdf":
        texts, warnings = fmt.read_pdf(path, cancelled)
    elif suffix == ".docx":
        texts, warnings = fmt.read_docx(path)
    elif suffix in TABLE_SUFFIXES:
        texts, warnings = fmt.read_csv(path, column, cancelled)
    else:
        texts, warnings = fmt.read_jsonl(path, field, cancelled)
    return [Document(t, source) for t in texts], warnings


def _load_folder(folder: Path, column: str | None, field: str | None, split: str,
                 cancelled: Cancelled | None) -> ImportResult:
    files, skipped, unreadable = _walk(folder)
    docs: list[Document] = []
    warnings: list[str] = [f"Skipped {rel}: it is {why}." for rel, why in unreadable]
    for path in files:
        if cancelled and cancelled():
            raise CancelledError()
        rel = path.relative_to(folder).as_posix()
        try:
            file_docs, file_warnings = _load_file(path, rel, column, field, split, cancelled)
        except BadInputError as exc:
            warnings.append(f"Skipped {rel}: {exc}")
            continue
        if not file_docs:
            warnings.append(f"Skipped {rel}: it holds no documents.")
        docs.extend(file_docs)
        warnings.extend(file_warnings)
    if skipped:
        names = ", ".join(skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
        warnings.append(f"Skipped {len(skipped)} unsupported file(s) in {folder.name}: {names}.")
    if not docs:
        raise BadInputError(f"The folder {folder.name} holds no readable documents. Supported files: "
                            f"{', '.join(SUPPORTED_SUFFIXES)}." + (f" ({warnings[0]})" if warnings else ""))
    return ImportResult(tuple(docs), tuple(warnings))


def _walk(folder: Path) -> tuple[list[Path], list[str], list[tuple[str, str]]]:
    """Supported files under ``folder`` sorted by relative path, the names of unsupported ones, and
    (name, why) for supported names that are no regular file: a FIFO (reading it would wait forever), a
    device (``x.txt -> /dev/zero`` reads without end), a broken or looping symbolic link.

    Hidden files and folders are skipped; symlinked folders are not followed (no loops)."""
    found: list[Path] = []
    skipped: list[str] = []
    unreadable: list[tuple[str, str]] = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            if name.startswith("."):
                continue
            p = Path(root) / name
            rel = p.relative_to(folder).as_posix()
            if not is_supported(p):
                skipped.append(rel)
                continue
            st, why = stat_problem(p)
            if st is None:
                unreadable.append((rel, why))
            else:
                found.append(p)
    found.sort(key=lambda p: p.relative_to(folder).as_posix().lower())
    return found, sorted(skipped), sorted(unreadable)

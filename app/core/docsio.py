"""The CLI's document reader (the GUI's importers, :mod:`app.core.importers`) and the text decoding they share."""

from __future__ import annotations

import logging
from pathlib import Path

from app.core.errors import BadInputError
from app.core.types import Document

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 200 * 1024 * 1024


def decode_bytes(data: bytes, name: str) -> tuple[str, bool]:
    """UTF-8 (with or without BOM), else UTF-16 with BOM; otherwise undecodable bytes become U+FFFD.

    Returns the text and whether replacement characters were inserted.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), False
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace"), True


def read_documents(path: str | Path, column: str | None = None, split: str = "lines") -> list[Document]:
    """Documents of a file or folder; see :func:`read_documents_with_warnings` (warnings are logged)."""
    docs, warnings = read_documents_with_warnings(path, column, split)
    for w in warnings:
        log.warning("%s", w)
    return docs


def read_documents_with_warnings(path: str | Path, column: str | None = None,
                                 split: str = "lines") -> tuple[list[Document], list[str]]:
    """The CLI's documents, read by the same importers as the GUI (:func:`app.core.importers.load_path`):
    PDF pages, DOCX paragraphs, CSV/TSV rows of ``column``, JSONL lines (field ``column``, default "text"
    or the string field with most text), text files one document per line (``split="paragraphs"``: per
    blank-line-separated paragraph), folders of those. A file with another extension is read as text.

    Returns the documents and the warnings the GUI would show (replaced bytes, skipped rows...).
    """
    from app.core import import_formats, importers

    path = Path(path).expanduser()
    if not path.exists() and not path.is_symlink():
        raise BadInputError(f"Documents file not found: {path}")
    if path.is_dir() or importers.is_supported(path):
        result = importers.load_path(path, column=column, field=column, split=split)
        return list(result.documents), list(result.warnings)
    text, warnings = import_formats.read_text(path)  # any other extension: plain text, as before
    pieces = importers.split_paragraphs(text) if split == "paragraphs" else \
        [line.strip() for line in text.splitlines() if line.strip()]
    if not pieces:
        raise BadInputError(f"{path.name} holds no documents.")
    return [Document(p, path.name) for p in pieces], warnings

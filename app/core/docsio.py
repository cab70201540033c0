"""Read documents from .txt (one per line) and .jsonl ({"text": ...} per line) files, with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

from app.core.errors import BadInputError
from app.core.types import Document

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


def read_documents(path: str | Path, field: str = "text") -> list[Document]:
    path = Path(path)
    if not path.is_file():
        raise BadInputError(f"Documents file not found: {path}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise BadInputError(f"{path.name} is larger than {MAX_FILE_BYTES // 2**20} MB; split it into smaller files.")
    data = path.read_bytes()
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadInputError(f"{path.name} looks like a binary file, not text. Use a .txt or .jsonl file.")
    text, _ = decode_bytes(data, path.name)
    if path.suffix.lower() == ".jsonl":
        docs = _jsonl(text, path.name, field)
    else:
        docs = [Document(line, path.name) for line in text.splitlines() if line.strip()]
    if not docs:
        raise BadInputError(f"{path.name} holds no documents.")
    return docs


def _jsonl(text: str, name: str, field: str) -> list[Document]:
    docs = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BadInputError(f"{name} line {n}: not valid JSON ({exc.msg}).") from exc
        if isinstance(obj, str):
            docs.append(Document(obj, name))
            continue
        if not isinstance(obj, dict) or not isinstance(obj.get(field), str):
            raise BadInputError(f'{name} line {n}: expected an object with a "{field}" string field.')
        docs.append(Document(obj[field], name))
    return docs

"""Readers for each file type :mod:`app.core.importers` supports. Each returns (texts, warnings) or raises
:class:`BadInputError` naming the file. Qt-free."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.core.docsio import MAX_FILE_BYTES, decode_bytes
from app.core.errors import BadInputError, CancelledError
from app.core.safe_files import check_regular, read_bytes
from app.core.safe_json import JSONInputError, loads

log = logging.getLogger(__name__)

PREFERRED_NAMES = ("text", "document", "passage", "content")
SAMPLE_ROWS = 200  # rows used to guess the default column / field
INSPECT_BYTES = 1 << 20  # inspect_fields reads at most this much of a file

Cancelled = Callable[[], bool] | None


@dataclass(frozen=True)
class FieldChoice:
    """Which CSV column / JSONL field a file offers, the one :func:`load_path` picks by default, and whether
    that pick is a guess the UI should confirm (no column named text/document/passage/content)."""

    kind: str  # "column" (CSV/TSV) or "field" (JSONL)
    options: tuple[str, ...]
    default: str
    ambiguous: bool


def check_size(path: Path) -> None:
    """Refuse anything but a regular file (FIFO, device, broken link...) and files over the limit, before
    reading a byte of them."""
    size = check_regular(path, "").st_size
    if size > MAX_FILE_BYTES:
        raise BadInputError(f"{path.name} is {size / 2**20:.0f} MB, over the {MAX_FILE_BYTES // 2**20} MB limit "
                            "for one file. Split it into smaller files, or keep only the documents you need.")


def read_text(path: Path, limit: int | None = None) -> tuple[str, list[str]]:
    """Decoded text of a text file (UTF-8/UTF-16 BOM; other bytes replaced with a warning)."""
    check_size(path)
    data = read_bytes(path, MAX_FILE_BYTES if limit is None else limit, "", partial=limit is not None)
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadInputError(f"{path.name} looks like a binary file, not text. Export it as text, CSV, JSONL, "
                            "PDF or DOCX first.")
    text, replaced = decode_bytes(data, path.name)
    warnings = []
    if replaced:
        warnings.append(f"{path.name} is not valid UTF-8: unreadable bytes were replaced with \ufffd. Save it as "
                        "UTF-8 to keep every character.")
    return text, warnings


def _check_cancel(cancelled: Cancelled) -> None:
    if cancelled and cancelled():
        raise CancelledError()


# ---------------------------------------------------------------- PDF and DOCX


def read_pdf(path: Path, cancelled: Cancelled = None) -> tuple[list[str], list[str]]:
    """One text per page with a text layer; whitespace collapsed (PDF line breaks are layout, not meaning)."""
    import pypdf

    check_size(path)
    data = read_bytes(path, MAX_FILE_BYTES, "")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise BadInputError(f"{path.name} is password-protected. Save an unprotected copy and drop that.")
        pages = list(reader.pages)
    except BadInputError:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        log.debug("pypdf failed on %s", path, exc_info=True)
        raise BadInputError(f"{path.name} could not be read as a PDF ({type(exc).__name__}: {exc}). It may be "
                            "damaged; open and re-save it, or export its text.") from exc
    texts, empty, failed = [], [], []
    for number, page in enumerate(pages, start=1):
        _check_cancel(cancelled)
        try:
            text = " ".join((page.extract_text() or "").split())
        except Exception:  # one damaged page must not lose the others
            log.debug("pypdf failed on %s page %d", path, number, exc_info=True)
            failed.append(number)
            continue
        if text:
            texts.append(text)
        else:
            empty.append(number)
    warnings = []
    if failed:
        warnings.append(f"{path.name}: page(s) {_numbers(failed)} could not be read and were skipped.")
    if empty and texts:
        warnings.append(f"{path.name}: page(s) {_numbers(empty)} have no text layer (scanned images?) and were "
                        "skipped. Run OCR on the PDF to include them.")
    if pages and not texts and empty:
        raise BadInputError(f"{path.name} has no text layer (a scan?). Run OCR on it first, or paste its text.")
    return texts, warnings


def read_docx(path: Path) -> tuple[list[str], list[str]]:
    """One text per non-empty paragraph of the body."""
    import docx

    check_size(path)
    data = read_bytes(path, MAX_FILE_BYTES, "")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # zipfile/KeyError/PackageNotFoundError/... for damaged or mislabelled files
        log.debug("python-docx failed on %s", path, exc_info=True)
        raise BadInputError(f"{path.name} could not be opened as a Word .docx document ({type(exc).__name__}). "
                            "It may be damaged or another format renamed to .docx; re-save it from Word.") from exc
    texts = [p.text.strip() for p in document.paragraphs if p.text.strip()]
    warnings = []
    if document.tables:
        warnings.append(f"{path.name}: {len(document.tables)} table(s) were not imported; only paragraphs are.")
    return texts, warnings


def _numbers(values: list[int]) -> str:
    shown = ", ".join(map(str, values[:10]))
    return shown + (f" and {len(values) - 10} more" if len(values) > 10 else "")


# ---------------------------------------------------------------- CSV / TSV


def _csv_rows(path: Path, text: str) -> tuple[list[str], list[list[str]]]:
    """Header (unique, non-empty names) and the data rows."""
    if path.suffix.lower() == ".tsv":
        dialect: type[csv.Dialect] | csv.Dialect = csv.excel_tab
    else:
        try:
            dialect = csv.Sniffer().sniff(text[:16384], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
    csv.field_size_limit(MAX_FILE_BYTES)
    rows = _parse_rows(path, text, dialect)
    if not rows:
        raise BadInputError(f"{path.name} holds no documents (it is empty).")
    header: list[str] = []
    for i, name in enumerate(rows[0], start=1):
        name = name.strip() or f"column {i}"
        while name in header:
            name += "_"
        header.append(name)
    return header, rows[1:]


def _parse_rows(path: Path, text: str, dialect) -> list[list[str]]:
    """Non-empty rows; strict quoting, so an unterminated quote is an error naming the line it opens on,
    instead of silently swallowing every row after it."""
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    rows: list[list[str]] = []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise BadInputError(f"{path.name} line {start}: a quoted cell starts there and its closing "
                                    "quote is missing, so every row after it would merge into one. Close the "
                                    "quote (or double a quote inside the cell) and import again.") from None
            raise BadInputError(f"{path.name} line {reader.line_num}: not valid CSV ({exc}). Check the quotes "
                                "on that line.") from None
        if any(cell.strip() for cell in row):
            rows.append(row)


def _default_name(names: list[str], values: Callable[[str], list[str]]) -> tuple[str, bool]:
    """A preferred name if present (not ambiguous), else the name with the most text in the sample rows."""
    lowered = {n.strip().lower(): n for n in names}
    for preferred in PREFERRED_NAMES:
        if preferred in lowered:
            return lowered[preferred], False
    best = max(names, key=lambda n: sum(len(v) for v in values(n)))
    return best, len(names) > 1


def _pick(names: list[str], wanted: str, path: Path, kind: str) -> str:
    if wanted in names:
        return wanted
    folded = [n for n in names if n.lower() == wanted.strip().lower()]
    if folded:
        return folded[0]
    raise BadInputError(f'{path.name} has no {kind} "{wanted}". Its {kind}s are: {", ".join(names) or "none"}. '
                        f"Pick one of them.")


def _cell(row: list[str], i: int) -> str:
    return row[i] if i < len(row) else ""


def _csv_default(header: list[str], rows: list[list[str]]) -> tuple[str, bool]:
    sample = rows[:SAMPLE_ROWS]
    return _default_name(header, lambda n: [_cell(r, header.index(n)) for r in sample])


def csv_choice(path: Path) -> FieldChoice:
    text, _ = read_text(path, INSPECT_BYTES)
    header, rows = _csv_rows(path, text)
    if path.stat().st_size > INSPECT_BYTES and rows:
        rows = rows[:-1]  # the sample may end mid-row
    default, ambiguous = _csv_default(header, rows)
    return FieldChoice("column", tuple(header), default, ambiguous)


def read_csv(path: Path, column: str | None, cancelled: Cancelled = None) -> tuple[list[str], list[str]]:
    text, warnings = read_text(path)
    header, rows = _csv_rows(path, text)
    if column is None:
        column, ambiguous = _csv_default(header, rows)
        if ambiguous:
            warnings.append(f'{path.name}: used the column "{column}" (the one with the most text). Other '
                            f"columns: {', '.join(n for n in header if n != column)}.")
    else:
        column = _pick(header, column, path, "column")
    i = header.index(column)
    texts, empty = [], 0
    for n, row in enumerate(rows):
        if n % 1000 == 0:
            _check_cancel(cancelled)
        value = _cell(row, i).strip()
        if value:
            texts.append(value)
        else:
            empty += 1
    if empty:
        warnings.append(f'{path.name}: skipped {empty} row(s) with an empty "{column}" cell.')
    return texts, warnings


# ---------------------------------------------------------------- JSONL


def _jsonl_objects(path: Path, text: str, cancelled: Cancelled) -> tuple[list[tuple[int, object]],
                                                                          list[tuple[int, str]]]:
    """(line number, parsed value) for each valid line and (line number, error) for each invalid one."""
    good, bad = [], []
    for n, line in enumerate(text.splitlines(), start=1):
        if n % 1000 == 0:
            _check_cancel(cancelled)
        if not line.strip():
            continue
        try:
            good.append((n, loads(line, f"{path.name} line {n}")))
        except JSONInputError as exc:
            bad.append((n, exc.reason))
    return good, bad


def _string_fields(objects: list[tuple[int, object]]) -> list[str]:
    names: dict[str, None] = {}
    for _, obj in objects[:SAMPLE_ROWS]:
        if isinstance(obj, dict):
            names.update((k, None) for k, v in obj.items() if isinstance(v, str))
    return list(names)


def _jsonl_default(objects: list[tuple[int, object]]) -> tuple[list[str], str, bool]:
    fields = _string_fields(objects)
    if not fields:
        return fields, "text", False
    sample = [o for _, o in objects[:SAMPLE_ROWS] if isinstance(o, dict)]
    default, ambiguous = _default_name(fields, lambda f: [o.get(f) for o in sample if isinstance(o.get(f), str)])
    return fields, default, ambiguous


def jsonl_choice(path: Path) -> FieldChoice:
    text, _ = read_text(path, INSPECT_BYTES)
    good, _ = _jsonl_objects(path, text, None)
    fields, default, ambiguous = _jsonl_default(good)
    return FieldChoice("field", tuple(fields), default, ambiguous)


def read_jsonl(path: Path, field: str | None, cancelled: Cancelled = None) -> tuple[list[str], list[str]]:
    text, warnings = read_text(path)
    good, bad = _jsonl_objects(path, text, cancelled)
    if not good and bad:
        n, msg = bad[0]
        raise BadInputError(f"{path.name} line {n}: not valid JSON ({msg}). Each line must be one JSON object "
                            'like {"text": "..."}.')
    fields, default, ambiguous = _jsonl_default(good)
    if field is None:
        field = default
        if ambiguous:
            warnings.append(f'{path.name}: used the field "{field}" (the one with the most text). Other fields: '
                            f"{', '.join(f for f in fields if f != field)}.")
    elif fields:
        field = _pick(fields, field, path, "field")
    texts, missing = [], []
    for n, obj in good:
        value = obj if isinstance(obj, str) else obj.get(field) if isinstance(obj, dict) else None
        if isinstance(value, str) and value.strip():
            texts.append(value)  # exactly as written: a JSONL file (e.g. the app's own export) is structured
        else:
            missing.append(n)
    if not texts:
        raise BadInputError(f'{path.name}: no line has a "{field}" text field. Its text fields are: '
                            f'{", ".join(fields) or "none"}. Pick one of them, or write lines like '
                            '{"text": "..."}.')
    if bad:
        warnings.append(f"{path.name}: skipped line(s) {_numbers([n for n, _ in bad])}: not valid JSON "
                        f"(line {bad[0][0]}: {bad[0][1]}).")
    if missing:
        warnings.append(f'{path.name}: skipped line(s) {_numbers(missing)} without a "{field}" text.')
    return texts, warnings

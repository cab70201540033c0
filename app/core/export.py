"""Export results of N columns (CSV, JSON, Markdown) and copyable snippets (Cohere request, CLI command).

``columns`` everywhere is a sequence of :class:`ExportColumn` (or plain ``(display name, ScoreRun)`` pairs)
for the same documents, in input order; a column without results (failed, stale) is kept, with its error.
Rows are ordered by the rank in column ``order_by`` (the reference column; default the first with results).
An :class:`ExportContext` adds what reproduces the export (query, instruction, scale, runtimes). Qt-free.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shlex
from collections.abc import Sequence
from pathlib import Path

from app.core.errors import BadInputError
from app.core.export_meta import (
    ExportColumn,
    ExportContext,
    as_columns,
    column_meta,
    context_meta,
    csv_preamble,
    markdown_columns,
    markdown_context,
)
from app.core.serialize import ColumnSpec
from app.core.types import Document, ScoreOptions, ScoreRun

NamedRuns = Sequence  # of ExportColumn, or of (display name, ScoreRun) pairs
PREVIEW_CHARS = 60
PROGRAM = "rerank-playground"
FORMATS = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown"}


def _check(documents: Sequence[Document], columns: list[ExportColumn], order_by: int) -> int:
    """Validate; return the index of the column whose ranking orders the rows (the first one with results
    when ``order_by`` has none)."""
    if not columns or all(c.run is None for c in columns):
        why = "; ".join(f"{c.name}: {c.error}" for c in columns if c.error)
        raise BadInputError("There are no results to export" + (f" ({why})" if why else " yet")
                            + ". Run the columns first, then export.")
    if not 0 <= order_by < len(columns):
        raise BadInputError(f"Cannot order by column {order_by + 1}: there are only {len(columns)} columns.")
    for c in columns:
        if c.run is not None and len(c.run.results) != len(documents):
            raise BadInputError(f'The results of "{c.name}" are for {len(c.run.results)} documents but there '
                                f"are {len(documents)} now. Run again, then export.")
    if columns[order_by].run is None:
        order_by = next(i for i, c in enumerate(columns) if c.run is not None)
    return order_by


def _ranks(run: ScoreRun | None) -> dict[int, int]:
    """Document index -> 1-based rank in this run."""
    return {r.index: rank for rank, r in enumerate(run.ranked(), start=1)} if run is not None else {}


def _order(columns: list[ExportColumn], order_by: int) -> list[int]:
    return [r.index for r in columns[order_by].run.ranked()]


def _fmt(x: float) -> str:
    return "nan" if math.isnan(x) else f"{x:.4f}"


def results_to_csv(documents: Sequence[Document], columns: NamedRuns, *, order_by: int = 0,
                   grades: Sequence[int | None] | None = None, context: ExportContext | None = None) -> str:
    """One row per document: rank, index, source, grade, text, then score/raw/rank/tokens/truncated per column
    (empty for a column without results). With ``context``, ``# key: value`` lines come before the header."""
    columns = as_columns(columns)
    order_by = _check(documents, columns, order_by)
    ranks = [_ranks(c.run) for c in columns]
    buf = io.StringIO(newline="")
    if context is not None:
        buf.write("\r\n".join(csv_preamble(context, columns)) + "\r\n")
    writer = csv.writer(buf)
    header = ["rank", "index", "source", "grade", "text"]
    for c in columns:
        header += [f"{c.name} score", f"{c.name} raw score", f"{c.name} rank", f"{c.name} tokens",
                   f"{c.name} truncated"]
    writer.writerow(header)
    for rank, i in enumerate(_order(columns, order_by), start=1):
        grade = grades[i] if grades is not None and grades[i] is not None else ""
        row: list[object] = [rank, i, documents[i].source, grade, documents[i].text]
        for c, rank_of in zip(columns, ranks):
            if c.run is None:
                row += [""] * 5
                continue
            r = c.run.results[i]
            row += [repr(r.score), repr(r.raw_score), rank_of[i], r.token_count, str(r.truncated).lower()]
        writer.writerow(row)
    return buf.getvalue()


def read_csv_export(text: str) -> tuple[dict, list[dict]]:
    """Parse an export written by :func:`results_to_csv`: (context lines as a dict, rows as dicts)."""
    lines = text.splitlines(keepends=True)
    meta, start = {}, 0
    while start < len(lines) and lines[start].startswith("#"):
        key, _, value = lines[start][1:].strip().partition(": ")
        if value:
            meta[key] = json.loads(value)
        start += 1
    return meta, list(csv.DictReader(io.StringIO("".join(lines[start:]))))


def results_to_json(documents: Sequence[Document], columns: NamedRuns, *, query: str = "",
                    grades: Sequence[int | None] | None = None, context: ExportContext | None = None) -> str:
    """``{context..., "documents": [...], "columns": [{"name", "status", "error", "model", "settings",
    "command", ...Cohere-shaped ranked results}]}``."""
    columns = as_columns(columns)
    _check(documents, columns, 0)
    context = context or ExportContext(query=query)
    body = {
        **context_meta(context),
        "documents": [{"index": i, "text": d.text, "source": d.source,
                       "grade": grades[i] if grades is not None else None} for i, d in enumerate(documents)],
        "columns": [{**(c.run.to_json() if c.run is not None else {"results": []}), **column_meta(c)}
                    for c in columns],
    }
    return json.dumps(_finite(body), ensure_ascii=False, indent=2, allow_nan=False) + "\n"


def _finite(obj):
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


def results_to_markdown(documents: Sequence[Document], columns: NamedRuns, *, order_by: int = 0,
                        raw: bool = False, context: ExportContext | None = None) -> str:
    """A GitHub table: rank, document preview, one score per column (raw logits when ``raw``; '—' for a
    column without results). With ``context``: query, instruction and scale above, columns' identity below."""
    columns = as_columns(columns)
    order_by = _check(documents, columns, order_by)
    lines = markdown_context(context, columns) if context is not None else []
    lines += ["| Rank | Document | " + " | ".join(_cell(c.name) for c in columns) + " |",
              "|---:|---|" + "---:|" * len(columns)]
    for rank, i in enumerate(_order(columns, order_by), start=1):
        scores = ["—" if c.run is None else _fmt(c.run.results[i].raw_score if raw else c.run.results[i].score)
                  for c in columns]
        lines.append(f"| {rank} | {_cell(preview(documents[i].text))} | " + " | ".join(scores) + " |")
    if context is not None:
        lines += markdown_columns(context, columns)
    return "\n".join(lines) + "\n"


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def write_results(path: str | os.PathLike, documents: Sequence[Document], columns: NamedRuns, *,
                  query: str = "", order_by: int = 0, grades: Sequence[int | None] | None = None,
                  raw: bool = False, context: ExportContext | None = None) -> Path:
    """Write CSV, JSON or Markdown, chosen by the file suffix (.csv, .json, .md)."""
    path = Path(path).expanduser()
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise BadInputError(f"{path.name}: export as .csv, .json or .md.")
    if kind == "csv":
        text = results_to_csv(documents, columns, order_by=order_by, grades=grades, context=context)
    elif kind == "json":
        text = results_to_json(documents, columns, query=query, grades=grades, context=context)
    else:
        text = results_to_markdown(documents, columns, order_by=order_by, raw=raw, context=context)
    _write(path, text)
    return path


def write_docs_file(documents: Sequence[Document | str], path: str | os.PathLike) -> Path:
    """Documents as JSONL (``{"text": ...}`` per line), which ``rerank-playground score --docs`` reads and
    which keeps line breaks inside documents."""
    path = Path(path).expanduser()
    lines = [json.dumps({"text": _text_of(d)}, ensure_ascii=False) for d in documents]
    _write(path, "\n".join(lines) + "\n")
    return path


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise BadInputError(f"Could not write {path}: {exc.strerror or exc}. Choose a folder you can write "
                            "to.") from exc


def _text_of(d: Document | str) -> str:
    return d.text if isinstance(d, Document) else d


def cohere_request(query: str, documents: Sequence[Document | str], top_n: int | None = None,
                   model: str = "rerank-v3.5") -> str:
    """The JSON body of a Cohere ``POST /v2/rerank`` request for the same query and documents."""
    body: dict[str, object] = {"model": model, "query": query, "documents": [_text_of(d) for d in documents]}
    if top_n is not None:
        body["top_n"] = top_n
    return json.dumps(body, ensure_ascii=False, indent=2)


def score_command(spec: ColumnSpec, query: str, docs_file: str | os.PathLike) -> str:
    """A shell command (``shlex``-quoted) that scores ``docs_file`` like this column does, headless.

    Defaults are left out. ``use_template=False`` has no CLI flag; the command then ends with a shell comment
    saying so, rather than silently scoring differently."""
    c, o = spec.config, spec.options
    if c.backend == "remote":
        return _remote_command(spec, query, docs_file)
    args = [PROGRAM, "score", "--model", c.path, "--backend", c.backend, "--device", c.device]
    if c.file:
        args += ["--file", c.file]
    if c.threads:
        args += ["--threads", str(c.threads)]
    if c.compute_type:
        args += ["--compute-type", c.compute_type]
    if c.n_gpu_layers != -1:
        args += ["--n-gpu-layers", str(c.n_gpu_layers)]
    if c.family:
        args += ["--family", c.family]
    if c.prompt_format:
        args += ["--prompt-format", c.prompt_format]
    args += ["--query", query, "--docs", os.fspath(docs_file)]
    args += _option_args(o)
    command = shlex.join(args)
    if not o.use_template:
        command += "  # this column scores without the prompt template; the CLI always uses it"
    return command


def _remote_command(spec: ColumnSpec, query: str, docs_file: str | os.PathLike) -> str:
    """The remote column's command; its API key is never written out (the CLI reads it from the environment)."""
    c = spec.config
    args = [PROGRAM, "score", "--backend", "remote", "--url", c.path]
    if c.api_style:
        args += ["--api", c.api_style]
    if c.remote_model:
        args += ["--remote-model", c.remote_model]
    if c.family:
        args += ["--family", c.family]
    args += ["--query", query, "--docs", os.fspath(docs_file), *_option_args(spec.options)]
    command = shlex.join(args)
    if c.api_key:
        command += "  # the server needs its API key: set RERANK_PLAYGROUND_REMOTE_API_KEY first"
    return command


def _option_args(o: ScoreOptions) -> list[str]:
    args: list[str] = []
    default = ScoreOptions()
    if o.max_length is not None:
        args += ["--max-length", str(o.max_length)]
    if o.batch_size != default.batch_size:
        args += ["--batch-size", str(o.batch_size)]
    if o.batch_tokens is not None:
        args += ["--batch-tokens", str(o.batch_tokens)]
    if o.chunk is not None:
        args += ["--chunk", str(o.chunk.size), "--overlap", str(o.chunk.overlap),
                 "--aggregate", o.chunk.aggregate.value]
    if o.instruction:
        args += ["--instruction", o.instruction]
    return args

"""Export results of N columns (CSV, JSON, Markdown) and copyable snippets (Cohere request, CLI command).

``columns`` everywhere is a sequence of ``(display name, ScoreRun)`` for the same documents, in input order.
Rows are ordered by the rank in column ``order_by`` (the reference column; default the first). Qt-free.
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
from app.core.serialize import ColumnSpec
from app.core.types import Document, ScoreOptions, ScoreRun

NamedRuns = Sequence[tuple[str, ScoreRun]]
PREVIEW_CHARS = 60
PROGRAM = "rerank-playground"
FORMATS = {".csv": "csv", ".json": "json", ".md": "markdown", ".markdown": "markdown"}


def _check(documents: Sequence[Document], columns: NamedRuns, order_by: int) -> None:
    if not columns:
        raise BadInputError("There are no results to export yet. Run the columns first.")
    if not 0 <= order_by < len(columns):
        raise BadInputError(f"Cannot order by column {order_by + 1}: there are only {len(columns)} columns.")
    for name, run in columns:
        if len(run.results) != len(documents):
            raise BadInputError(f'The results of "{name}" are for {len(run.results)} documents but there are '
                                f"{len(documents)} now. Run again, then export.")


def _ranks(run: ScoreRun) -> dict[int, int]:
    """Document index -> 1-based rank in this run."""
    return {r.index: rank for rank, r in enumerate(run.ranked(), start=1)}


def _order(columns: NamedRuns, order_by: int) -> list[int]:
    return [r.index for r in columns[order_by][1].ranked()]


def _fmt(x: float) -> str:
    return "nan" if math.isnan(x) else f"{x:.4f}"


def results_to_csv(documents: Sequence[Document], columns: NamedRuns, *, order_by: int = 0,
                   grades: Sequence[int | None] | None = None) -> str:
    """One row per document: rank, index, source, grade, text, then score/raw/rank/tokens/truncated per column."""
    _check(documents, columns, order_by)
    ranks = [_ranks(run) for _, run in columns]
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    header = ["rank", "index", "source", "grade", "text"]
    for name, _ in columns:
        header += [f"{name} score", f"{name} raw score", f"{name} rank", f"{name} tokens", f"{name} truncated"]
    writer.writerow(header)
    for rank, i in enumerate(_order(columns, order_by), start=1):
        grade = grades[i] if grades is not None and grades[i] is not None else ""
        row: list[object] = [rank, i, documents[i].source, grade, documents[i].text]
        for (_, run), rank_of in zip(columns, ranks):
            r = run.results[i]
            row += [repr(r.score), repr(r.raw_score), rank_of[i], r.token_count, str(r.truncated).lower()]
        writer.writerow(row)
    return buf.getvalue()


def results_to_json(documents: Sequence[Document], columns: NamedRuns, *, query: str = "",
                    grades: Sequence[int | None] | None = None) -> str:
    """``{"query", "documents": [...], "columns": [{"name", ...Cohere-shaped ranked results}]}``."""
    _check(documents, columns, 0)
    body = {
        "query": query,
        "documents": [{"index": i, "text": d.text, "source": d.source,
                       "grade": grades[i] if grades is not None else None} for i, d in enumerate(documents)],
        "columns": [{"name": name, **run.to_json()} for name, run in columns],
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
                        raw: bool = False) -> str:
    """A GitHub table: rank, document preview, one score per column (raw logits when ``raw``)."""
    _check(documents, columns, order_by)
    lines = ["| Rank | Document | " + " | ".join(_cell(name) for name, _ in columns) + " |",
             "|---:|---|" + "---:|" * len(columns)]
    for rank, i in enumerate(_order(columns, order_by), start=1):
        scores = [_fmt(run.results[i].raw_score if raw else run.results[i].score) for _, run in columns]
        lines.append(f"| {rank} | {_cell(preview(documents[i].text))} | " + " | ".join(scores) + " |")
    return "\n".join(lines) + "\n"


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def write_results(path: str | os.PathLike, documents: Sequence[Document], columns: NamedRuns, *,
                  query: str = "", order_by: int = 0, grades: Sequence[int | None] | None = None,
                  raw: bool = False) -> Path:
    """Write CSV, JSON or Markdown, chosen by the file suffix (.csv, .json, .md)."""
    path = Path(path).expanduser()
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise BadInputError(f"{path.name}: export as .csv, .json or .md.")
    if kind == "csv":
        text = results_to_csv(documents, columns, order_by=order_by, grades=grades)
    elif kind == "json":
        text = results_to_json(documents, columns, query=query, grades=grades)
    else:
        text = results_to_markdown(documents, columns, order_by=order_by, raw=raw)
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

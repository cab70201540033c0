"""What an export says besides the scores, so it can be reproduced: query, instruction, score scale, each
column's status (failed ones with their error), model identity, settings, command, device, runtime versions.

Qt-free and I/O-free: the caller gathers identities (hashing files is slow) and passes plain values.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.core.types import ScoreRun

OK, FAILED, NOT_RUN, STALE = "ok", "failed", "not run", "stale"


@dataclass(frozen=True)
class ExportColumn:
    """One result column. ``run`` is None unless ``status`` is ``ok``; ``error`` says why (failed/stale)."""

    name: str
    run: ScoreRun | None
    status: str = OK
    error: str = ""
    backend: str = ""
    device: str = ""  # the device asked for; the run's ``device`` is the one actually used
    model: dict = field(default_factory=dict)  # app.hub.identity.model_identity (or a remote server's URL)
    settings: dict = field(default_factory=dict)  # app.core.serialize.column_to_dict (API key left out)
    command: str = ""  # the rerank-playground command that scores it again

    @property
    def device_used(self) -> str:
        return self.run.device if self.run is not None else ""


@dataclass(frozen=True)
class ExportContext:
    query: str = ""
    instruction: str = ""
    normalized: bool = True
    app_version: str = ""
    runtimes: dict = field(default_factory=dict)  # package -> version (app.core.about.package_versions)
    exported_at: str = ""  # ISO 8601, UTC
    documents_file: str = ""  # the JSONL written beside the export, which the commands read

    @property
    def scale(self) -> str:
        return "normalized" if self.normalized else "raw"

    def scale_text(self) -> str:
        return ("normalized: 0-1, the family's score rule applied (e.g. sigmoid of the logit)" if self.normalized
                else "raw: the model's output before the score rule (logits)")


def as_columns(columns: Sequence) -> list[ExportColumn]:
    """Accept ``ExportColumn`` objects or plain ``(name, ScoreRun)`` pairs."""
    return [c if isinstance(c, ExportColumn) else ExportColumn(c[0], c[1]) for c in columns]


def column_status(column: ExportColumn) -> str:
    """One line: 'ok · onnx on cpu' or 'failed: <error>'."""
    if column.status == OK and column.run is not None:
        return f"ok · {column.run.backend} on {column.run.device} · {column.run.family} ({column.run.score_rule})"
    return f"{column.status}: {column.error}" if column.error else column.status


def column_meta(column: ExportColumn) -> dict:
    """The JSON description of one column, without its results."""
    meta = {"name": column.name, "status": column.status, "error": column.error or None,
            "backend": column.run.backend if column.run else column.backend,
            "device_requested": column.device or None, "device_used": column.device_used or None,
            "model": column.model, "settings": column.settings, "command": column.command or None}
    if column.run is not None:
        meta.update(family=column.run.family, score_rule=column.run.score_rule)
    return meta


def context_meta(context: ExportContext) -> dict:
    return {"app": "rerank-playground", "app_version": context.app_version, "exported_at": context.exported_at,
            "query": context.query, "instruction": context.instruction or None, "score_scale": context.scale,
            "runtimes": context.runtimes, "documents_file": context.documents_file or None}


def csv_preamble(context: ExportContext, columns: Sequence[ExportColumn]) -> list[str]:
    """``# key: value`` lines before the CSV header (values JSON-encoded, so a multi-line query stays one
    line). Readers skip the lines that start with '#' before the header."""
    lines = [f"# Rerank Playground {context.app_version} export {context.exported_at}".rstrip(),
             f"# query: {_j(context.query)}", f"# instruction: {_j(context.instruction)}",
             f"# scores: {_j(context.scale_text())}",
             f"# runtimes: {_j(context.runtimes)}"]
    if context.documents_file:
        lines.append(f"# documents file: {_j(context.documents_file)}")
    for c in columns:
        lines.append(f"# column {_j(c.name)}: {_j(column_meta(c))}")
    return lines


def markdown_context(context: ExportContext, columns: Sequence[ExportColumn]) -> list[str]:
    """The lines above the table: query, instruction, scale."""
    lines = [f"**Query:** {_inline(context.query)}  "]
    if context.instruction:
        lines.append(f"**Instruction:** {_inline(context.instruction)}  ")
    lines.append(f"**Scores:** {context.scale_text()}  ")
    failed = [c for c in columns if c.status != OK]
    if failed:
        lines.append("**Columns without results:** " + "; ".join(f"{c.name} ({column_status(c)})" for c in failed)
                     + "  ")
    return [*lines, ""]


def markdown_columns(context: ExportContext, columns: Sequence[ExportColumn]) -> list[str]:
    """The section under the table: one bullet per column (status, model identity, command), runtimes."""
    lines = ["", "### Columns", ""]
    for c in columns:
        lines.append(f"- **{_inline(c.name)}**: {_inline(column_status(c))}")
        if c.model:
            lines.append(f"  - model: `{json.dumps(c.model, ensure_ascii=False)}`")
        if c.command:
            lines.append(f"  - command: `{c.command}`")
    lines += ["", f"Rerank Playground {context.app_version}; runtimes: "
              + ", ".join(f"{k} {v}" for k, v in context.runtimes.items())
              + (f"; exported {context.exported_at}" if context.exported_at else "")]
    if context.documents_file:
        lines.append(f"Documents: `{context.documents_file}` (JSONL, read by the commands above).")
    return lines


def _j(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _inline(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")

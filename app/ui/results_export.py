"""File → Export: gather what the window shows (GUI thread), then hash the models and write (any thread).

Every column is exported: one with current results as ``ok``; a failed, stale or never-run one with its reason
and no scores. Each carries its model's identity, its settings and the command that scores it again; the
documents go to ``<name>.documents.jsonl`` beside the export, which those commands read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path

from app import __version__
from app.core import export
from app.core.about import package_versions
from app.core.export_meta import FAILED, NOT_RUN, OK, STALE, ExportColumn, ExportContext
from app.core.serialize import column_to_dict
from app.core.types import Document
from app.ui.columns import controller as states
from app.ui.columns.spec import ColumnSpec, run_options
from app.ui.staleness import stale_reason


@dataclass(frozen=True)
class PreparedExport:
    path: Path
    documents: list[Document]
    columns: list[tuple[ExportColumn, ColumnSpec]]
    context: ExportContext
    order_by: int
    grades: list[int | None] | None
    raw: bool


def documents_file_for(path: Path) -> Path:
    return path.with_name(f"{path.stem}.documents.jsonl")


def prepare(window, path: str | Path) -> PreparedExport:
    """Snapshot the window's inputs and columns (plain values; no file is read)."""
    from app.ui.main_window import _instruction_aware

    path = Path(path).expanduser()
    query, docs = window.query_panel.query(), window.documents_panel.documents()
    instruction = window.query_panel.instruction_text()
    columns = []
    for c in window.column_controllers():
        aware = _instruction_aware(c)
        column = _column(c, query, instruction, docs, aware)
        spec = c.spec
        spec = type(spec)(spec.name, spec.config, run_options(spec, instruction if aware else None))
        columns.append((column, spec))
    ref = window.reference_index()
    grades = window.documents_panel.grades()
    context = ExportContext(query=query.strip(), instruction=instruction, normalized=window.normalized,
                            app_version=__version__, runtimes=package_versions(),
                            exported_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                            documents_file=str(documents_file_for(path)))
    return PreparedExport(path, docs, columns, context, ref or 0, grades, not window.normalized)


def _column(c, query: str, instruction: str, docs: list[Document], aware: bool) -> ExportColumn:
    cfg = c.spec.config
    base = ExportColumn(c.spec.name, None, backend=cfg.backend, device=cfg.device,
                        settings=column_to_dict(c.spec))
    if c.state == states.FAILED:
        return replace(base, status=FAILED, error=c.message)
    if c.last_run is None:
        return replace(base, status=NOT_RUN, error="not run yet")
    reason = stale_reason(c, query, instruction or None, docs, lambda: aware)
    if reason:
        return replace(base, status=STALE, error=reason.replace(" — Run", "; run it again to export it"))
    return replace(base, run=c.last_run, status=OK)


def finish(prepared: PreparedExport) -> Path:
    """Hash the models (cached; slow the first time for big files), write the documents file and the export."""
    from app.hub.identity import model_identity

    p = prepared
    docs_file = export.write_docs_file(p.documents, documents_file_for(p.path))
    columns = []
    for column, spec in p.columns:
        cfg = spec.config
        if cfg.backend == "remote":
            model = {"url": cfg.path, "api": cfg.api_style, "remote_model": cfg.remote_model}
        else:
            model = model_identity(cfg.path, cfg.file)
        command = export.score_command(spec, p.context.query, docs_file)
        columns.append(replace(column, model=model, command=command))
    return export.write_results(p.path, p.documents, columns, query=p.context.query, order_by=p.order_by,
                                grades=p.grades, raw=p.raw, context=p.context)


__all__ = ["OK", "PreparedExport", "documents_file_for", "finish", "prepare"]

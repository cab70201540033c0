"""Table models for the Models dialog: Hub search hits, one repo's artifacts, and the local catalogue.

Plain QAbstractTableModels over the model manager's frozen dataclasses (``app.hub``); no widgets, so they are
tested without a window.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.hub import Artifact, LocalModel, SearchHit

Index = QModelIndex | QPersistentModelIndex
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def human_bytes(n: int | float) -> str:
    """1234567 -> '1.2 MB' (app.hub.space.human: the same units as the CLI)."""
    from app.hub.space import human

    return human(n)


def human_age(when: float | None, now: float | None = None) -> str:
    """A timestamp -> 'just now', '5 min ago', '3 h ago', '2 days ago', or 'never'."""
    if when is None:
        return "never"
    seconds = max(0.0, (now or time.time()) - when)
    for limit, div, unit in ((60, 1, ""), (3600, 60, "min"), (86400, 3600, "h")):
        if seconds < limit:
            return "just now" if not unit else f"{int(seconds // div)} {unit} ago"
    days = int(seconds // 86400)
    return f"{days} day{'s' if days != 1 else ''} ago"


class _Table(QAbstractTableModel):
    """Rows of one item type; a subclass sets HEADERS and NUMERIC and defines ``cell(item, column) -> str``."""

    HEADERS: tuple[str, ...] = ()
    NUMERIC: tuple[int, ...] = ()
    cell: Callable[[Any, int], str]

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def set_rows(self, rows: Sequence) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int):
        return self._rows[index]

    def rows(self) -> list:
        return list(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        item = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(item, index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(item)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.NUMERIC:
            return RIGHT
        return None

    def tooltip(self, item) -> str | None:
        return None


class SearchTable(_Table):
    HEADERS = ("Repository", "Downloads", "Likes", "Formats")
    NUMERIC = (1, 2)

    def cell(self, hit: SearchHit, column: int) -> str:
        name = hit.repo_id + (" 🔒" if hit.gated else "")
        return (name, f"{hit.downloads:,}", f"{hit.likes:,}", ", ".join(hit.formats))[column]

    def tooltip(self, hit: SearchHit) -> str | None:
        notes = [f"{hit.repo_id} · task: {hit.pipeline_tag or 'none'}"]
        if hit.gated:
            notes.append("Gated: accept the terms on the repo's page and set HF_TOKEN (or hf auth login).")
        if hit.custom_code:
            notes.append("Custom code: listed only; this app never runs a repo's code.")
        return "\n".join(notes)


class ArtifactTable(_Table):
    """One repo's artifacts grouped by format (rows sorted by format, then name), with what runs them."""

    HEADERS = ("Format", "Quantization", "Artifact", "Size", "Runs on", "On disk")
    NUMERIC = (3,)
    ORDER = {"onnx": 0, "gguf": 1, "ct2": 2, "safetensors": 3}

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.local: set[str] = set()  # artifact names of this repo already in the catalogue

    def set_artifacts(self, artifacts: Sequence[Artifact], local: set[str] | None = None) -> None:
        self.local = set(local or ())
        self.set_rows(sorted(artifacts, key=lambda a: (self.ORDER.get(a.format, 9), a.name)))

    def cell(self, art: Artifact, column: int) -> str:
        runs = ", ".join(b.upper() for b in art.backends) if art.backends else "convert first"
        return (art.format.upper(), art.quant, art.name or "(repo root)", human_bytes(art.size), runs,
                "✓" if art.name in self.local else "")[column]

    def tooltip(self, art: Artifact) -> str | None:
        lines = [f"Files: {', '.join(art.files)}", *art.notes]
        return "\n".join(lines)


class RelatedTable(_Table):
    """Published artifacts of one base model (``hub.related``), already grouped by format and quantization."""

    HEADERS = ("Format", "Quantization", "Repository · artifact", "Size", "Downloads", "Relation")
    NUMERIC = (3, 4)

    def cell(self, x, column: int) -> str:
        name = f"{x.repo.repo_id} · {x.artifact.name or '(repo root)'}" + (" 🔒" if x.repo.gated else "")
        return (x.format.upper(), x.quant, name, human_bytes(x.artifact.size), f"{x.repo.downloads:,}",
                x.repo.relation or "conversion")[column]

    def tooltip(self, x) -> str | None:
        runs = ", ".join(b.upper() for b in x.artifact.backends)
        return f"Runs on {runs}\nFiles: {', '.join(x.artifact.files)}"


class CatalogueTable(_Table):
    HEADERS = ("Repository", "Artifact", "Format", "Quantization", "Size", "Last used", "Source")
    NUMERIC = (4,)

    def cell(self, m: LocalModel, column: int) -> str:
        source = ("imported (files missing)" if m.missing else
                  {"imported": "imported", "bundled": "bundled with the app"}.get(m.source, "Hub cache"))
        return (m.repo_id, m.artifact.name or "(repo root)", m.format.upper(), m.quant, human_bytes(m.size),
                human_age(m.last_used), source)[column]

    def tooltip(self, m: LocalModel) -> str | None:
        return f"{m.path}\nrevision {m.revision}" + ("\nThe imported files were moved or deleted." if m.missing
                                                     else "")

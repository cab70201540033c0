"""The validation report of a conversion as a table (``validation.json`` beside the artifacts): per artifact its
size, load time, pairs/s, max/mean |Δ| vs the reference, top-1 kept, Kendall τ and NDCG@10. Rows whose drift
changes rankings (or that failed) are red."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from app.convert.report import HEADERS, REPORT_JSON, rows
from app.convert.validate import ArtifactReport, Validation
from app.core.errors import BadInputError

RED = QColor("#cf222e")
RED_BG = QColor(207, 34, 46, 40)


def read_validation(folder: Path) -> dict:
    path = folder / REPORT_JSON
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BadInputError(f"{path}: the validation report cannot be read ({exc}).") from exc


def to_validation(data: dict) -> Validation:
    fields = set(ArtifactReport.__dataclass_fields__)
    artifacts = [ArtifactReport(**{k: v for k, v in a.items() if k in fields}) for a in data.get("artifacts", [])]
    return Validation(data.get("reference") or {}, artifacts, int(data.get("validation_pairs", 0)),
                      int(data.get("heldout_queries", 0)), float(data.get("seconds", 0.0)))


def flagged(a: ArtifactReport) -> bool:
    """Red: the drift changes rankings, or the artifact failed."""
    return bool(a.error) or a.ranking_changed or not a.top1_kept


class ReportTable(QTableWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(0, len(HEADERS), parent)
        self.setHorizontalHeaderLabels([h or "note" for h in HEADERS])
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.validation: Validation | None = None

    def set_report(self, data: dict) -> Validation:
        self.validation = v = to_validation(data)
        table = rows(v)
        self.setRowCount(len(table))
        for r, row in enumerate(table):
            bad = r > 0 and flagged(v.artifacts[r - 1])
            for c, text in enumerate(row):
                item = QTableWidgetItem(text)
                if bad:
                    item.setForeground(QBrush(RED))
                    item.setBackground(QBrush(RED_BG))
                if r > 0:
                    art = v.artifacts[r - 1]
                    item.setToolTip("\n".join(art.warnings + ([art.error] if art.error else [])) or art.path)
                self.setItem(r, c, item)
        return v

    def red_rows(self) -> list[str]:
        return [self.item(r, 0).text() for r in range(1, self.rowCount())
                if self.item(r, 0).foreground().color() == RED]

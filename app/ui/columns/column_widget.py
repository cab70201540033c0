"""One backend column: header (title, fidelity badge, settings, menu), progress, ranked results, footer."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.types import ScoreRun
from app.ui.columns import controller as states
from app.ui.columns.controller import ColumnController
from app.ui.columns.results_model import (
    COL_DOC,
    COL_MOVE,
    COL_RANK,
    COL_SCORE,
    DocIndexRole,
    ResultsTableModel,
)
from app.ui.columns.score_delegate import ScoreBarDelegate
from app.ui.progress_bar import LazyProgressBar
from app.ui.row_fit import keep_rows_fitted
from app.ui.titles import ElidedLabel

STYLE = """
QFrame#column { border: 1px solid palette(mid); border-radius: 4px; }
QFrame#column[failed="true"] { border: 2px solid #cf222e; }
QLabel#error { color: #cf222e; }
QLabel#badge { color: #9a6700; font-weight: bold; }
QLabel#stale { background: #fff8c5; color: #7a4b00; border-radius: 3px; padding: 1px 4px; }
"""


class ColumnWidget(QFrame):
    settingsRequested = Signal(object)  # self
    removeRequested = Signal(object)
    copyRequested = Signal(object, str)  # self, "json" | "command"

    def __init__(self, controller: ColumnController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setObjectName("column")
        self.setStyleSheet(STYLE)
        self.setMinimumWidth(260)
        self.model = ResultsTableModel(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(self._build_header())
        self.detail = QLabel(self)
        self.detail.setMinimumWidth(40)  # clipped rather than wrapped: the tables of all columns stay aligned
        self.detail.setStyleSheet("color: palette(placeholder-text);")
        layout.addWidget(self.detail)
        self.progress = LazyProgressBar(self)
        self.progress.setMaximumHeight(14)
        self.progress.setTextVisible(False)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.error = QLabel(self)
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.hide()
        layout.addWidget(self.error)
        self.stale = QLabel(self)  # "query changed — Run": the results below are dimmed
        self.stale.setObjectName("stale")
        self.stale.setToolTip("These results were scored for other inputs; Run scores the current ones.")
        self.stale.hide()
        layout.addWidget(self.stale)
        layout.addWidget(self._build_view(), 1)
        self.footer = QLabel(self)
        layout.addWidget(self.footer)
        self.grade_line = QLabel(self)  # NDCG / MRR on the user's grades (documents panel)
        self.grade_line.setToolTip("NDCG and MRR of this column's ranking on the grades (0-3) you gave in the "
                                   "Documents panel; ungraded documents count as 0")
        self.grade_line.setWordWrap(True)
        self.grade_line.hide()
        layout.addWidget(self.grade_line)
        self._connect()
        self._refresh_header()

    # -- construction -----------------------------------------------------------------------------
    def _build_header(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.title = ElidedLabel("", self)  # cut part by part to its width; the tooltip has the full name
        self.title.setStyleSheet("font-weight: bold;")
        self.badge = QLabel(self)
        self.badge.setObjectName("badge")
        self.badge.hide()
        self.settings_button = QToolButton(self)
        self.settings_button.setText("⚙")
        self.settings_button.setToolTip("Column settings: model artifact, backend, device, options")
        self.settings_button.clicked.connect(lambda: self.settingsRequested.emit(self))
        self.menu_button = QToolButton(self)
        self.menu_button.setText("⋯")
        self.menu_button.setToolTip("Copy this column's request")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.menu_button)
        menu.addAction("Copy request as Cohere/Jina JSON", lambda: self.copyRequested.emit(self, "json"))
        menu.addAction("Copy as rerank-playground command", lambda: self.copyRequested.emit(self, "command"))
        self.menu_button.setMenu(menu)
        self.remove_button = QToolButton(self)
        self.remove_button.setText("✕")
        self.remove_button.setToolTip("Remove this column (stops its model)")
        self.remove_button.clicked.connect(lambda: self.removeRequested.emit(self))
        row.addWidget(self.title, 1)
        for w in (self.badge, self.settings_button, self.menu_button, self.remove_button):
            row.addWidget(w)
        return row

    def _build_view(self) -> QTableView:
        view = QTableView(self)
        view.setModel(self.model)
        view.setItemDelegateForColumn(COL_SCORE, ScoreBarDelegate(view))
        view.setSortingEnabled(True)
        view.sortByColumn(COL_RANK, Qt.SortOrder.AscendingOrder)
        view.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        view.setEditTriggers(QTableView.EditTrigger.NoEditTriggers)
        view.setWordWrap(True)  # up to three lines of the document when every row has the room (row_fit)
        view.verticalHeader().hide()
        view.verticalHeader().setDefaultSectionSize(22)
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        keep_rows_fitted(view)
        header = view.horizontalHeader()
        # Fixed widths: ResizeToContents would ask every row for its size hint (slow with 10,000 rows).
        header.setSectionResizeMode(COL_RANK, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_MOVE, QHeaderView.ResizeMode.Interactive)
        char = view.fontMetrics().horizontalAdvance("0")
        header.resizeSection(COL_RANK, char * 4 + 8)
        header.resizeSection(COL_MOVE, char * 4 + 8)
        header.setSectionResizeMode(COL_SCORE, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(COL_SCORE, 112)  # a bar and the score: the document text gets the rest
        header.setSectionResizeMode(COL_DOC, QHeaderView.ResizeMode.Stretch)
        self.view = view
        return view

    def _connect(self) -> None:
        c = self.controller
        c.stateChanged.connect(self._on_state)
        c.progressChanged.connect(self._on_progress)
        c.infoChanged.connect(lambda _info: self._refresh_header())
        c.specChanged.connect(lambda _spec: self._refresh_header())
        c.runFinished.connect(self._on_run)
        c.runFailed.connect(self._on_failed)

    # -- updates ----------------------------------------------------------------------------------
    def _on_state(self, state: str) -> None:
        failed = state == states.FAILED
        if self.property("failed") != failed:  # re-polish (costly with a style sheet) only on a change
            self.setProperty("failed", failed)
            self.style().unpolish(self)
            self.style().polish(self)
        busy = state in (states.LOADING, states.RUNNING)
        self.progress.setVisible(busy)
        if busy:
            self.error.hide()
            self.footer.setText("Loading the model…" if state == states.LOADING else "Scoring…")
        self.settings_button.setEnabled(not busy)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.set_progress(done, max(0, total))
        if total > 0:
            self.footer.setText(f"Scoring… {done}/{total} pairs")

    def _on_run(self, run: ScoreRun) -> None:
        self.model.set_run(run, self.controller.documents)
        t = run.timings
        self.footer.setText(f"{t.total_ms:.0f} ms · {run.pairs_per_second():.0f} pairs/s · "
                            f"load {t.load_ms:.0f} ms")
        self._refresh_header()

    def _on_failed(self, message: str) -> None:
        self.footer.setText("Cancelled." if self.controller.state == states.CANCELLED else "Failed.")
        if self.controller.state == states.FAILED:
            self.error.setText(message)
            self.error.show()
            self.model.set_run(None)

    def _refresh_header(self) -> None:
        c = self.controller
        cfg = c.spec.config
        reference = cfg.backend == "torch"
        self.title.setText(f"★ {c.spec.name}" if reference else c.spec.name)
        where = f"{cfg.path}/{cfg.file}" if cfg.file else cfg.path
        note = ("Reference column (transformers fp32): drift and rank changes are measured against it by "
                "default<br>") if reference else ""
        self.title.setToolTip(f"<b>{escape(c.spec.name)}</b><br>{note}{escape(where)}")
        info, run = c.info, c.last_run
        if info is not None:
            device = run.device if run is not None else info.device
            self.detail.setText(f"{info.family} · {info.precision} · {device}")
            self.detail.setToolTip(f"family {info.family}, precision {info.precision}, device used: {device}")
        elif run is not None and c.restored:
            self.detail.setText(f"{run.family} · {run.device} · restored from session")
            self.detail.setToolTip("These results were saved with the session; the model is loaded at the "
                                   "next Run.")
        else:
            self.detail.setText("Not loaded yet: Run loads the model.")
            self.detail.setToolTip("")
        warnings = {w.code: w for w in (info.warnings if info else ())}
        warnings.update({w.code: w for w in (run.warnings if run else ())})
        self.badge.setVisible(bool(warnings))
        if warnings:
            self.badge.setText(f"⚠ {len(warnings)}")
            items = "".join(f"<li><b>{escape(w.code)}</b>: {escape(w.message)}</li>" for w in warnings.values())
            self.badge.setToolTip(f"<p>Scores may differ from the reference implementation:</p><ul>{items}</ul>")

    def set_stale(self, reason: str) -> None:
        """Dim the results and say why they are out of date ('' shows them as current)."""
        if reason == self.stale_reason():
            return
        self.stale.setText(f"⟳ {reason}" if reason else "")
        self.stale.setVisible(bool(reason))
        self.view.setPalette(_dimmed(self.palette()) if reason else self.palette())

    def stale_reason(self) -> str:
        return self.stale.text()[2:] if self.stale.text() else ""

    def is_dimmed(self) -> bool:
        return self.view.palette().color(QPalette.ColorRole.Text) != self.palette().color(QPalette.ColorRole.Text)

    def set_grade_text(self, text: str) -> None:
        """Show (or with '' hide) the line with this column's metrics on the user's grades."""
        self.grade_line.setText(text)
        self.grade_line.setVisible(bool(text))

    def set_normalized(self, normalized: bool) -> None:
        self.model.set_normalized(normalized)

    def set_reference_ranks(self, reference) -> None:
        self.model.set_reference_ranks(reference)
        self.view.setColumnHidden(COL_MOVE, reference is None)

    def document_order(self) -> list[int]:
        """Document indices as the view shows them (top row first)."""
        return [self.model.index(r, 0).data(DocIndexRole) for r in range(self.model.rowCount())]


def _dimmed(palette: QPalette) -> QPalette:
    """Grey text and grey score bars (the bar delegate paints with Highlight): results that are out of date."""
    dim = QPalette(palette)
    grey = palette.color(QPalette.ColorRole.PlaceholderText)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText):
        dim.setColor(role, grey)
    dim.setColor(QPalette.ColorRole.Highlight, QColor(grey.red(), grey.green(), grey.blue(), 160))
    return dim

"""The documents panel: the list to score, filled by typing, pasting, or dropping files and folders.

Files are read off the GUI thread (:mod:`app.ui.import_worker`); problems show in an inline banner saying what
happened and what to do, and never remove documents already in the list. Clear and Remove can be undone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import BadInputError
from app.core.importers import SUPPORTED_SUFFIXES, FieldChoice, inspect_fields, split_pasted
from app.core.types import Document
from app.ui.documents_model import DocumentsModel
from app.ui.documents_view import DocumentsView, is_external
from app.ui.field_dialog import ask_field
from app.ui.import_worker import ImportJob, ImportRequest, JobResult, import_pool
from app.ui.message_bar import MessageBar

log = logging.getLogger(__name__)

ChooseField = Callable[[Path, FieldChoice], "str | None"]
TABLE_SUFFIXES = (".csv", ".tsv", ".jsonl")
FILE_FILTER = "Documents (" + " ".join(f"*{s}" for s in SUPPORTED_SUFFIXES) + ");;All files (*)"


def _new_documents(docs: Sequence[Document], present: Sequence[Document]) -> tuple[list[Document], int]:
    """``docs`` without those already listed (same text and source: e.g. a file dropped twice); how many
    were left out. Repeats inside the new files themselves are kept."""
    seen = {(d.text, d.source) for d in present}
    new = [d for d in docs if (d.text, d.source) not in seen]
    return new, len(docs) - len(new)


def _names(paths: Sequence[Path], limit: int = 3) -> str:
    names = [p.name for p in paths]
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


class DocumentsPanel(QWidget):
    """Signals: ``changed`` (texts, order or count changed: results are stale), ``grades_changed``,
    ``import_finished(int)`` (documents added by a finished file import; 0 when nothing could be read).

    ``choose_field(path, choice)`` asks which CSV column / JSONL field to import when the default is a guess;
    it returns the name, or None to skip the file (default: a small dialog). ``model`` lets the window share
    or pre-fill the model."""

    changed = Signal()
    grades_changed = Signal()
    import_finished = Signal(int)

    def __init__(self, parent: QWidget | None = None, *, model: DocumentsModel | None = None,
                 choose_field: ChooseField | None = None) -> None:
        super().__init__(parent)
        self.model = model or DocumentsModel(self)
        self._choose_field = choose_field if choose_field is not None else self._ask_field
        self._pool = import_pool()
        self._jobs: dict[int, tuple[ImportJob, list[str]]] = {}
        self._next_job = 0
        self._edits = 0  # counts list changes, so an Undo never overwrites newer edits
        self._undo: tuple[int, list[Document], list[int | None]] | None = None
        self.setAcceptDrops(True)
        self._build()
        self.model.documents_changed.connect(self._on_documents_changed)
        self.model.grades_changed.connect(self.grades_changed)
        self.model.rejected.connect(lambda msg: self.banner.show_message(msg, "warning"))
        self._on_documents_changed()

    # ------------------------------------------------------------ layout

    def _build(self) -> None:
        self.title = QLabel("<b>Documents</b> — drop files or folders here", self)
        self.title.setWordWrap(True)  # wraps rather than widening the panel when three columns need the room
        self.count_label = QLabel(self)
        self.split_combo = QComboBox(self)
        self.split_combo.addItem(".txt: one per paragraph", "paragraphs")
        self.split_combo.addItem(".txt: one per line", "lines")
        self.split_combo.setToolTip("How dropped .txt and .md files are split into documents: one document per "
                                    "paragraph (blank-line separated) or one per line")
        self.banner = MessageBar(self)
        self.view = DocumentsView(self)
        self.view.setModel(self.model)
        self.view.external_drop.connect(self._handle_drop)
        self.view.delete_pressed.connect(self.remove_selected)
        self.view.paste_pressed.connect(self.paste_from_clipboard)
        self.entry = QLineEdit(self)
        self.entry.setPlaceholderText("Type a document and press Enter — or paste many with Paste")
        self.entry.returnPressed.connect(self._add_typed)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, label, tip, slot in (
            ("files", "Add files…", "Import .txt, .md, .pdf, .docx, .csv, .tsv or .jsonl files", self._pick_files),
            ("folder", "Add folder…", "Import every supported file in a folder and its subfolders",
             self._pick_folder),
            ("paste", "Paste", ("Add the clipboard's text: one document per paragraph (or per line when there "
                                "are no blank lines)"), self.paste_from_clipboard),
            ("remove", "Remove", "Remove the selected documents (Delete)", self.remove_selected),
            ("up", "↑", "Move the selected documents up (Ctrl+Up)", self.move_selected_up),
            ("down", "↓", "Move the selected documents down (Ctrl+Down)", self.move_selected_down),
            ("clear", "Clear", "Remove every document (can be undone)", self.clear),
        ):
            button = QPushButton(label, self)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            # as narrow as the label allows (the style's 80 px minimum made this row ~520 px wide, which squeezed
            # three result columns off a 1366-px screen)
            button.setMinimumWidth(button.fontMetrics().horizontalAdvance(label) + 18)
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            if key in ("up", "down"):
                button.setMaximumWidth(36)
            row.addWidget(button)
            self.buttons[key] = button
        row.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.count_label)
        top.addWidget(self.split_combo)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.entry)
        layout.addLayout(row)
        for keys, slot in ((QKeySequence("Ctrl+Up"), self.move_selected_up),
                           (QKeySequence("Ctrl+Down"), self.move_selected_down)):
            shortcut = QShortcut(keys, self.view)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

    # ------------------------------------------------------------ public API

    def documents(self) -> list[Document]:
        return self.model.documents()

    def set_documents(self, documents: Sequence[Document], grades: Sequence[int | None] | None = None) -> None:
        self._undo = None
        self.model.set_documents(documents, grades)

    def grades(self) -> list[int | None]:
        return self.model.grades()

    def set_token_info(self, counts: Sequence[int], truncated: Sequence[bool], *,
                       cut_at: Sequence[int | None] | None = None, limit: int | None = None) -> bool:
        """Show token counts and the ✂ marker; False when the counts are for an older list (ignored)."""
        return self.model.set_token_info(counts, truncated, cut_at=cut_at, limit=limit)

    def clear_token_info(self) -> None:
        self.model.clear_token_info()

    def split_mode(self) -> str:
        return self.split_combo.currentData()

    def add_texts(self, texts: Sequence[str], source: str = "") -> int:
        """Append typed or pasted texts (empty ones are skipped); returns how many were added."""
        return self.model.add_documents([Document(t, source) for t in texts])

    def paste_from_clipboard(self) -> int:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasUrls() and any(u.isLocalFile() for u in mime.urls()):
            self.add_paths([u.toLocalFile() for u in mime.urls() if u.isLocalFile()])
            return 0
        texts = split_pasted(QGuiApplication.clipboard().text())
        if not texts:
            self.banner.show_message("The clipboard holds no text. Copy some documents first, one per paragraph "
                                     "or one per line.", "warning")
            return 0
        added = self.add_texts(texts)
        self.banner.show_message(f"Pasted {added} document{'s' if added != 1 else ''}.", "info")
        return added

    def remove_selected(self) -> int:
        rows = self.view.selected_rows()
        if not rows:
            self.banner.show_message("Select the documents to remove first.", "info")
            return 0
        self._remember_for_undo()
        removed = self.model.remove(rows)
        self._offer_undo(f"Removed {removed} document{'s' if removed != 1 else ''}.")
        return removed

    def clear(self) -> None:
        n = self.model.rowCount()
        if not n:
            return
        self._remember_for_undo()
        self.model.clear()
        self._offer_undo(f"Cleared {n} document{'s' if n != 1 else ''}.")

    def move_selected_up(self) -> None:
        self.model.move_up(self.view.selected_rows())

    def move_selected_down(self) -> None:
        self.model.move_down(self.view.selected_rows())

    def is_importing(self) -> bool:
        return bool(self._jobs)

    def cancel_import(self) -> None:
        for job, _ in self._jobs.values():
            job.cancel()

    def shutdown(self) -> None:
        """Cancel file imports and wait for them (call when the window closes)."""
        self.cancel_import()
        self._pool.waitForDone()

    # ------------------------------------------------------------ undo

    def _remember_for_undo(self) -> None:
        self._undo = (self._edits, self.model.documents(), self.model.grades())

    def _offer_undo(self, message: str) -> None:
        self.banner.show_message(message, "info", action_text="Undo", action=self.undo)

    def undo(self) -> bool:
        """Bring back what the last Remove or Clear took away, unless the list changed since."""
        if self._undo is None or self._undo[0] + 1 != self._edits:
            self.banner.show_message("Nothing to undo: the list changed since.", "info")
            self._undo = None
            return False
        _, docs, grades = self._undo
        self._undo = None
        self.model.set_documents(docs, grades)
        return True

    def _on_documents_changed(self) -> None:
        self._edits += 1
        n = self.model.rowCount()
        self.count_label.setText(f"{n} document{'s' if n != 1 else ''}")
        self.buttons["clear"].setEnabled(n > 0)
        self.changed.emit()

    # ------------------------------------------------------------ typing and picking

    def _ask_field(self, path: Path, choice: FieldChoice) -> str | None:
        return ask_field(self, path, choice)

    def _add_typed(self) -> None:
        if self.add_texts([self.entry.text()]):
            self.entry.clear()

    def _pick_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add documents", "", FILE_FILTER)
        if paths:
            self.add_paths(paths)

    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of documents")
        if folder:
            self.add_paths([folder])

    # ------------------------------------------------------------ drops

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if is_external(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if not is_external(mime):
            event.ignore()
            return
        paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        text = "" if mime.hasUrls() else mime.text()
        event.acceptProposedAction()
        # Handled after the drop returns: a dialog inside a drop would block the app we dragged from.
        QTimer.singleShot(0, lambda: self._handle_drop(paths, text))

    def _handle_drop(self, paths: list, text: str) -> None:
        if paths:
            self.add_paths(paths)
        elif text:
            added = self.add_texts(split_pasted(text))
            self.banner.show_message(f"Added {added} dropped document{'s' if added != 1 else ''}.", "info")
        else:
            self.banner.show_message("Only files, folders or text can be dropped here.", "warning")

    # ------------------------------------------------------------ file import

    def add_paths(self, paths: Sequence[str | Path]) -> None:
        """Import files and folders (in the background); ``import_finished`` fires when they are added."""
        unique = list(dict.fromkeys(Path(p).expanduser().absolute() for p in paths))  # the same file once
        requests, problems = self._requests(unique)
        if not requests:
            self._report(JobResult((), False, -1), problems)
            return
        job_id, self._next_job = self._next_job, self._next_job + 1
        job = ImportJob(requests, job_id)
        job.signals.finished.connect(self._on_job_finished)
        self._jobs[job_id] = (job, problems)
        names = _names([r.path for r in requests])
        self.banner.show_message(f"Reading {names}…", "info", action_text="Cancel", action=self.cancel_import)
        self._pool.start(job)

    def _requests(self, paths: list[Path]) -> tuple[list[ImportRequest], list[str]]:
        """One request per path; for CSV/JSONL the column/field (asked when the default is a guess)."""
        requests, problems = [], []
        for path in paths:
            if not (path.is_file() and path.suffix.lower() in TABLE_SUFFIXES):
                requests.append(ImportRequest(path, split=self.split_mode()))
                continue
            try:
                choice = inspect_fields(path)
            except BadInputError as exc:
                problems.append(str(exc))
                continue
            picked = self._choose_field(path, choice) if choice.ambiguous else choice.default
            if picked is None:
                problems.append(f"Skipped {path.name}: no {choice.kind} was chosen.")
                continue
            requests.append(ImportRequest(path, column=picked if choice.kind == "column" else None,
                                          field=picked if choice.kind == "field" else None))
        return requests, problems

    def _on_job_finished(self, result: JobResult) -> None:
        _, problems = self._jobs.pop(result.job_id, (None, []))
        self._report(result, problems)

    def _report(self, result: JobResult, problems: list[str]) -> None:
        docs, warnings, errors, read = [], [], list(problems), []
        for outcome in result.outcomes:
            if outcome.error is not None:
                errors.append(outcome.error)
            else:
                docs.extend(outcome.result.documents)
                warnings.extend(outcome.result.warnings)
                read.append(outcome.path)
        docs, skipped = _new_documents(docs, self.model.documents())
        if skipped:
            warnings.append(f"Skipped {skipped} document{'s' if skipped != 1 else ''} already in the list (the "
                            "same text from the same file).")
        added = self.model.add_documents(docs)
        lines = []
        if result.cancelled:
            lines.append(f"Import cancelled. Kept {added} document(s) from the files read before.")
        elif added:
            lines.append(f"Added {added} document{'s' if added != 1 else ''} from {_names(read)}.")
        if errors and not added and not result.cancelled:
            lines.append("Nothing was imported; the list is unchanged.")
        lines += errors + warnings
        level = "error" if errors and not added else "warning" if errors or warnings else "info"
        if self._jobs:
            lines.append("Still reading more files…")
            self.banner.show_message("\n".join(lines), level, action_text="Cancel", action=self.cancel_import)
        else:
            self.banner.show_message("\n".join(lines), level)
        self.import_finished.emit(added)

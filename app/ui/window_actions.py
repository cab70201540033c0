"""Menus, toolbar and the window's file actions: sessions, exports, copy-request, column dialogs."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QComboBox, QDialog, QFileDialog, QLabel, QToolBar

from app.core import export
from app.core.errors import PlaygroundError
from app.core.session import Session, last_session_path
from app.core.types import BackendConfig, ScoreOptions
from app.paths import app_home, starter_model_dir
from app.ui.columns.settings_dialog import ColumnSettingsDialog
from app.ui.columns.spec import new_spec, run_options

log = logging.getLogger(__name__)

# Session files are JSON named *.rpsession.json, the desktop's file type for them (packaging/linux)
SESSION_SUFFIX = ".rpsession.json"
EXPORT_FILTERS = {".csv": "CSV (*.csv)", ".json": "JSON (*.json)", ".md": "Markdown (*.md)"}


class WindowActions:
    """Builds the menus and toolbar of ``window`` and implements what they do."""

    def __init__(self, window) -> None:
        self.w = window
        self.session_path: Path | None = None
        self._build_actions()
        self._build_menus()
        self._build_toolbar()

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self.w)
        action.triggered.connect(lambda _checked=False: slot())
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        return action

    def _build_actions(self) -> None:
        a = self._action
        self.add_column = a("Add column…", self.add_column_dialog, "Ctrl+Shift+N",
                            "Add a column: a model artifact on a backend and device")
        self.run = a("Run ▶", self.w.run, "Ctrl+Return", "Score the query and documents in every column")
        self.cancel = a("Cancel", self.w.cancel, "Esc", "Stop every column at its next batch")
        self.cancel.setEnabled(False)
        self.evaluate = a("Evaluate…", self.open_evaluate, "Ctrl+Shift+E",
                          "Score a labelled dataset in the chosen columns: NDCG, MRR, recall, latency, drift")
        self.evaluate_view = None
        self.new_session = a("New session", self.new_session_action, QKeySequence.StandardKey.New)
        self.open_session = a("Open session…", self.open_session_dialog, QKeySequence.StandardKey.Open)
        self.save_session = a("Save session", self.save_session_action, QKeySequence.StandardKey.Save)
        self.save_session_as = a("Save session as…", lambda: self.save_session_dialog(),
                                 QKeySequence.StandardKey.SaveAs)
        self.exports = {suffix: a(f"Export results as {label.split()[0]}…",
                                  lambda s=suffix: self.export_dialog(s)) for suffix, label in EXPORT_FILTERS.items()}
        self.settings = a("Settings…", self.open_settings, QKeySequence.StandardKey.Preferences)
        self.models = a("Models…", self.open_models, "Ctrl+Shift+M",
                        "Search the Hugging Face Hub, download models, manage the models on disk")
        self.models_dialog = None
        self.quit = a("Quit", self.w.close, QKeySequence.StandardKey.Quit)
        self.about = a("About Rerank Playground", self.open_about, tip="Version, installed runtimes, credits")
        self.guide = a("User guide", self.open_guide, QKeySequence.StandardKey.HelpContents,
                       "How the window, documents, sessions, models, benchmarks and the server work")
        self.shortcuts = a("Keyboard shortcuts", self.open_shortcuts, "Ctrl+/", "Every key the window knows")

    def _build_menus(self) -> None:
        bar = self.w.menuBar()
        file_menu = bar.addMenu("&File")
        for action in (self.new_session, self.open_session, self.save_session, self.save_session_as):
            file_menu.addAction(action)
        file_menu.addSeparator()
        for action in self.exports.values():
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction(self.models)
        file_menu.addAction(self.settings)
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        run_menu = bar.addMenu("&Run")
        for action in (self.add_column, self.run, self.cancel):
            run_menu.addAction(action)
        run_menu.addSeparator()
        run_menu.addAction(self.evaluate)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.guide)
        help_menu.addAction(self.shortcuts)
        help_menu.addSeparator()
        help_menu.addAction(self.about)

    def _build_toolbar(self) -> None:
        tb = QToolBar("Main", self.w)
        tb.setObjectName("main-toolbar")
        tb.setMovable(False)
        tb.addAction(self.add_column)
        tb.addAction(self.models)
        tb.addAction(self.run)
        tb.addAction(self.cancel)
        tb.addSeparator()
        tb.addWidget(QLabel(" Score: "))
        self.score_mode = QComboBox(tb)
        self.score_mode.addItems(["normalized (0–1)", "raw (logits)"])
        self.score_mode.setToolTip("Normalized scores are sigmoid(raw); raw scores are the model's logits")
        self.score_mode.currentIndexChanged.connect(lambda i: self.w.set_normalized(i == 0))
        tb.addWidget(self.score_mode)
        tb.addWidget(QLabel("  Reference column: "))
        self.reference = QComboBox(tb)
        self.reference.setMinimumContentsLength(18)
        self.reference.setToolTip("Rank-change arrows in the other columns are relative to this column")
        self.reference.currentIndexChanged.connect(lambda _i: self.w._results_changed())
        self._reference_column: int | None = None  # the Reference (transformers) column last preferred
        tb.addWidget(self.reference)
        self.w.addToolBar(tb)

    def refresh_reference(self, names: list[str], preferred: int | None = None) -> None:
        """``preferred``: a Reference (transformers) column, chosen unless the choice is already one."""
        current = self.reference.currentIndex()
        if preferred is not None and self._reference_column != current - 1:
            current = preferred + 1
        self._reference_column = preferred
        self.reference.blockSignals(True)
        self.reference.clear()
        self.reference.addItems(["(none)", *names])
        self.reference.setCurrentIndex(current if 0 <= current <= len(names) else (1 if names else 0))
        if current <= 0 and names:
            self.reference.setCurrentIndex(1)
        self.reference.blockSignals(False)
        self.w._results_changed()

    def open_guide(self):
        from app.ui.help_dialog import GuideDialog

        dialog = GuideDialog(self.w)
        dialog.show()
        return dialog

    def open_shortcuts(self):
        from app.ui.help_dialog import ShortcutsDialog

        dialog = ShortcutsDialog(self.w)
        dialog.show()
        return dialog

    def open_about(self) -> None:
        from app.ui.about_dialog import about_box

        about_box(self.w).exec()

    # -- columns ----------------------------------------------------------------------------------
    def default_config(self) -> BackendConfig:
        d = self.w.defaults
        starter = starter_model_dir()
        return BackendConfig(path=d.get("last_model_dir") or (str(starter) if starter else ""), backend="onnx",
                             device=d.get("device", "cpu"), threads=int(d.get("threads", 0)))

    def add_column_dialog(self) -> None:
        options = ScoreOptions(batch_size=int(self.w.defaults.get("batch_size", 32)))
        dialog = ColumnSettingsDialog(new_spec(self.default_config(), options), _backend_names(), self.w)
        dialog.setWindowTitle("Add column")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.w.add_column(dialog.spec())

    def edit_column(self, widget) -> None:
        controller = widget.controller
        dialog = ColumnSettingsDialog(controller.spec, _backend_names(), self.w)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            controller.set_spec(dialog.spec())

    def open_evaluate(self):
        """Show the Evaluate view (one per window, kept while the window lives) with the current columns."""
        from app.ui.evaluate_view import EvaluateView

        view = self.evaluate_view
        if view is None:
            view = self.evaluate_view = EvaluateView(self.w)
        elif not view.busy:
            view.refresh_columns_keep()
        view.show()
        view.raise_()
        return view

    def copy_request(self, widget, kind: str) -> str:
        """Put the column's request on the clipboard (Cohere/Jina JSON body or a CLI command) and return it."""
        w, controller = self.w, widget.controller
        query, docs = w.query_panel.query().strip(), w.documents_panel.documents()
        if kind == "json":
            model = controller.info.model if controller.info else controller.spec.name
            text = export.cohere_request(query, docs, model=model)
            note = "Copied the request as a Cohere/Jina-style JSON body."
        else:
            folder = app_home() / "exports"
            folder.mkdir(parents=True, exist_ok=True)
            docs_file = export.write_docs_file(docs, folder / f"documents-{time.strftime('%Y%m%d-%H%M%S')}.jsonl")
            spec = controller.spec
            aware = controller.info is not None and controller.info.instruction_aware
            instruction = w.query_panel.instruction_text() if aware else None
            spec = type(spec)(spec.name, spec.config, run_options(spec, instruction))
            text = export.score_command(spec, query, docs_file)
            note = f"Copied the command line; the documents were written to {docs_file}."
        QGuiApplication.clipboard().setText(text)
        w.statusBar().showMessage(note, 8000)
        return text

    # -- sessions ---------------------------------------------------------------------------------
    def current_session(self) -> Session:
        w = self.w
        docs = w.documents_panel.documents()
        grades = w.documents_panel.grades() if hasattr(w.documents_panel, "grades") else None
        controllers = w.column_controllers()
        results = tuple(c.last_run if c.last_run is not None and c.documents == docs else None
                        for c in controllers)
        return Session.from_documents(docs, grades, query=w.query_panel.query(),
                                      instruction=w.query_panel.instruction_text(),
                                      columns=tuple(c.spec for c in controllers),
                                      reference=w.reference_index(), results=results,
                                      normalized=w.normalized, drift=w.drift_panel.pair())

    def apply_session(self, session: Session) -> None:
        w = self.w
        w.clear_columns()
        w.query_panel.set_query(session.query)
        w.query_panel.set_instruction(session.instruction)
        docs = session.document_list()
        grades = session.grades()
        if any(g is not None for g in grades):
            w.documents_panel.set_documents(docs, grades)
        else:
            w.documents_panel.set_documents(docs)
        widgets = [w.add_column(spec) for spec in session.columns]
        w.set_reference_index(session.reference)
        self.score_mode.setCurrentIndex(0 if session.normalized else 1)
        w.drift_panel.prefer_pair(session.drift)
        for widget, run in zip(widgets, session.results):
            if run is not None and len(run.results) == len(docs):
                widget.controller.restore(run, docs, session.query.strip(), session.instruction or None)
        w._results_changed()

    def save_session_to(self, path: str | Path) -> Path:
        saved = self.current_session().save(path)
        self.session_path = saved
        self.w.setWindowTitle(f"Rerank Playground — {saved.name}")
        return saved

    def open_session_file(self, path: str | Path) -> bool:
        """Load a session; on a bad file show why and keep the current workspace."""
        try:
            session = Session.load(path)
        except PlaygroundError as exc:
            self.w.message_bar.show_message(str(exc), "error")
            return False
        self.apply_session(session)
        self.set_session_path(path)
        return True

    def set_session_path(self, path: str | Path) -> None:
        """Save (Ctrl+S) writes to ``path`` from now on; the title names it."""
        self.session_path = Path(path).expanduser()
        self.w.setWindowTitle(f"Rerank Playground — {self.session_path.name}")

    def save_last_session(self) -> None:
        try:
            self.current_session().save(last_session_path())
        except PlaygroundError as exc:
            log.warning("could not save the last session: %s", exc)

    def new_session_action(self) -> None:
        self.apply_session(Session())
        self.session_path = None
        self.w.setWindowTitle("Rerank Playground")

    def open_session_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Open session", str(_sessions_folder()),
                                              "Sessions (*.rpsession.json *.json);;All files (*)")
        if path:
            self.open_session_file(path)

    def save_session_action(self) -> None:
        if self.session_path is None:
            self.save_session_dialog()
        else:
            self._try(lambda: self.save_session_to(self.session_path))

    def save_session_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.w, "Save session",
                                              str(_sessions_folder() / f"session{SESSION_SUFFIX}"),
                                              f"Sessions (*{SESSION_SUFFIX} *.json)")
        if path:
            self._try(lambda: self.save_session_to(session_file_name(path)))

    # -- export -----------------------------------------------------------------------------------
    def export_results(self, path: str | Path) -> Path:
        """Write every column (results, or why there are none), the query, instruction, scale, each model's
        identity and command, and the runtime versions, as CSV / JSON / Markdown by suffix. Blocking (tests,
        scripts); the menu's export hashes the models off the GUI thread."""
        from app.ui import results_export

        return results_export.finish(results_export.prepare(self.w, path))

    def export_dialog(self, suffix: str) -> None:
        path, _ = QFileDialog.getSaveFileName(self.w, "Export results", str(Path.home() / f"results{suffix}"),
                                              EXPORT_FILTERS[suffix])
        if path:
            self.export_in_background(path if path.lower().endswith(suffix) else path + suffix)

    def export_in_background(self, path: str | Path):
        """Export without blocking the window (a model's first sha256 can take a while); returns the job."""
        from app.ui import results_export
        from app.ui.jobs import Job

        prepared = results_export.prepare(self.w, path)
        self.w.statusBar().showMessage(f"Exporting {prepared.path.name}…")
        job = Job(lambda _progress: results_export.finish(prepared))
        job.signals.returned.connect(lambda out: self.w.statusBar().showMessage(f"Exported {out}", 6000))
        job.signals.errored.connect(lambda _kind, message: (self.w.statusBar().clearMessage(),
                                                            self.w.message_bar.show_message(message, "error")))
        return self.w.runner.submit(job)

    # -- models ---------------------------------------------------------------------------------
    def open_models(self):
        """Show the Models dialog (one per window, non-modal: downloads go on while it is hidden)."""
        from app.ui.models_dialog import ModelsDialog

        if self.models_dialog is None:
            self.models_dialog = ModelsDialog(self.w)
            self.models_dialog.columnRequested.connect(self.add_column_for)
            self.models_dialog.compareRequested.connect(lambda _choices: self.w.run())
        else:
            self.models_dialog.refresh_catalogue()
        self.models_dialog.show()
        self.models_dialog.raise_()
        return self.models_dialog

    def add_column_for(self, choice):
        """A column for a downloaded artifact (``ModelChoice`` from the Models dialog), with the default options."""
        from dataclasses import replace

        cfg = replace(self.default_config(), path=choice.path, file=choice.file, backend=choice.backend)
        options = ScoreOptions(batch_size=int(self.w.defaults.get("batch_size", 32)))
        return self.w.add_column(new_spec(cfg, options))

    def close_models(self) -> None:
        if self.models_dialog is not None:
            self.models_dialog.shutdown()

    # -- settings ---------------------------------------------------------------------------------
    def open_settings(self) -> None:
        from app.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.w)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.w.defaults.update(dialog.values())

    def _try(self, fn) -> bool:
        try:
            fn()
        except PlaygroundError as exc:
            self.w.message_bar.show_message(str(exc), "error")
            return False
        return True


def session_file_name(path: str) -> str:
    """The name a session is saved under: a name without .json gets the session suffix."""
    return path if path.lower().endswith(".json") else path + SESSION_SUFFIX


def _backend_names() -> list[str]:
    from app.backends import registry

    return registry.names()


def _sessions_folder() -> Path:
    from app.paths import sessions_dir

    folder = sessions_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return folder

"""The Models… dialog: search the Hub and download artifacts (Hub tab), manage what is on disk (Downloaded tab).

Everything goes through the model manager (``app.hub``). Opened from the main window (non-modal; downloads
keep running while it is hidden) or from the column settings dialog in *pick* mode, where "Use in column"
returns a ``ModelChoice`` (folder + file + backend) for the column's BackendConfig.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import hub
from app.core.errors import PlaygroundError
from app.ui.banner import Banner
from app.ui.hub_panel import HubPanel, table_view
from app.ui.hub_tables import CatalogueTable, human_bytes
from app.ui.jobs import Job
from app.ui.related_panel import RelatedPanel
from app.ui.screen_fit import resize_within_screen

log = logging.getLogger(__name__)
HUB_TAB, LOCAL_TAB, RELATED_TAB = 0, 1, 2


@dataclass(frozen=True)
class ModelChoice:
    """A downloaded or imported artifact, ready for a column: ``BackendConfig(path=, file=, backend=)``."""

    path: str
    file: str | None
    backend: str
    repo_id: str


def choice_for(model: hub.LocalModel) -> ModelChoice:
    """Resolve a catalogue entry through the model manager (cache only, never the network)."""
    backend = model.artifact.backends[0] if model.artifact.backends else model.format
    if model.source in ("imported", "bundled"):
        return ModelChoice(str(model.path), model.artifact.name or None, backend, model.repo_id)
    if "main" not in model.revision.split(","):  # resolve() reads the snapshot 'main' points to
        return ModelChoice(str(model.path), model.artifact.name or None, backend, model.repo_id)
    spec = f"{model.repo_id}:{model.artifact.name}" if model.artifact.name else model.repo_id
    resolved = hub.resolve(spec, backend=backend, allow_download=False)  # also records the use
    return ModelChoice(str(resolved.path), resolved.file, backend, model.repo_id)


def _ask(parent: QWidget, text: str) -> bool:
    answer = QMessageBox.question(parent, "Delete model", text)
    return answer == QMessageBox.StandardButton.Yes


def _pick_import(parent: QWidget, kind: str = "file") -> str | None:
    """Ask for a model file (``kind`` "file") or a model folder ("folder"); None when cancelled."""
    if kind == "folder":
        return QFileDialog.getExistingDirectory(parent, "Import a model folder (ONNX or CT2)",
                                                str(Path.home())) or None
    path, _ = QFileDialog.getOpenFileName(parent, "Import a model file (.gguf, .onnx)", str(Path.home()),
                                          "Models (*.gguf *.onnx);;All files (*)")
    return path or None


class ModelsDialog(QDialog):
    catalogueRefreshed = Signal(object)  # hub.Catalogue
    columnRequested = Signal(object)  # ModelChoice: "Add as column" (when not in pick mode)
    compareRequested = Signal(object)  # list[ModelChoice]: columns added by "Download & compare"; run them

    def __init__(self, parent: QWidget | None = None, *, pick: bool = False, tab: int = HUB_TAB,
                 confirm: Callable[[QWidget, str], bool] = _ask,
                 pick_import: Callable[[QWidget, str], str | None] = _pick_import) -> None:
        super().__init__(parent)
        self.setWindowTitle("Choose a model" if pick else "Models")
        self.pick, self.confirm, self.pick_import = pick, confirm, pick_import
        self.catalogue: hub.Catalogue | None = None
        self.local_model = CatalogueTable(self)
        self.hub_panel = HubPanel(self._local_names, self)
        self.hub_panel.pulled.connect(self._on_pulled)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self.hub_panel, "Hugging Face Hub")
        self.tabs.addTab(self._build_local(), "Downloaded")
        self.related_panel = RelatedPanel(self.hub_panel, self)
        self.tabs.addTab(self.related_panel, "Same model, other formats")
        self.hub_panel.relatedRequested.connect(self.show_related)
        self.related_panel.compareReady.connect(self._compare)
        from app.ui.convert_actions import ConvertActions

        self.converts = ConvertActions(self)
        self.hub_panel.convertRequested.connect(self.converts.from_hub)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        if pick:
            self.use_btn = buttons.addButton("Use in column", QDialogButtonBox.ButtonRole.AcceptRole)
            buttons.accepted.connect(self.accept)
        else:
            self.use_btn = buttons.addButton("Add as column", QDialogButtonBox.ButtonRole.ActionRole)
            self.use_btn.clicked.connect(self.add_as_column)
        self.use_btn.setToolTip("Score with the selected downloaded artifact (Downloaded tab)")
        self.use_btn.setEnabled(False)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        resize_within_screen(self, 1240, 700)
        self._choice: ModelChoice | None = None
        self.refresh_catalogue(wait=True)
        self.tabs.setCurrentIndex(tab)
        self.hub_panel.check_status()

    def _build_local(self) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        self.local_notice = Banner(page)
        layout.addWidget(self.local_notice)
        self.usage = QLabel()
        self.usage.setWordWrap(True)
        layout.addWidget(self.usage)
        self.local_view = table_view(self.local_model, page)
        for col, width in ((0, 230), (1, 260), (2, 60), (3, 110), (4, 80), (5, 100)):
            self.local_view.setColumnWidth(col, width)
        self.local_view.selectionModel().currentRowChanged.connect(lambda cur, _p: self._local_selected(cur.row()))
        self.local_view.doubleClicked.connect(lambda _i: self.use_btn.isEnabled() and self.use_btn.click())
        layout.addWidget(self.local_view, 1)
        row = QHBoxLayout()
        self.refresh_btn = QPushButton("Refresh")
        self.refresh_btn.clicked.connect(lambda: self.refresh_catalogue())
        self.import_btn = QPushButton("Import from disk…")
        self.import_btn.setToolTip("Register a .gguf file, an .onnx file or folder, or a CT2 folder where it is "
                                   "(nothing is copied)")
        import_menu = QMenu(self.import_btn)
        import_menu.addAction("A model file (.gguf, .onnx)…", lambda: self.import_from_disk("file"))
        import_menu.addAction("A model folder (ONNX or CTranslate2)…", lambda: self.import_from_disk("folder"))
        self.import_btn.setMenu(import_menu)
        self.delete_btn = QPushButton("Delete…")
        self.delete_btn.setEnabled(False)
        self.delete_btn.clicked.connect(self.delete_selected)
        self.convert_btn = QPushButton("Convert…")
        self.convert_btn.setToolTip("Convert the selected safetensors model to ONNX / CTranslate2 / GGUF")
        self.convert_btn.setEnabled(False)
        self.convert_btn.clicked.connect(lambda: self.selected_model() and self.converts.downloaded(
            self.selected_model()))
        self.convert_folder_btn = QPushButton("Convert a local folder…")
        self.convert_folder_btn.setToolTip("Convert a transformers folder (config.json, tokenizer.json, "
                                           "model.safetensors) to ONNX / CTranslate2 / GGUF")
        self.convert_folder_btn.clicked.connect(lambda: self.converts.local_folder())
        for button in (self.refresh_btn, self.import_btn, self.convert_btn, self.convert_folder_btn):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.delete_btn)
        layout.addLayout(row)
        return page

    # -- catalogue --------------------------------------------------------------------------------
    def refresh_catalogue(self, wait: bool = False) -> None:
        """Scan the cache and the imports (in a pool thread; ``wait`` blocks, used once when opening)."""
        job = Job(lambda _p: hub.catalogue())
        job.signals.returned.connect(self._set_catalogue)
        job.signals.errored.connect(lambda _k, msg: self.local_notice.show_message(msg, "error"))
        if wait:
            job.run()
        else:
            self.hub_panel.runner.submit(job)

    def _set_catalogue(self, cat: hub.Catalogue) -> None:
        selected = self.selected_model()
        self.catalogue = cat
        self.local_model.set_rows(cat.models)
        count = len(cat.models)
        text = (f"<b>{count} artifact{'s' if count != 1 else ''}</b> · Hub cache {human_bytes(cat.cache_bytes)} in "
                f"<code>{cat.cache_dir}</code>")
        if cat.partial_bytes:
            text += f" · {human_bytes(cat.partial_bytes)} in interrupted downloads (Resume them on the Hub tab)"
        if cat.imported_bytes:
            text += f" · imported {human_bytes(cat.imported_bytes)} (left where they are)"
        self.usage.setText(text)
        if selected is not None:
            self.select_model(selected.repo_id, selected.artifact.name)
        self._local_selected(self.local_view.currentIndex().row())
        self.hub_panel.refresh_local()
        self.catalogueRefreshed.emit(cat)

    def _local_names(self, repo_id: str) -> set[str]:
        models = self.catalogue.models if self.catalogue else ()
        return {m.artifact.name for m in models if m.repo_id == repo_id}

    def selected_model(self) -> hub.LocalModel | None:
        row = self.local_view.currentIndex().row()
        return self.local_model.row(row) if 0 <= row < self.local_model.rowCount() else None

    def select_model(self, repo_id: str, name: str) -> bool:
        for row, m in enumerate(self.local_model.rows()):
            if m.repo_id == repo_id and m.artifact.name == name:
                self.local_view.selectRow(row)
                self.local_view.setCurrentIndex(self.local_model.index(row, 0))
                return True
        return False

    def _local_selected(self, row: int) -> None:
        ok = 0 <= row < self.local_model.rowCount()
        model = self.local_model.row(row) if ok else None
        self.delete_btn.setEnabled(ok)
        self.convert_btn.setEnabled(model is not None and not model.missing and model.format == "safetensors")
        self.use_btn.setEnabled(model is not None and not model.missing and model.artifact.runnable)

    def _on_pulled(self, result: hub.PullResult) -> None:
        def select(_cat) -> None:
            self.catalogueRefreshed.disconnect(select)
            if self.select_model(result.repo_id, result.artifact.name) and self.pick:
                self.tabs.setCurrentIndex(LOCAL_TAB)

        self.catalogueRefreshed.connect(select)
        self.refresh_catalogue()

    # -- same model, other formats ---------------------------------------------------------------
    def show_related(self, repo_id: str) -> None:
        self.tabs.setCurrentIndex(RELATED_TAB)
        self.related_panel.find(repo_id)

    def _compare(self, results: list) -> None:
        """One column per downloaded artifact, plus the transformers reference when the base is on disk."""
        if self.pick:
            return
        choices = [ModelChoice(str(r.snapshot), r.load_file or None, r.artifact.backends[0], r.repo_id)
                   for r in results if r.artifact.backends]
        reference = self._reference_choice()
        if reference is not None:
            choices.insert(0, reference)
        for choice in choices:
            self.columnRequested.emit(choice)
        if choices:
            self.compareRequested.emit(choices)

    def _reference_choice(self) -> ModelChoice | None:
        from app.backends import registry

        result = self.related_panel.result
        if result is None or not registry.installed("torch"):  # never imports torch in the GUI process
            return None
        try:
            listing = hub.local_listing(result.base)
        except PlaygroundError:
            return None
        if listing is None or not any(a.format == "safetensors" for a in listing.artifacts):
            return None
        from app.hub.listing import snapshot_path

        return ModelChoice(str(snapshot_path(result.base, listing.commit)), None, "torch", result.base)

    # -- delete / import --------------------------------------------------------------------------
    def delete_selected(self) -> int:
        """Delete the selected artifact after confirmation; returns the bytes reclaimed (0 when not deleted)."""
        model = self.selected_model()
        if model is None:
            return 0
        if model.source == "bundled":
            self.local_notice.show_message("The bundled starter model is part of the app and cannot be deleted.",
                                           "info")
            return 0
        if model.source == "imported":
            text = (f"Forget the imported model {model.repo_id} ({model.artifact.name})? Its files in "
                    f"{model.path} are not deleted.")
        else:
            text = (f"Delete {model.repo_id} · {model.artifact.label} ({human_bytes(model.size)}) from the Hub "
                    "cache? Files another artifact of the repo still uses are kept.")
        if not self.confirm(self, text):
            return 0
        try:
            freed = hub.delete(model.repo_id, file=model.artifact.name or None)
        except PlaygroundError as exc:
            self.local_notice.show_message(str(exc), "error")
            return 0
        self.local_notice.show_message(f"Deleted {model.repo_id} {model.artifact.name}: "
                                       f"{human_bytes(freed)} reclaimed.", "info")
        self.refresh_catalogue(wait=True)
        return freed

    def import_from_disk(self, kind: str = "file") -> list[hub.ImportedModel]:
        path = self.pick_import(self, kind)
        if not path:
            return []
        try:
            added = hub.import_path(path)
        except PlaygroundError as exc:
            self.local_notice.show_message(str(exc), "error")
            return []
        names = ", ".join(f"{m.name} ({m.file})" for m in added)
        self.local_notice.show_message(f"Imported {names}. Nothing was copied.", "info")
        self.refresh_catalogue(wait=True)
        if added:
            self.select_model(added[0].name, added[0].file)
        return added

    # -- result -----------------------------------------------------------------------------------
    def choice(self) -> ModelChoice | None:
        """The selected artifact resolved to a folder + file + backend, or None (with a message why)."""
        model = self.selected_model()
        if model is None:
            return None
        try:
            return choice_for(model)
        except PlaygroundError as exc:
            self.local_notice.show_message(str(exc), "error")
            return None

    def add_as_column(self) -> None:
        choice = self.choice()
        if choice is not None:
            self.columnRequested.emit(choice)
            self.local_notice.show_message(f"Added a column for {choice.repo_id} {choice.file or ''}.", "info")

    def accept(self) -> None:
        if self.pick:
            self._choice = self.choice()
            if self._choice is None:
                return
        super().accept()

    def chosen(self) -> ModelChoice | None:
        return self._choice

    def done(self, result: int) -> None:
        if self.pick:  # a pick dialog is not shown again: stop its downloads (partial files are kept)
            self.hub_panel.shutdown(lookups=False)
        super().done(result)

    def shutdown(self) -> None:
        self.hub_panel.shutdown()

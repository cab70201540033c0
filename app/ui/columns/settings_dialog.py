"""Column settings: a local model artifact (folder or file, backend, device) or a remote rerank endpoint
(URL, API style, key), and the scoring options."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.core.families import PROMPT_FORMATS
from app.core.types import Aggregate, BackendConfig, ChunkOptions, ScoreOptions
from app.ui.columns.discover import backend_for, list_artifacts
from app.ui.columns.remote_fields import LOCAL, REMOTE, RemoteFields
from app.ui.columns.spec import ColumnSpec, default_name

COMPUTE_TYPES = ("", "int8", "int8_float32", "int8_float16", "float16", "bfloat16", "float32")


class ColumnSettingsDialog(QDialog):
    """Edit a ColumnSpec; ``spec()`` returns the edited copy."""

    def __init__(self, spec: ColumnSpec, backends: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Column settings")
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        self._auto_name = spec.name == default_name(spec.config)
        self.name = QLineEdit(spec.name)
        self.name.setPlaceholderText("column title (empty: from the model and backend)")
        self.name.textEdited.connect(lambda _t: setattr(self, "_auto_name", False))
        form.addRow("Name", self.name)
        self.source = QComboBox()
        self.source.addItems([LOCAL, REMOTE])
        self.source.setToolTip("A model on this computer, or a rerank server over HTTP (its results, drift and "
                               "latency show like a local column's)")
        form.addRow("Source", self.source)
        self.path = QLineEdit(spec.config.path)
        self.path.setPlaceholderText("a model folder (with config.json and tokenizer.json) or a model file")
        folder_btn, file_btn = QPushButton("Folder…"), QPushButton("File…")
        folder_btn.clicked.connect(self._pick_folder)
        file_btn.clicked.connect(self._pick_file)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(folder_btn)
        row.addWidget(file_btn)
        form.addRow("Model", row)
        self.models_row = self._models_row()  # local models only: hidden for a remote source
        form.addRow("", self.models_row)
        self.artifact = QComboBox()
        self.artifact.setEditable(True)
        form.addRow("Artifact", self.artifact)
        self.backend = QComboBox()
        self.backend.addItems([b for b in backends if b != "remote"])
        form.addRow("Backend", self.backend)
        self.remote = RemoteFields(form)
        self.device = QComboBox()
        self.device.addItems(["cpu", "cuda"])
        form.addRow("Device", self.device)
        self.threads = _spin(0, 256, "auto")
        form.addRow("Threads", self.threads)
        self.compute = QComboBox()
        self.compute.addItems([c or "model default" for c in COMPUTE_TYPES])
        form.addRow("Compute type (CT2)", self.compute)
        self.gpu_layers = _spin(-1, 999, "all")
        form.addRow("GPU layers (GGUF, CUDA)", self.gpu_layers)
        self.checkpoint = QLineEdit(spec.config.checkpoint or "")
        self.checkpoint.setPlaceholderText("only for a CT2 folder outside its checkpoint: the original model folder")
        self.checkpoint.setToolTip(
            "ct2-transformers-converter drops the classification head and the tokenizer. A CT2 folder inside the "
            "original checkpoint (MODEL/ct2-int8) finds them itself; elsewhere, name that checkpoint folder "
            "(config.json, tokenizer.json, model.safetensors) here.")
        form.addRow("Checkpoint (CT2)", self.checkpoint)
        self.family = QLineEdit(spec.config.family or "")
        self.family.setPlaceholderText("auto-detect (e.g. qwen3-reranker to override)")
        form.addRow("Family", self.family)
        self.prompt_format = QComboBox()  # decoders: a declared prompt layout instead of the detected one
        self.prompt_format.addItems(["auto-detect", *sorted(PROMPT_FORMATS)])
        if spec.config.prompt_format in PROMPT_FORMATS:
            self.prompt_format.setCurrentText(spec.config.prompt_format)
        form.addRow("Prompt format", self.prompt_format)
        self.max_length = _spin(0, 131072, "model default")
        form.addRow("Max tokens per pair", self.max_length)
        self.batch = _spin(1, 4096)
        form.addRow("Batch size", self.batch)
        self.batch_tokens = _spin(-1, 1_048_576, "device default")
        self.batch_tokens.setToolTip(
            "Most padded tokens in one batch (pairs x the longest pair). Device default: 512 for ONNX and 256 "
            "for CT2 on the CPU, 16384 on CUDA. 0 = no bound (batches of 'Batch size' pairs).")
        form.addRow("Batch tokens", self.batch_tokens)
        self.batch_dynamic = QCheckBox("batch dynamic int8 (faster; scores then depend on the other documents)")
        self.batch_dynamic.setToolTip(
            "ONNX graphs quantized with quantize_dynamic compute one activation scale per batch, so a pair's score "
            "changes with its batch neighbours. Off (default): one pair per run, about 9 % slower, scores that do "
            "not depend on the other documents. On: batches as above, and the column shows a warning.")
        form.addRow("", self.batch_dynamic)
        form.addRow("Long documents", self._chunk_row())
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        form.addRow(self.hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._local_rows = (row, self.models_row, self.artifact, self.backend, self.device, self.threads)
        self._form = form
        self.source.currentTextChanged.connect(self._source_changed)
        self.path.editingFinished.connect(self._refresh_artifacts)
        self.artifact.currentTextChanged.connect(self._artifact_changed)
        self.backend.currentTextChanged.connect(self._backend_changed)
        self.device.currentTextChanged.connect(lambda _d: self._backend_changed(self.backend.currentText()))
        self._load(spec)

    def _models_row(self) -> QWidget:
        """Buttons that open the Models dialog to pick a downloaded artifact (or download one first)."""
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        downloaded, browse = QPushButton("Choose from downloaded models…"), QPushButton("Browse the Hub…")
        downloaded.clicked.connect(lambda: self.choose_model(hub_tab=False))
        browse.clicked.connect(lambda: self.choose_model(hub_tab=True))
        row.addWidget(downloaded)
        row.addWidget(browse)
        row.addStretch(1)
        return box

    def choose_model(self, hub_tab: bool) -> None:
        from app.ui.models_dialog import HUB_TAB, LOCAL_TAB, ModelsDialog

        dialog = ModelsDialog(self, pick=True, tab=HUB_TAB if hub_tab else LOCAL_TAB)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.chosen() is not None:
            self.apply_choice(dialog.chosen())

    def apply_choice(self, choice) -> None:
        """Fill model folder, artifact and backend from a ``ModelChoice`` of the Models dialog."""
        self.path.setText(choice.path)
        self._refresh_artifacts()
        self.artifact.setCurrentText(choice.file or "")
        if choice.backend in [self.backend.itemText(i) for i in range(self.backend.count())]:
            self.backend.setCurrentText(choice.backend)
        if self._auto_name:
            self.name.setText(default_name(self.spec().config))

    def _chunk_row(self) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        self.chunk_on = QCheckBox("chunk")
        self.chunk_size = _spin(8, 8192)
        self.chunk_overlap = _spin(0, 8191)
        self.aggregate = QComboBox()
        self.aggregate.addItems([a.value for a in Aggregate])
        self.chunk_on.toggled.connect(lambda on: [w.setEnabled(on) for w in
                                                  (self.chunk_size, self.chunk_overlap, self.aggregate)])
        for label, w in (("", self.chunk_on), ("size", self.chunk_size), ("overlap", self.chunk_overlap),
                         ("score", self.aggregate)):
            if label:
                row.addWidget(QLabel(label))
            row.addWidget(w)
        return box

    def _load(self, spec: ColumnSpec) -> None:
        cfg, opts = spec.config, spec.options
        self._options = opts
        is_remote = cfg.backend == "remote"
        if is_remote:
            self.remote.load(cfg)
            self.path.setText("")
        self._refresh_artifacts()
        self.artifact.setCurrentText(cfg.file or "")
        if not is_remote:
            self.backend.setCurrentText(cfg.backend)
        self.device.setCurrentText(cfg.device)
        self.threads.setValue(cfg.threads)
        self.compute.setCurrentIndex(COMPUTE_TYPES.index(cfg.compute_type) if cfg.compute_type in COMPUTE_TYPES
                                     else 0)
        self.gpu_layers.setValue(cfg.n_gpu_layers)
        self.max_length.setValue(opts.max_length or 0)
        self.batch.setValue(opts.batch_size)
        self.batch_tokens.setValue(-1 if opts.batch_tokens is None else opts.batch_tokens)
        self.batch_dynamic.setChecked(opts.batch_dynamic_quant)
        self.chunk_on.setChecked(opts.chunk is not None)
        self.chunk_size.setValue(opts.chunk.size if opts.chunk else 256)
        self.chunk_overlap.setValue(opts.chunk.overlap if opts.chunk else 0)
        self.aggregate.setCurrentText(opts.chunk.aggregate.value if opts.chunk else "max")
        self._options = opts
        self.chunk_on.toggled.emit(self.chunk_on.isChecked())
        self._backend_changed(self.backend.currentText())
        self.source.setCurrentText(REMOTE if is_remote else LOCAL)
        self._source_changed(self.source.currentText())

    @property
    def is_remote(self) -> bool:
        return self.source.currentText() == REMOTE

    def _prompt_format(self) -> str | None:
        return self.prompt_format.currentText() if self.prompt_format.currentIndex() > 0 else None

    def spec(self) -> ColumnSpec:
        compute = COMPUTE_TYPES[self.compute.currentIndex()] or None
        cfg = self.remote.config(self.family.text().strip() or None) if self.is_remote else BackendConfig(path=self.path.text().strip(), backend=self.backend.currentText(),
                            device=self.device.currentText(), file=self.artifact.currentText().strip() or None,
                            threads=self.threads.value(), compute_type=compute,
                            n_gpu_layers=self.gpu_layers.value(), family=self.family.text().strip() or None,
                            prompt_format=self._prompt_format(),
                            checkpoint=self.checkpoint.text().strip() or None)
        chunk = None
        if self.chunk_on.isChecked():
            chunk = ChunkOptions(self.chunk_size.value(), self.chunk_overlap.value(),
                                 Aggregate(self.aggregate.currentText()))
        options = ScoreOptions(max_length=self.max_length.value() or None, batch_size=self.batch.value(),
                               batch_tokens=None if self.batch_tokens.value() < 0 else self.batch_tokens.value(),
                               chunk=chunk, instruction=self._options.instruction,
                               use_template=self._options.use_template,
                               batch_dynamic_quant=self.batch_dynamic.isChecked())
        name = self.name.text().strip()
        return ColumnSpec(default_name(cfg) if self._auto_name or not name else name, cfg, options)

    def accept(self) -> None:
        path = self.path.text().strip()
        problem = self.remote.problem() if self.is_remote else None
        if problem:
            self.hint.setText(f"<span style='color:#cf222e'>{escape(problem)}</span>")
            return
        if not self.is_remote and (not path or not Path(path).expanduser().exists()):
            self.hint.setText(f"<span style='color:#cf222e'>Model not found: '{path}'. Pick a folder or "
                              "file that exists.</span>")
            return
        if self.chunk_on.isChecked() and self.chunk_overlap.value() >= self.chunk_size.value():
            self.hint.setText("<span style='color:#cf222e'>Chunk overlap must be smaller than the chunk "
                              "size.</span>")
            return
        super().accept()

    # -- reactions --------------------------------------------------------------------------------
    def _pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model folder", self.path.text())
        if folder:
            self.path.setText(folder)
            self._refresh_artifacts()

    def _pick_file(self) -> None:
        file, _ = QFileDialog.getOpenFileName(self, "Model file", self.path.text(),
                                              "Models (*.onnx *.gguf model.bin *.safetensors);;All files (*)")
        if file:
            self.path.setText(file)
            self._refresh_artifacts()

    def _refresh_artifacts(self) -> None:
        current = self.artifact.currentText()
        self.artifact.blockSignals(True)
        self.artifact.clear()
        folder = Path(self.path.text().strip()).expanduser()
        found = list_artifacts(folder)
        self.artifact.addItems([a.file for a in found])
        self.artifact.setCurrentText(current if current in [a.file for a in found] else
                                     (found[0].file if found else ""))
        self.artifact.blockSignals(False)
        if folder.is_file() or found:
            self._artifact_changed(self.artifact.currentText())
        self._follow_name()

    def _artifact_changed(self, rel: str) -> None:
        base = Path(self.path.text().strip()).expanduser()
        backend = backend_for(base / rel if rel else base)
        if backend and self.backend.currentText() in ("onnx", "gguf", "ct2", "torch"):
            self.backend.setCurrentText(backend)
        self._follow_name()

    def _source_changed(self, source: str) -> None:
        remote = source == REMOTE
        for field in self._local_rows:
            self._form.setRowVisible(field, not remote)
        self.remote.set_visible(remote)
        self._backend_changed(self.backend.currentText())

    def _backend_changed(self, backend: str) -> None:
        """Only the options that apply: compute type and checkpoint for CT2, GPU layers for GGUF on CUDA,
        dynamic batching for ONNX."""
        local = not self.is_remote
        self.compute.setEnabled(backend == "ct2")
        self.gpu_layers.setEnabled(backend == "gguf")
        self.checkpoint.setEnabled(backend == "ct2")
        self.batch_dynamic.setEnabled(backend == "onnx")
        self._form.setRowVisible(self.compute, local and backend == "ct2")
        self._form.setRowVisible(self.checkpoint, local and backend == "ct2")
        self._form.setRowVisible(self.batch_dynamic, local and backend == "onnx")
        self._form.setRowVisible(self.gpu_layers, local and backend == "gguf" and self.device.currentText() == "cuda")
        self._follow_name()

    def _follow_name(self) -> None:
        """A name the user did not type follows the model, artifact, backend and device picked."""
        if self._auto_name:
            self.name.setText(self.spec().name)


def _spin(lo: int, hi: int, special: str | None = None) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    if special:
        box.setSpecialValueText(special)
    return box

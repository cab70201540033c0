"""Convert… : pick formats (sizes estimated, disk space checked), run ``rerank-playground convert`` in a
subprocess with progress per step and Cancel, show the validation report, and **Compare all**: one column per
artifact plus the transformers reference, scored on the current query and documents.

The conversion runs out of the GUI process (a QProcess running the CLI with ``--progress-json``): torch is never
imported here. Cancel sends SIGINT (the converter removes its temporary folder) and kills after a grace time.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QProcess, QProcessEnvironment, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.convert.formats import TARGETS, Target
from app.core.errors import PlaygroundError
from app.ui import convert_plan as cp
from app.ui.banner import Banner
from app.ui.convert_report import ReportTable, read_validation
from app.ui.models_dialog import ModelChoice

FORMATS_PAGE, PROGRESS_PAGE, REPORT_PAGE = 0, 1, 2
PHASES = {"download": "Downloading the checkpoint", "convert": "Converting", "validate": "Validating"}


class ConvertDialog(QDialog):
    columnRequested = Signal(object)  # ModelChoice, one per artifact and the reference ("Compare all")
    compareRequested = Signal(object)  # list[ModelChoice]: the columns just added; run them

    def __init__(self, src: str, folder: Path, name: str, parent: QWidget | None = None, *,
                 out: Path | None = None, free_space: Callable[[Path], int] = cp.free_bytes,
                 missing: Callable[[], str | None] = cp.missing_extra, grace_ms: int = 5000) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Convert {name}")
        self.src, self.folder, self.name = src, folder, name
        self.free_space, self.grace_ms = free_space, grace_ms
        self.process: QProcess | None = None
        self.cancelled = False
        self.result: dict | None = None
        self._stdout, self._stderr_buf, self._log_tail = b"", b"", []
        self.notice = Banner(self)
        self.pages = QStackedWidget(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.notice)
        layout.addWidget(self.pages, 1)
        self.boxes: dict[str, QCheckBox] = {}
        self.params = 0
        self.pages.addWidget(self._build_formats(out or cp.default_out(name)))
        self.pages.addWidget(self._build_progress())
        self.pages.addWidget(self._build_report())
        self.resize(860, 520)
        self._load_model()
        reason = missing()
        if reason:
            self.notice.show_message(reason, "error")
            self.convert_btn.setEnabled(False)
            self.convert_btn.setToolTip(reason)

    # -- formats ----------------------------------------------------------------------------------
    def _build_formats(self, out: Path) -> QWidget:
        page = QWidget(self)
        lay = QVBoxLayout(page)
        self.model_label = QLabel()
        self.model_label.setWordWrap(True)
        lay.addWidget(self.model_label)
        grid = QGridLayout()
        for i, target in enumerate(TARGETS.values()):
            box = QCheckBox(target.name)
            box.toggled.connect(self.update_estimate)
            self.boxes[target.name] = box
            grid.addWidget(box, i % 4, i // 4)
        lay.addLayout(grid)
        row = QHBoxLayout()
        row.addWidget(QLabel("Output folder:"))
        self.out_edit = QLineEdit(str(out))
        self.out_edit.editingFinished.connect(self.update_estimate)
        browse = QPushButton("Change…")
        browse.clicked.connect(self._pick_out)
        row.addWidget(self.out_edit, 1)
        row.addWidget(browse)
        lay.addLayout(row)
        self.estimate_label = QLabel()
        self.estimate_label.setWordWrap(True)
        lay.addWidget(self.estimate_label)
        lay.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.convert_btn = QPushButton("Convert")
        self.convert_btn.setDefault(True)
        self.convert_btn.clicked.connect(self.start)
        buttons.addWidget(self.convert_btn)
        lay.addLayout(buttons)
        return page

    def _load_model(self) -> None:
        try:
            family, config = cp.read_family(self.folder)
            self.params = cp.parameter_count(self.folder)
        except PlaygroundError as exc:
            self.notice.show_message(str(exc), "error")
            self.convert_btn.setEnabled(False)
            for box in self.boxes.values():
                box.setEnabled(False)
            return
        self.model_label.setText(f"<b>{self.name}</b> · {family.name} ({family.architecture}) · "
                                 f"{self.params / 1e6:.1f} M parameters · from <code>{self.folder}</code>")
        for choice in cp.choices(family, config):
            box = self.boxes[choice.target.name]
            box.setText(f"{choice.target.name}  (~{cp.human(cp.estimate(choice.target, self.params))})")
            box.setEnabled(choice.enabled)
            box.setChecked(choice.checked)
            box.setToolTip(choice.reason or "runs this family faithfully")
        self.update_estimate()

    def _pick_out(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Output folder", self.out_edit.text())
        if path:
            self.out_edit.setText(path)
            self.update_estimate()

    def selected(self) -> list[Target]:
        return [TARGETS[n] for n, box in self.boxes.items() if box.isEnabled() and box.isChecked()]

    def out(self) -> Path:
        return Path(self.out_edit.text().strip()).expanduser()

    def space(self) -> tuple[int, int]:
        """(bytes the selected formats need, bytes free at the output folder)."""
        return cp.needed_bytes(self.selected(), self.params), self.free_space(self.out())

    def update_estimate(self) -> None:
        needed, free = self.space()
        text = f"Needs about <b>{cp.human(needed)}</b>; {cp.human(free)} free in <code>{self.out()}</code>."
        problem = cp.space_problem(needed, free, self.out())
        self.estimate_label.setText(f"<span style='color:#cf222e'>{text}</span>" if problem else text)

    # -- run --------------------------------------------------------------------------------------
    def start(self) -> bool:
        """Start the conversion subprocess; False (with the reason shown) when it cannot start."""
        targets = self.selected()
        if not targets:
            self.notice.show_message("Check at least one format to convert to.", "error")
            return False
        problem = cp.space_problem(*self.space(), self.out())
        if problem:
            self.notice.show_message(problem, "error")
            return False
        self.notice.clear()
        self.cancelled, self.result, self._stdout, self._stderr_buf, self._log_tail = False, None, b"", b"", []
        self.log.clear()
        cmd = cp.command(self.src, targets, self.out())
        proc = QProcess(self)
        env = QProcessEnvironment.systemEnvironment()
        root = str(Path(__file__).resolve().parents[2])  # the checkout the GUI runs from, first on the path
        env.insert("PYTHONPATH", os.pathsep.join(p for p in (root, env.value("PYTHONPATH")) if p))
        env.insert("PYTHONUNBUFFERED", "1")
        proc.setProcessEnvironment(env)
        proc.readyReadStandardError.connect(self._read_stderr)
        proc.readyReadStandardOutput.connect(lambda: self._read_stdout(proc))
        proc.finished.connect(self._finished)
        self.process = proc
        self.phase_label.setText("Starting…")
        self.bar.setRange(0, 0)
        self.cancel_btn.setEnabled(True)
        self.pages.setCurrentIndex(PROGRESS_PAGE)
        proc.start(cmd[0], cmd[1:])
        return True

    def _build_progress(self) -> QWidget:
        page = QWidget(self)
        lay = QVBoxLayout(page)
        self.phase_label = QLabel()
        self.bar = QProgressBar()
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.clicked.connect(self.cancel)
        lay.addWidget(self.phase_label)
        lay.addWidget(self.bar)
        lay.addWidget(self.log, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_btn)
        lay.addLayout(row)
        return page

    def _read_stdout(self, proc: QProcess) -> None:
        self._stdout += bytes(proc.readAllStandardOutput())

    def _read_stderr(self) -> None:
        self._stderr_buf += bytes(self.process.readAllStandardError())
        *lines, self._stderr_buf = self._stderr_buf.split(b"\n")
        for raw in lines:
            self._line(raw.decode("utf-8", "replace").rstrip("\r"))

    def _line(self, line: str) -> None:
        if line.startswith("{"):
            try:
                event = json.loads(line)
            except ValueError:
                event = None
            if isinstance(event, dict) and "phase" in event:
                self._progress(event)
                return
        if line.strip():
            self.log.appendPlainText(line)
            self._log_tail = (self._log_tail + [line])[-6:]

    def _progress(self, event: dict) -> None:
        phase, done, total = event["phase"], int(event.get("done", 0)), int(event.get("total", 0))
        text = PHASES.get(phase, phase)
        if phase == "convert" and total:
            text += f": step {min(done + 1, total)} of {total}"
        if event.get("step"):
            text += f" — {event['step']}"
        self.phase_label.setText(text)
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(min(done, max(total, 1)))

    def cancel(self) -> None:
        """SIGINT (the converter cleans up and exits), then kill after the grace time."""
        proc = self.process
        if proc is None or proc.state() == QProcess.ProcessState.NotRunning:
            return
        self.cancelled = True
        self.cancel_btn.setEnabled(False)
        self.phase_label.setText("Cancelling…")
        pid = proc.processId()
        if pid and os.name == "posix":
            os.kill(pid, signal.SIGINT)
        else:  # no SIGINT to send to a console-less child on Windows: stop it (the kill timer follows)
            proc.terminate()
        QTimer.singleShot(self.grace_ms, lambda: proc.state() != QProcess.ProcessState.NotRunning and proc.kill())

    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def _finished(self, code: int, _status) -> None:
        if self._stderr_buf:
            self._line(self._stderr_buf.decode("utf-8", "replace"))
            self._stderr_buf = b""
        self.cancel_btn.setEnabled(False)
        self.pages.setCurrentIndex(FORMATS_PAGE)
        if self.cancelled:
            self.notice.show_message("Conversion cancelled: no artifact of this run was written.", "info")
            return
        try:
            self.result = json.loads(self._stdout.decode("utf-8", "replace"))
        except ValueError:
            tail = " ".join(self._log_tail[-2:]) or f"exit status {code}"
            self.notice.show_message(f"The conversion failed: {tail}", "error")
            return
        self._show_report(code)

    # -- report -----------------------------------------------------------------------------------
    def _build_report(self) -> QWidget:
        page = QWidget(self)
        lay = QVBoxLayout(page)
        self.report_label = QLabel()
        self.report_label.setWordWrap(True)
        self.report_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = ReportTable(page)
        lay.addWidget(self.report_label)
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        again = QPushButton("Convert other formats…")
        again.clicked.connect(lambda: self.pages.setCurrentIndex(FORMATS_PAGE))
        self.compare_btn = QPushButton("Compare all")
        self.compare_btn.setToolTip("One column per artifact plus the Reference (transformers) column, scored "
                                    "on the current query and documents")
        self.compare_btn.clicked.connect(self.compare_all)
        row.addWidget(again)
        row.addStretch(1)
        row.addWidget(self.compare_btn)
        lay.addLayout(row)
        return page

    def _show_report(self, code: int) -> None:
        out = Path(self.result["out"])
        failed = [a for a in self.result.get("artifacts", []) if a.get("error")]
        text = f"Written to <code>{out}</code> and added to the Downloaded models."
        if failed:
            text += "<br>" + "<br>".join(f"<span style='color:#cf222e'>{a['target']}: {a['error']}</span>"
                                         for a in failed)
        self.report_label.setText(text)
        data = self.result.get("validation")
        try:
            data = read_validation(out) if data is None else data
        except PlaygroundError as exc:
            self.notice.show_message(str(exc), "warning")
            data = {"artifacts": []}
        self.table.set_report(data)
        self.compare_btn.setEnabled(bool(self.written()))
        self.pages.setCurrentIndex(REPORT_PAGE)
        if code:
            self.notice.show_message("Some formats were not written (see above); the others are ready.", "warning")

    def written(self) -> list[Target]:
        if not self.result:
            return []
        return [TARGETS[a["target"]] for a in self.result.get("artifacts", [])
                if not a.get("error") and a["target"] in TARGETS]

    def choices(self) -> list[ModelChoice]:
        """The Reference (torch on the checkpoint) and one choice per written artifact."""
        out = self.result["out"] if self.result else str(self.out())
        ref = ModelChoice(str(self.folder), None, "torch", self.name)
        return [ref, *(ModelChoice(out, t.path, t.backend, self.name) for t in self.written())]

    def compare_all(self) -> list[ModelChoice]:
        choices = self.choices()
        for choice in choices:
            self.columnRequested.emit(choice)
        self.compareRequested.emit(choices)
        return choices

    def done(self, result: int) -> None:
        if self.running():  # closing while converting cancels it (and waits for the cleanup)
            self.cancel()
            if not self.process.waitForFinished(self.grace_ms):
                self.process.kill()
                self.process.waitForFinished(3000)
        super().done(result)

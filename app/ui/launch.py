"""Start the desktop app: ``launch() -> int`` (the exit code). Called by ``app.cli`` with no sub-command."""

from __future__ import annotations

import logging
import sys

from app.core.types import BackendConfig, Document

log = logging.getLogger(__name__)

SAMPLE_QUERY = "What is deep learning?"
SAMPLE_DOCUMENTS = (
    "Deep learning is a subset of machine learning based on artificial neural networks.",
    "Apples are red and sweet fruits that grow on trees.",
    "The theory of relativity was developed by Albert Einstein.",
    "Neural networks simulate the human brain to solve complex problems.",
)
STARTER_ARTIFACTS = (("onnx", "onnx/model_quantized.onnx"), ("gguf", "gguf/model-q8_0.gguf"), ("ct2", "ct2-int8"))


def sample_workspace(window, model_dir, artifacts=STARTER_ARTIFACTS) -> None:
    """The first-run workspace: the sample query and documents, one column per starter artifact."""
    window.query_panel.set_query(SAMPLE_QUERY)
    window.documents_panel.set_documents([Document(t) for t in SAMPLE_DOCUMENTS])
    for backend, file in artifacts:
        if (model_dir / file).exists():
            window.add_column(BackendConfig(str(model_dir), backend, file=file))


def build_window(restore: bool = True, session: str | None = None):
    """The main window with ``session`` (a file named on the command line or opened from the desktop), else
    the last session, else the sample workspace (starter model), else empty. A session file that cannot be
    read is said in the banner over the workspace that would have opened without it."""
    from app.ui.main_window import MainWindow
    from app.ui.settings_bridge import load_defaults

    loaded, problem = _read_session(session) if session is not None else (None, "")
    window = MainWindow(load_defaults())
    if loaded is not None:
        window.actions_.apply_session(loaded)
        window.actions_.set_session_path(session)
        return window
    window = _fallback_workspace(window, restore)
    if problem:
        window.first_run = False  # its Run would clear the message before it is read
        window.message_bar.show_message(problem, "error")
    return window


def _read_session(path: str):
    from app.core.errors import PlaygroundError
    from app.core.session import Session

    try:
        return Session.load(path), ""
    except PlaygroundError as exc:
        return None, str(exc)


def _fallback_workspace(window, restore: bool):
    from app.core.session import last_session_path
    from app.paths import starter_model_dir

    last = last_session_path()
    if restore and last.is_file() and window.actions_.open_session_file(last):
        window.setWindowTitle("Rerank Playground")
        window.actions_.session_path = None
        return window
    starter = starter_model_dir()
    if starter is not None:
        sample_workspace(window, starter)
        window.first_run = True  # launch() scores the sample once the window is up
    else:
        window.message_bar.show_message("Start by adding a column: Add column → pick a model folder or file "
                                        "(ONNX, GGUF or a CTranslate2 folder).", "info")
    return window


def launch(argv: list[str] | None = None, session: str | None = None) -> int:
    from app.ui.qt_platform import platform_problem

    problem = platform_problem()  # before QApplication(): Qt aborts the process (exit 134) on these
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Rerank Playground")
    app.setOrganizationName("rerank-playground")
    from app.ui.settings_bridge import apply_to_app, restore_geometry

    apply_to_app(app)
    window = build_window(session=session)
    restore_geometry(window)
    from app.ui.quit_signals import CloseOnSignals

    window.quit_signals = CloseOnSignals(window.close, window)  # Ctrl+C / SIGTERM: saved like the close button
    window.show()
    if window.first_run:  # first start: show the three starter rankings straight away
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, window.run)
    return app.exec()

"""The window's layout leaves room for three result columns on a small laptop screen."""

from __future__ import annotations

from app.core.types import BackendConfig


def test_three_columns_fit_a_1366_pixel_screen_without_scrolling(qtbot, window, fixtures_dir):
    model = str(fixtures_dir / "tiny-bert")
    for backend, file in (("onnx", "onnx/model.onnx"), ("gguf", "gguf/model-q8_0.gguf"), ("ct2", "ct2")):
        window.add_column(BackendConfig(model, backend, file=file))
    # the documents panel's buttons no longer impose the style's 80-px minimum each
    assert window.documents_panel.minimumSizeHint().width() <= 460
    window.resize(1284, 706)  # what _fit_to_screen gives on a 1366 x 768 screen
    window._middle.setSizes([360, 924])
    qtbot.waitUntil(lambda: window.columns.viewport().width() > 700, timeout=2000)
    qtbot.wait(20)
    assert not window.columns.horizontalScrollBar().isVisible()
    assert all(w.isVisible() and w.width() >= w.minimumWidth() for w in window.columns.widgets)


def test_dialogs_fit_the_screen(qtbot, window, monkeypatch):
    from app.ui import screen_fit
    from app.ui.evaluate_view import EvaluateView

    monkeypatch.setattr(screen_fit, "available_size", lambda widget: (1366, 738))  # a 1366 x 768 laptop
    view = EvaluateView(window)
    qtbot.addWidget(view)
    assert view.height() <= 738 * 0.94 and view.width() == 1000

"""Qt test helpers: offscreen platform, real drag-and-drop events with file URLs, real PDF/DOCX files."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QFont, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QApplication


def url_mime(paths) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def send_drop(widget, mime: QMimeData, pos: QPoint | None = None) -> QDropEvent:
    """Drag enter, move and drop ``mime`` on ``widget`` the way Qt delivers a desktop drop."""
    pos = pos or widget.rect().center()
    actions = Qt.CopyAction | Qt.MoveAction
    # QDragEnterEvent/QDragMoveEvent take a QPoint (PySide6 < 6.12) or also a QPointF (6.12); QDropEvent a QPointF
    enter = QDragEnterEvent(pos, actions, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the widget refused the drag"
    move = QDragMoveEvent(pos, actions, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, move)
    drop = QDropEvent(QPointF(pos), actions, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(widget, drop)
    return drop


def write_pdf(path: Path, pages: list[str]) -> Path:
    """A real PDF with a text layer, written by Qt's own PDF writer."""
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.A4))
    painter = QPainter(writer)
    font = QFont()
    font.setPointSize(12)
    painter.setFont(font)
    for i, text in enumerate(pages):
        if i:
            writer.newPage()
        painter.drawText(200, 400, text)
    painter.end()
    return path


def write_docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    document.save(str(path))
    return path


@pytest.fixture
def choices():
    """Records (file name, options) each time the panel asks for a column/field; answers ``choices.answer``."""

    class Recorder(list):
        answer: str | None = None

        def __call__(self, path, choice):
            self.append((path.name, choice.options))
            return self.answer

    return Recorder()


@pytest.fixture
def panel(qtbot, choices):
    from app.ui.documents_panel import DocumentsPanel

    widget = DocumentsPanel(choose_field=choices)
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    widget.show()
    yield widget
    widget.shutdown()



@pytest.fixture
def dnd() -> SimpleNamespace:
    """The helpers above, for tests (test folders are not packages, so they cannot import conftest)."""
    return SimpleNamespace(url_mime=url_mime, send_drop=send_drop, write_pdf=write_pdf, write_docx=write_docx)
